"""Shared pieces of the JSON API (/api/v1/): the one error shape, pagination and query parameters.

A helper module: it imports DRF and Django only, never an app, so every app's api.py may use it.

Every error answers {"error": {"code": ..., "message": <Chinese>, "fields": {...}}}:
a rule broken in a service (django ValidationError) is 400, or 409 when its code is "conflict"
(someone moved the object since the client read it); PermissionDenied is 403; an object outside
the caller's subtree is 404, exactly as on the pages.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import TextChoices
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from fedorg.dates import COUNT_DATE_PATTERN, EARLIEST_AS_OF, LATEST_AS_OF, parse_count_date

if TYPE_CHECKING:  # DRF's settings import this module (the exception handler): at run time these would be a cycle
    from rest_framework.request import Request
    from rest_framework.views import APIView

CONFLICT = "conflict"

_M = TypeVar("_M", bound=models.Model)


class StrictCharField(serializers.CharField):
    """Text in a JSON body is a JSON string. DRF's CharField also takes 0 and stores "0", which the schema
    (type: string) refuses: schemathesis found `{"note": 0}` accepted. A number or a boolean is now a 400."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


# A ModelSerializer whose text fields are StrictCharFields (every API serializer of a model). No docstring:
# drf-spectacular would print it as the description of every serializer that has none of its own.
class StrictModelSerializer(serializers.ModelSerializer[_M]):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }


DEFAULT_MESSAGES = {
    400: "请求有误，请检查各字段。",
    401: "请先登录，或在请求头中带上接口令牌：Authorization: Bearer <令牌>。",
    403: "您没有权限进行此操作。",
    404: "对象不存在或不在您的管辖范围内。",
    405: "不支持此请求方法。",
    406: "无法提供所要求的响应格式，本接口只返回 JSON。",
    409: "数据已被他人修改，请重新读取后再试。",
    415: "不支持此请求格式：请求体须为 JSON（Content-Type: application/json）；只有名册导入接收 multipart/form-data。",
    429: "请求过于频繁，请稍后再试。",
}
CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: CONFLICT,
    415: "unsupported_media_type",
    429: "throttled",
}


class Pagination(LimitOffsetPagination):
    """?limit=&offset= on every list; at most 500 rows a page. Read by int_param: limit=0, limit=abc,
    offset=-5 or a repeated limit are 400, not a page that quietly ignores them."""

    default_limit = 100
    max_limit = 500
    limit_query_description = "每页条数（默认 100，1 至 500）。"
    offset_query_description = "跳过的条数（不小于 0）。"

    def get_limit(self, request: Request) -> int:
        limit = int_param(request, self.limit_query_param, minimum=1, maximum=self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        return int_param(request, self.offset_query_param, minimum=0) or 0

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_limit, default=self.default_limit)
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, default=0)
        return parameters


def error_body(code: str, message: str, fields: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def _flatten(detail: Any) -> Any:
    """DRF error detail (nested lists/dicts of ErrorDetail) -> plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        flat = [_flatten(item) for item in detail]
        return [item for item in flat if item not in ("", [], {})]
    return str(detail)


def _first_message(fields: dict[str, Any]) -> str:
    for key, value in fields.items():
        while isinstance(value, (list, dict)) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
        if isinstance(value, str) and value:
            return value if key in ("non_field_errors", "__all__") else f"{key}：{value}"
    return DEFAULT_MESSAGES[400]


def _django_validation(exc: DjangoValidationError) -> tuple[int, dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        fields = {("non_field_errors" if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}
        codes = {e.code for errors in exc.error_dict.values() for e in errors}
        messages = [m for ms in fields.values() for m in ms]
    else:
        fields = {}
        codes = {e.code for e in exc.error_list}
        messages = list(exc.messages)
    status_code = 409 if CONFLICT in codes else 400
    message = "".join(messages[:1]) if not fields else _first_message(fields)
    if not fields and len(messages) > 1:
        message = messages[0] + "".join(f"\n{m}" for m in messages[1:])
        fields = {"non_field_errors": messages}
    return status_code, error_body(CODES[status_code], message or DEFAULT_MESSAGES[status_code], fields)


def renamed_fields(exc: DjangoValidationError, **names: str) -> DjangoValidationError:
    """A service's ValidationError with its field names as the API spells them (new_parent -> parent)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return DjangoValidationError({names.get(key, key): errors for key, errors in exc.error_dict.items()})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error in the one shape; anything else is a bug and propagates."""
    if isinstance(exc, DjangoValidationError):
        status_code, body = _django_validation(exc)
        return Response(body, status=status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or DEFAULT_MESSAGES[404])
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or DEFAULT_MESSAGES[403])
    if not isinstance(exc, exceptions.APIException):
        return None
    status_code = exc.status_code
    headers = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {key: value if isinstance(value, (list, dict)) else [value] for key, value in _flatten(detail).items()}
        body = error_body(CODES[400], _first_message(fields), fields)
    else:
        if status_code == 401 or isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            message = str(exc.detail) if isinstance(exc, exceptions.AuthenticationFailed) else DEFAULT_MESSAGES[401]
        elif isinstance(exc, (exceptions.MethodNotAllowed, exceptions.UnsupportedMediaType, exceptions.NotAcceptable)):
            message = DEFAULT_MESSAGES[status_code]
        elif isinstance(exc, exceptions.Throttled):
            message = DEFAULT_MESSAGES[429]
        else:
            message = str(exc.detail) if isinstance(exc.detail, str) else DEFAULT_MESSAGES.get(status_code, "")
            if isinstance(exc, exceptions.ParseError):
                message = f"请求内容无法解析：{exc.detail}"
        body = error_body(CODES.get(status_code, "error"), message)
    return Response(body, status=status_code, headers=headers)


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any /api/v1/ path no route matches: the JSON 404, not the HTML page."""
    return JsonResponse(error_body(CODES[404], "没有这个接口地址，请查看 /api/v1/docs/。"), status=404)


# --- query parameters ------------------------------------------------------------------------
# The schemas below say what the readers accept, no more and no less, so a request the schema allows is
# read and one it refuses is a 400 (tests/test_api_schema.py checks both ways).


def count_date_parameter(name: str, description: str) -> OpenApiParameter:
    """A count-date parameter as date_param reads it: YYYY-MM-DD from 1949-10-01 to 2100-12-31."""
    return OpenApiParameter(
        name,
        {"type": "string", "format": "date", "pattern": COUNT_DATE_PATTERN},
        description=f"{description}（YYYY-MM-DD，{EARLIEST_AS_OF:%Y-%m-%d} 至 {LATEST_AS_OF:%Y-%m-%d}）",
    )


def datetime_parameter(name: str, description: str) -> OpenApiParameter:
    """A date or date-time parameter as datetime_param reads it."""
    return OpenApiParameter(
        name,
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]},
        description=f"{description}：日期（当地零时）或带时区的时间，时区的 + 须写成 %2B，如 2024-03-01T00:00:00%2B08:00",
    )


def bool_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, bool, description=f"{description}（true 或 false）")


def int_parameter(
    name: str, description: str, *, minimum: int | None = None, maximum: int | None = None
) -> OpenApiParameter:
    schema: dict[str, Any] = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return OpenApiParameter(name, schema, description=description)


# Every query parameter of the API is read through query_param (directly or through the typed readers
# below): a repeated parameter is refused, and a typed one that is present must be well formed, so a
# filter is never silently ignored. Each refusal is a 400 whose message names the parameter.


def _refuse(name: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: message})


def query_param(request: Request, name: str) -> str | None:
    """The parameter's text (stripped), or None when absent; 400 when it is given more than once."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise _refuse(name, f"只能给一次，收到了 {len(values)} 个值。")
    return values[0].strip() if values else None


def text_param(request: Request, name: str) -> str:
    """A free-text parameter (a unit code, a search): "" when absent or empty."""
    return (query_param(request, name) or "").replace("\x00", "").strip()


def _typed(request: Request, name: str) -> str | None:
    """A typed parameter's text: None when absent, 400 when present but empty (leave it out instead)."""
    value = query_param(request, name)
    if value == "":
        raise _refuse(name, "值为空；不需要此条件时请省略这个参数。")
    return value


def int_param(request: Request, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """An integer parameter within [minimum, maximum], or None when absent; 400 otherwise."""
    value = _typed(request, name)
    if value is None:
        return None
    bounds = "、".join(
        part
        for part in (
            f"不小于 {minimum}" if minimum is not None else "",
            f"不大于 {maximum}" if maximum is not None else "",
        )
        if part
    )
    need = f"应为{bounds}的整数" if bounds else "应为整数"
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 18:
        raise _refuse(name, f"“{value[:40]}”不是整数，{need}。")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _refuse(name, f"{number} 超出范围，{need}。")
    return number


def date_param(request: Request, name: str, default: datetime.date | None = None) -> datetime.date | None:
    """A count date (YYYY-MM-DD, 1949-10-01 to 2100-12-31): fedorg.dates.parse_count_date, as on the pages."""
    value = _typed(request, name)
    if value is None:
        return default
    try:
        return parse_count_date(value)
    except DjangoValidationError as e:
        raise exceptions.ValidationError({name: e.messages[0]}) from None


def datetime_param(request: Request, name: str) -> datetime.datetime | None:
    """An ISO 8601 date or date-time parameter (aware; a bare date is its local midnight), or 400."""
    value = _typed(request, name)
    if value is None:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = datetime.date.fromisoformat(value)
            moment = datetime.datetime.combine(day, datetime.time.min)
    except ValueError:
        moment = None
    if moment is None:
        hint = "（“+”在网址中须写成 %2B）" if " " in value else ""
        raise _refuse(
            name,
            f"时间“{value[:40]}”格式不对{hint}，应为 2024-01-31、2024-01-31T08:00:00Z 或 2024-01-31T08:00:00%2B08:00。",
        )
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # In UTC: PostgreSQL refuses odd offsets such as +18:16 in a literal.
        return moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise _refuse(name, f"时间“{value[:40]}”超出范围。") from None


def choice_param(request: Request, name: str, choices: type[TextChoices]) -> str | None:
    """A parameter that must be one of `choices` (a TextChoices class), or 400 listing them."""
    value = _typed(request, name)
    if value is None:
        return None
    if value not in choices.values:
        allowed = "、".join(f"{v}（{label}）" for v, label in choices.choices)
        raise _refuse(name, f"“{value[:40]}”不是可选值，可选：{allowed}。")
    return value


def bool_param(request: Request, name: str) -> bool:
    """true or false, as the schema's boolean is written; False when absent, 400 for anything else."""
    value = _typed(request, name)
    if value is None:
        return False
    if value == "true":
        return True
    if value == "false":
        return False
    raise _refuse(name, f"“{value[:40]}”应为 true 或 false。")


# --- the schema ------------------------------------------------------------------------------


def _quote_yaml_1_2_numbers() -> None:
    """The YAML schema (/api/v1/schema/, docs/openapi.yaml) quotes digit strings with a leading zero.

    drf-spectacular writes YAML with PyYAML, which follows YAML 1.1 and leaves 民族代码 "08" and "09" plain
    (not octal there); YAML 1.2 readers (ruamel, openapi-python-client) read a plain 08 as the integer 8, so
    the enum mixed strings and numbers and the generated client dropped the people endpoints. Telling
    spectacular's dumper that such text would read as an int makes it quote it.
    """
    from drf_spectacular import renderers

    renderers.SafeDumper.add_implicit_resolver(
        "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?0[0-9_]+|0o[0-7_]+)$"), list("-+0")
    )


_quote_yaml_1_2_numbers()


ERROR_STATUSES = (400, 401, 403, 404, 405, 406, 409, 415, 429)


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation documents the error shape for each status."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "description": "所有错误的统一格式。",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "description": "错误类别，如 invalid、not_found、conflict。"},
                    "message": {"type": "string", "description": "中文说明，可直接展示给用户。"},
                    "fields": {
                        "type": "object",
                        "description": "字段名 → 该字段的错误说明。",
                        "additionalProperties": True,
                    },
                    "rows": {
                        "type": "array",
                        "description": "名册导入的逐行错误（仅名册导入）。",
                        "items": {"$ref": "#/components/schemas/RowError"},
                    },
                },
                "required": ["code", "message", "fields"],
            }
        },
        "required": ["error"],
    }
    schemas["RowError"] = {
        "type": "object",
        "properties": {
            "row": {"type": "integer", "nullable": True, "description": "Excel 行号；整份文件的错误为 null。"},
            "column": {"type": "string", "nullable": True, "description": "列标题。"},
            "message": {"type": "string", "description": "中文说明。"},
        },
        "required": ["row", "column", "message"],
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code in ERROR_STATUSES:
                responses.setdefault(str(code), {"description": DEFAULT_MESSAGES[code], "content": error})
    return result
