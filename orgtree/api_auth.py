"""How the API knows who calls: the browser's session, or a token a script sends (docs/api.md).

Authorization: Bearer <令牌>. A token acts as its account narrowed to its unit's subtree (see
orgtree.services.use_api_token); a read-only token may only read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from . import services
from .models import ApiToken, User

if TYPE_CHECKING:  # rest_framework.views imports these classes (its settings): at run time it would be a cycle
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不对，应为 Authorization: Bearer <令牌>。")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("令牌只含字母、数字、- 和 _。") from None
        found = services.use_api_token(key, method=request.method, path=request.path)
        if found is None:
            raise exceptions.AuthenticationFailed("令牌无效、已过期或已被吊销，请向管理员重新申请。")
        token, user = found
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class TokenScopePermission(permissions.BasePermission):
    """Logged in (session or token); a token without 允许写入 may only read."""

    message = "此令牌只能读取，不能写入。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if isinstance(request.auth, ApiToken) and not request.auth.can_write:
            return request.method in permissions.SAFE_METHODS
        return True


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema documents the token: an HTTP bearer scheme."""

    target_class = ApiTokenAuthentication
    name = "令牌"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "管理员在“接口令牌”页面签发的令牌：Authorization: Bearer fo_…",
        }
