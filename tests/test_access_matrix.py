"""The access matrix (issue 12): every URL pattern, as every persona, inside and outside her subtree.

The routes come from the URLconf (get_resolver, recursively, /api/v1/ included), so a new view is
covered the day it is added. Each kwarg of a route is filled by a resolver (RESOLVERS below) with
an object of a *zone*: a street-level subtree holding a unit, a person and her post, a return with
its verification code, a campaign, an account, an API token and a pending roster upload. A route
whose kwarg has no resolver fails `test_every_url_kwarg_has_a_resolver` with the line to add.

Each persona calls each route:
  inside her subtree:  GET, GET with tampered query (?unit=<outside code>&q=<outsider's ID number>…),
                       POST of the page's own form with its ids swapped for outside ones, POST JSON
                       with outside ids;
  outside her subtree: GET, POST form, POST JSON, every kwarg pointing at the outside zone.
and the test asserts, for every call:
  - no 500 (and no broken transaction);
  - outside objects answer 404 (405 for a wrong method; 403 only when the same call inside answers
    403 too, so the refusal reveals nothing), anonymous visitors are sent to /login/ or refused
    (401/403/404); public routes (/login/, /verify/, the API schema) are exempt from the status rule;
  - the body never shows an outsider's name, mobile or ID number, an outside account's name, or
    (on non-public pages) an outside unit's name, unless the request itself carried that string;
  - a refused call (401/403/404/405, 400/409/413/429, or the login redirect) changes no row, and
    no call changes a row of an outside zone (the nested-set columns of units excepted).

Every call runs in a savepoint that is rolled back, so each starts from the same world.
"""

import datetime
import json
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import lxml.html
import pytest
from conftest import build_tree, make_persona, make_user, valid_id_number
from django.apps import apps
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from jobs.models import Job
from orgtree import services as tree_services
from orgtree.congresses import record_congress
from orgtree.models import ApiToken, Contact, Unit, User

# The personas of the matrix (tests/conftest.py PERSONAS) and anonymous (None).
MATRIX_PERSONAS = ["city_admin", "city_reviewer", "staff_a", "staff_b", "street_staff", "viewer_a", None]

# (inside zone, outside zone) of each persona: every object of the outside zone lies outside her subtree.
PERSONA_ZONES = {
    "city_admin": ("A1", "C"),
    "city_reviewer": ("A1", "C"),
    "staff_a": ("A1", "B"),
    "staff_b": ("B", "A1"),
    "street_staff": ("A1", "A2"),
    "viewer_a": ("A1", "B"),
    None: ("A1", "B"),
}

# Public routes: anyone may call them; they are still checked for 500s and personal data.
PUBLIC_ROUTES = {"login", "returns:verify", "returns:verify_form", "api-verify", "api-schema", "api-docs", "api-redoc"}
# Not called: logout would end the persona's session mid-matrix (it is a POST with no object in it).
NOT_CALLED = {"logout"}
# Django's own admin (is_staff accounts only; no persona is one) is checked by one GET per persona below.
SKIPPED_PREFIXES = ("django-admin/",)

REFUSED = {400, 401, 403, 404, 405, 409, 413, 429}


# --- the zones --------------------------------------------------------------------------------

# zone -> (attribute of the street-level unit, of the unit below it holding the post, of its district)
ZONES = {
    "A1": ("street_a", "community_a", "district_a"),
    "A2": ("township_a", "village_a", "district_a"),
    "B": ("street_b", "community_b", "district_b"),
    "C": ("street_c", "community_c", "district_c"),
}
# What the zone's person and account are called: names found nowhere else in the app.
ZONE_PEOPLE = {
    "A1": ("赵兆丽", "13904510011", "吴账甲", "钟联甲", "蒋档甲"),
    "A2": ("钱农英", "13904510022", "郑账乙", "钟联乙", "沈档乙"),
    "B": ("孙花玲", "13904510033", "王账丙", "钟联丙", "韩档丙"),
    "C": ("李龙燕", "13904520044", "冯账丁", "钟联丁", "杨档丁"),
}


@dataclass
class Zone:
    name: str
    values: dict  # kind -> value (pk, code or token)
    secrets: list  # (unit pk, string): only someone whose subtree holds that unit may be shown the string


@dataclass
class World:
    tree: object
    zones: dict
    users: dict
    import_dir: Path
    media_dir: Path


def build_world(import_dir, media_dir):
    """build_tree() plus a second city, and in each zone a person, post, return, account, token, upload."""
    from grassroots.models import Organisation, TwoCommittees, WomenHome
    from members import services as member_services
    from members.models import Post
    from returns import services as return_services
    from returns.models import Campaign, CampaignForm
    from selection.models import Candidate, Meeting, RegisterEntry

    t = build_tree()
    K = Unit.Kind

    def make(parent, name, code, kind):
        return tree_services.create_unit(parent=parent, name=name, code=code, kind=kind, actor=None)

    t.city_c = make(None, "齐齐哈尔市", "2302", K.CITY)
    t.district_c = make(t.city_c, "龙沙区", "230202", K.DISTRICT)
    t.street_c = make(t.district_c, "五龙街道", "230202001", K.STREET)
    t.community_c = make(t.street_c, "五龙社区", "230202001001", K.COMMUNITY)
    for name, unit in vars(t).items():
        setattr(t, name, Unit.objects.get(pk=unit.pk))

    users = {name: make_persona(name, t) for name in MATRIX_PERSONAS if name}
    campaign_2016 = return_services.ensure_campaign_2016()
    campaign_c = Campaign.objects.create(
        doc_number="齐妇发〔2016〕1号",
        title="齐齐哈尔市扩大基层妇联组织覆盖",
        unit=t.city_c,
        baseline_date=campaign_2016.baseline_date,
        cut_off_date=campaign_2016.cut_off_date,
    )
    for form in campaign_2016.forms.all():
        CampaignForm.objects.create(campaign=campaign_c, form_no=form.form_no, due_date=form.due_date)
    # A table defined as data (issue 23), the 2016 city's, usable by everyone below it: like form_no, shared.
    from reports.models import save_definition

    tabledef = Path(__file__).resolve().parent.parent / "reports" / "tabledefs" / "form5.yaml"
    table_key = save_definition(tabledef.read_text(encoding="utf-8"), owner=None)[0].key
    zones, returns, attachments, secrets_ = {}, {}, {}, []
    for n, (zone, (street_attr, unit_attr, district_attr)) in enumerate(ZONES.items(), start=1):
        street, unit, district = getattr(t, street_attr), getattr(t, unit_attr), getattr(t, district_attr)
        name, mobile, account_name, contact_name, entry_name = ZONE_PEOPLE[zone]
        id_number = valid_id_number(datetime.date(1978, n, 10 + n), serial=100 + 2 * n)
        person = member_services.create_person(
            data={"name": name, "birth_date": datetime.date(1978, n, 1), "id_number": id_number,
                  "mobile": mobile, "workplace_title": f"{name}的工作单位"},
            actor=None,
        )  # fmt: skip
        post = member_services.appoint(
            person=person,
            unit=unit,
            role="executive" if unit.org_form == Unit.OrgForm.FEDERATION else "member",
            start_date=datetime.date(2016, 7, 1),
            actor=None,
        )
        # The selection path (issue 11): a register entry, her candidacy and a 妇女群众会议.
        entry_mobile = f"1390452{n:04d}"
        entry = RegisterEntry.objects.create(
            unit=unit, name=entry_name, mobile=entry_mobile, birth_date=datetime.date(1981, n, 1)
        )
        candidate = Candidate.objects.create(
            unit=unit, entry=entry, role=post.role, method=Post.Method.UNIT, proposed_on=datetime.date(2016, 6, 1)
        )
        meeting = Meeting.objects.create(unit=unit, held_on=datetime.date(2016, 6, 20), place="活动室", attendance=40)
        # The grassroots registers (issue 24): a 妇女之家 and a 两委 record of the unit, an organisation of the street.
        home = WomenHome.objects.create(unit=unit, name=f"{unit.name}妇女之家", opened_on=datetime.date(2016, 3, 8))
        committees = TwoCommittees.objects.create(unit=unit, elected_on=datetime.date(2014, 3, 1), members=7, women=2)
        organisation = Organisation.objects.create(
            unit=street, name=f"{street.name}某企业", kind=Organisation.Kind.choices[0][0],
            listed_on=datetime.date(2016, 1, 1),
        )  # fmt: skip
        # A 换届 of the street (issue 23), its 主席 named: only the street's subtree may read her name there.
        record_congress(
            unit=street, data={"number": 1, "held_on": datetime.date(2016, 1, 1), "chair_name": name}, actor=None
        )
        contact_mobile = f"1390451{n:04d}"
        Contact.objects.create(unit=street, role=Contact.Role.CONTACT, name=contact_name, mobile=contact_mobile)
        account = make_user(f"clerk_{zone.lower()}", street, User.Role.STAFF, full_name=account_name)
        # A background job (issue 15) is her own: only its requester sees it, inside her subtree.
        job = Job.objects.create(
            kind="roster_export", title=f"{street.name}名册", requester=account, unit=street, key=f"matrix{zone}"
        )
        token = ApiToken.objects.create(
            name=f"{zone} 同步脚本",
            prefix=f"mx{zone.lower()}",
            key_hash=secrets.token_hex(32),
            user=account,
            unit=street,
            expires_at=timezone.now() + datetime.timedelta(days=30),
        )
        upload_token = f"matrix{zone}".ljust(32, "x")
        for suffix in (".xlsx", "-errors.xlsx"):
            (import_dir / f"{upload_token}{suffix}").write_bytes(f"{name} {id_number} {mobile}".encode())
        (media_dir / "seals").mkdir(exist_ok=True)
        (media_dir / "seals" / f"{street.code}.png").write_bytes(b"\x89PNG " + name.encode())
        if district.pk not in returns:
            form = campaign_2016.forms.get(form_no="1")
            district_contacts = [
                ("leader", f"{district.name[:1]}分管", "13904519901"),
                ("contact", f"{district.name[:1]}联络", "13904519902"),
            ]
            for role, contact, phone in district_contacts:
                Contact.objects.create(unit=district, role=role, name=contact, mobile=phone[:-1] + str(n))
                secrets_.extend([(district.pk, contact), (district.pk, phone[:-1] + str(n))])
            filer = make_user(f"filer_{district.code}", district, User.Role.STAFF, full_name=f"{district.name}报表员")
            ret = return_services.submit_return(
                form=form, unit=district, actor=filer, unit_leader=name, filled_by=name, phone=mobile,
                explanation="矩阵测试",
            )  # fmt: skip
            returns[district.pk] = ret
            # A 经验材料 attachment (issue 11), served only through the access rule.
            attachments[district.pk] = return_services.add_attachment(
                form=campaign_2016.forms.get(form_no="experience"),
                unit=district,
                name=f"{district.name}经验.pdf",
                data=b"%PDF-1.4 " + name.encode(),
                actor=filer,
            )
        ret = returns[district.pk]
        outside_campaign = campaign_c if zone == "C" else None
        zones[zone] = Zone(
            zone,
            {
                "unit": street.pk,
                "unit_code": street.code,
                "person": person.pk,
                "post": post.pk,
                "return": ret.pk,
                "snapshot_code": ret.snapshot.code,
                "account": account.pk,
                "api_token": token.pk,
                "import_token": upload_token,
                "seal_path": f"seals/{street.code}.png",
                "form_no": 4,
                "table_key": table_key,
                # Campaigns are shared down the tree: only the other city's is outside anyone's reach.
                "campaign": outside_campaign.pk if outside_campaign else campaign_2016.pk,
                "campaign_form": (outside_campaign or campaign_2016).forms.get(form_no="4").pk,
                "id_number": id_number,
                "register_entry": entry.pk,
                "candidate": candidate.pk,
                "meeting": meeting.pk,
                "congress_number": 1,
                "job": job.pk,
                "attachment": attachments[district.pk].pk,
                "women_home": home.pk,
                "two_committees": committees.pk,
                "area_organisation": organisation.pk,
            },
            [
                (unit.pk, name),
                (unit.pk, mobile),
                (unit.pk, id_number),
                (street.pk, account_name),
                (street.pk, contact_name),
                (street.pk, contact_mobile),
                (unit.pk, entry_name),
                (unit.pk, entry_mobile),
            ],
        )
    zones["C"].secrets += [s for s in secrets_ if s[0] == t.district_c.pk]
    zones["B"].secrets += [s for s in secrets_ if s[0] == t.district_b.pk]
    zones["A2"].secrets += [s for s in secrets_ if s[0] == t.district_a.pk]
    return World(t, zones, users, import_dir, media_dir)


# Kinds whose value in zones A1, A2 and B is shared with the inside zone (the 2016 campaign, 附表4):
# an "outside" call with them alone is not outside, so it is skipped there.
SHARED_KINDS = {"campaign", "campaign_form", "form_no", "table_key"}


# --- kwarg resolvers -------------------------------------------------------------------------

# kwarg name -> {first path segment of the route (after api/v1/), or "*" for any -> kind of object}.
# A new route whose kwarg is missing here fails test_every_url_kwarg_has_a_resolver.
RESOLVERS = {
    "pk": {
        "units": "unit",
        "posts": "post",
        "people": "person",
        "returns": "return",
        "campaigns": "campaign",
        "accounts": "account",
        "tokens": "api_token",
        "register": "register_entry",
        "candidates": "candidate",
        "meetings": "meeting",
        "jobs": "job",
        "attachments": "attachment",
        "women-homes": "women_home",
        "two-committees": "two_committees",
        "area-organisations": "area_organisation",
    },
    "unit_pk": {"*": "unit"},
    "form_pk": {"*": "campaign_form"},
    "form_no": {"*": "form_no"},
    "token": {"units": "import_token"},
    "code": {"units": "unit_code", "verify": "snapshot_code"},
    "path": {"media": "seal_path"},
    "key": {"units": "table_key"},
    "number": {"units": "congress_number"},
}


def named_routes(resolver=None, prefix="", namespace=""):
    """[(view name, route, kwarg names)] of every named URL pattern, namespaces included."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += named_routes(entry, route, ns)
        elif entry.name:
            routes.append((namespace + entry.name, route, sorted(entry.pattern.converters)))
    return routes


def kind_of(route, kwarg):
    segment = route.removeprefix("api/v1/").split("/", 1)[0]
    table = RESOLVERS.get(kwarg, {})
    return table.get(segment) or table.get("*")


def route_url(name, route, kwargs_names, zone, *, outside):
    """The route's URL with every kwarg taken from `zone`, or None when the call makes no sense there."""
    kwargs = {}
    for kwarg in kwargs_names:
        kind = kind_of(route, kwarg)
        kwargs[kwarg] = zone.values[kind]
    if outside and kwargs_names and all(kind_of(route, k) in SHARED_KINDS for k in kwargs_names) and zone.name != "C":
        return None
    return reverse(name, kwargs=kwargs)


def tampered_query(zone):
    """A query string pointing every filter a list or report takes at the zone."""
    v = zone.values
    return "?" + urlencode(
        {"unit": v["unit_code"], "under": v["unit_code"], "q": v["id_number"], "person": v["person"],
         "post": v["post"], "code": v["snapshot_code"]}
    )  # fmt: skip


def tampered_fields(zone):
    """Form and JSON fields that name objects: each set to the zone's object."""
    v = zone.values
    return {
        "unit": v["unit_code"], "parent": v["unit_code"], "new_parent": v["unit_code"], "target": v["unit_code"],
        "under": v["unit_code"], "unit_code": v["unit_code"], "person": v["person"], "person_id": v["person"],
        "post": v["post"], "posts": v["post"], "post_id": v["post"], "account": v["account"], "user": v["account"],
        "token": v["import_token"], "form": v["campaign_form"], "campaign": v["campaign"], "return": v["return"],
        "q": v["id_number"], "id_number": v["id_number"], "code": v["snapshot_code"],
    }  # fmt: skip


# Plausible values for the rest, so a tampered request gets past the field checks to the id checks.
PLAUSIBLE = {
    "name": "矩阵测试", "birth_date": "1980-05-01", "start_date": "2016-07-01", "end_date": "2017-01-01",
    "role": "executive", "reason": "矩阵测试", "end_reason": "矩阵测试", "unit_leader": "王丽", "filled_by": "李娜",
    "phone": "0451-84661234", "explanation": "矩阵测试", "cells": "A1", "note": "矩阵测试", "kind": "community",
}  # fmt: skip


def page_form(body, zone):
    """The fields of the page's first POST form (its own values), with every id field swapped for `zone`'s."""
    try:
        doc = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return None
    swap = tampered_fields(zone)
    for form in doc.forms:
        if (form.method or "GET").upper() != "POST" or (form.get("action") or "").rstrip("/").endswith("logout"):
            continue
        data = {}
        for name, value in form.form_values():
            data[name] = swap.get(name, value)
        for el in form.inputs:
            name = el.get("name")
            if name and name not in data and el.get("type") not in ("file", "submit", "button"):
                data[name] = swap.get(name, PLAUSIBLE.get(name, ""))
        return data
    return None


# --- the fingerprint --------------------------------------------------------------------------

UNTRACKED_TABLES = {"django_session"}
MPTT_COLUMNS = {"lft", "rght", "tree_id", "level", "updated_at"}


def tracked_tables():
    tables = []
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model._meta.app_label == "axes" or table in UNTRACKED_TABLES or model._meta.proxy:
            continue
        if table not in {t for t, _pk in tables}:
            tables.append((table, model._meta.pk.column))
    return tables


def fingerprint(tables):
    """{table: {pk: {column: value}}} of every tracked table."""
    result = {}
    with connection.cursor() as cursor:
        for table, pk_column in tables:
            cursor.execute("SELECT * FROM " + connection.ops.quote_name(table))  # noqa: S608 (a model's table)
            columns = [c[0] for c in cursor.description]
            index = columns.index(pk_column)
            result[table] = {row[index]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    return result


def changed_rows(before, after):
    """[(table, pk, columns changed)], a new or deleted row giving ("*",)."""
    changes = []
    for table, rows in after.items():
        old = before.get(table, {})
        for pk in rows.keys() | old.keys():
            if pk not in rows or pk not in old:
                changes.append((table, pk, ("*",)))
            elif rows[pk] != old[pk]:
                changes.append((table, pk, tuple(c for c in rows[pk] if rows[pk][c] != old[pk][c])))
    return changes


def outside_rows(world, username):
    """{(table, pk)} of rows the persona's subtree doesn't hold: units, people, posts, returns, accounts…"""
    from members.models import Person, Post
    from returns.models import Return, ReturnSnapshot
    from selection.models import Candidate, Meeting, RegisterEntry

    if username is None:
        return None  # anonymous: every row is outside, and every call is refused anyway
    inside = Unit.objects.subtree_of(world.users[username].unit)
    units = Unit.objects.exclude(pk__in=inside.values("pk"))
    rows = set()
    for model, queryset in (
        (Unit, units),
        (Post, Post.objects.filter(unit__in=units)),
        (Person, Person.objects.exclude(posts__unit__in=inside)),
        (Return, Return.objects.filter(unit__in=units)),
        (ReturnSnapshot, ReturnSnapshot.objects.filter(ret__unit__in=units)),
        (User, User.objects.filter(unit__in=units)),
        (ApiToken, ApiToken.objects.filter(unit__in=units)),
        (Contact, Contact.objects.filter(unit__in=units)),
        (RegisterEntry, RegisterEntry.objects.filter(unit__in=units)),
        (Candidate, Candidate.objects.filter(unit__in=units)),
        (Meeting, Meeting.objects.filter(unit__in=units)),
        (Job, Job.objects.filter(unit__in=units)),
    ):
        rows |= {(model._meta.db_table, pk) for pk in queryset.values_list("pk", flat=True)}
    return rows


# --- the calls --------------------------------------------------------------------------------


@dataclass
class Call:
    route: str
    persona: str | None
    where: str  # "inside" or "outside"
    method: str  # GET, GET?tampered, POST form, POST json
    url: str
    status: int = 0
    body: str = ""
    location: str = ""
    error: str = ""
    changes: list = field(default_factory=list)
    sent: str = ""

    def label(self):
        return f"{self.route} as {self.persona or 'anonymous'}, {self.where}: {self.method} {self.url}"


class ExceptionLog:
    def __init__(self):
        self.last = ""

    def __call__(self, sender, request=None, **kwargs):
        exc = sys.exc_info()[1]
        self.last = f"{type(exc).__name__}: {exc}"


def body_text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


class WriteLog:
    """Notes whether a request ran an INSERT, UPDATE or DELETE on a tracked table: only then is the
    (slower) fingerprint taken again."""

    def __init__(self):
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        head = sql.lstrip()[:6].upper()
        if head in ("INSERT", "UPDATE", "DELETE") and "django_session" not in sql[:60] and "axes_" not in sql[:60]:
            self.wrote = True
        return execute(sql, params, many, context)


def perform(client, call, tables, baseline, log, *, data=None, json_body=None, query=""):
    """Make the call inside a savepoint, record what it answered and wrote, roll it back."""
    cache.clear()  # rate-limit counters: each call starts with none
    log.last = ""
    call.url += query
    call.sent = json.dumps([call.url, data, json_body], ensure_ascii=False, default=str)
    writes = WriteLog()
    try:
        with transaction.atomic(), connection.execute_wrapper(writes):
            if call.method.startswith("GET"):
                response = client.get(call.url)
            elif json_body is not None:
                response = client.post(call.url, json.dumps(json_body), content_type="application/json")
            else:
                response = client.post(call.url, data or {})
            call.status = response.status_code
            call.location = response.get("Location", "")
            call.body = body_text(response)
            call.changes = changed_rows(baseline, fingerprint(tables)) if writes.wrote else []
            transaction.set_rollback(True)
    except DatabaseError as exc:
        call.error = f"the request broke the transaction: {type(exc).__name__}: {exc}"
    call.error = call.error or log.last
    return call


def refused(call):
    return call.status in REFUSED or (call.status == 302 and call.location.startswith("/login/"))


def faults_of(call, *, public, anonymous, inside_status, forbidden, outside_rows_):
    faults = []
    if call.status >= 500 or call.error.startswith("the request broke"):
        return [f"{call.label()}: {call.status} {call.error}"]
    if not public:
        if anonymous:
            to_login = call.status == 302 and call.location.startswith("/login/")
            if not (to_login or call.status in (401, 403, 404, 405)):
                faults.append(f"{call.label()}: {call.status} for an anonymous visitor (expected the login page)")
        elif call.where == "outside":
            ok = call.status in (404, 405) or (call.status == 403 and inside_status == 403)
            if not ok:
                faults.append(
                    f"{call.label()}: {call.status} for an object outside her subtree "
                    f"(expected 404; the same call inside answered {inside_status})"
                )
    leaked = [s for s in forbidden if s in call.body and s not in call.sent]
    if leaked:
        faults.append(f"{call.label()}: {call.status} shows outside data {leaked}")
    if refused(call) and call.changes:
        faults.append(f"{call.label()}: refused with {call.status} but wrote {call.changes[:5]}")
    elif outside_rows_ is not None:
        hit = [
            c for c in call.changes
            if (c[0], c[1]) in outside_rows_ and (c[2] == ("*",) or set(c[2]) - MPTT_COLUMNS)
        ]  # fmt: skip
        if hit:
            faults.append(f"{call.label()}: changed rows outside her subtree {hit[:5]}")
    return faults


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The matrix world, built once per module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        media = Path(tempfile.mkdtemp(prefix="fedorg-matrix-media-"))
        imports = Path(tempfile.mkdtemp(prefix="fedorg-matrix-imports-"))
        overrides = override_settings(MEDIA_ROOT=media, ROSTER_IMPORT_DIR=imports)
        overrides.enable()
        try:
            w = build_world(imports, media)
        except BaseException:
            overrides.disable()
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield w
    with django_db_blocker.unblock():
        overrides.disable()
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def forbidden_for(world, username, *, public):
    """Strings the persona must never be shown: the secrets of every zone outside her subtree,
    and (off the public pages) the names of units outside it that no unit she sees shares."""
    secrets_ = [s for zone in world.zones.values() for s in zone.secrets]
    if username is None:
        return sorted({text for _unit, text in secrets_})
    unit = world.users[username].unit
    own = Unit.objects.subtree_of(unit)
    own_pks = set(own.values_list("pk", flat=True))
    strings = sorted({text for unit_pk, text in secrets_ if unit_pk not in own_pks})
    if not public:
        allowed = set(own.values_list("name", flat=True)) | set(unit.get_ancestors().values_list("name", flat=True))
        others = set(Unit.objects.exclude(pk__in=own.values("pk")).values_list("name", flat=True)) - allowed
        strings += sorted(n for n in others if not any(n in a for a in allowed))
    return strings


# --- the tests --------------------------------------------------------------------------------


def test_every_url_kwarg_has_a_resolver():
    """A new route with a kwarg (or a known kwarg under a new path) needs a line in RESOLVERS."""
    missing = [
        f"{name} ({route}): no resolver for <{kwarg}> under '{route.removeprefix('api/v1/').split('/', 1)[0]}/'"
        for name, route, kwargs in named_routes()
        for kwarg in kwargs
        if kind_of(route, kwarg) is None
    ]
    assert not missing, (
        "Add these to RESOLVERS in tests/test_access_matrix.py (and the object to build_world()) so the "
        "access matrix covers them:\n" + "\n".join(missing)
    )


def test_the_routes_include_the_api_and_every_app():
    routes = named_routes()
    names = {name for name, _route, _kwargs in routes}
    assert {"orgtree:unit", "members:roster", "reports:table", "returns:return", "api-person-detail"} <= names
    assert len(routes) >= 80


_counts: dict = {}


@pytest.mark.parametrize("username", MATRIX_PERSONAS, ids=[p or "anonymous" for p in MATRIX_PERSONAS])
def test_access_matrix(username, world, db):
    """Every route as this persona, inside and outside her subtree (see the module docstring)."""
    started = time.monotonic()
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(world.users[username])
    tables = tracked_tables()
    baseline = fingerprint(tables)
    outside_rows_ = outside_rows(world, username)
    inside_zone, outside_zone = (world.zones[z] for z in PERSONA_ZONES[username])
    forbidden = {public: forbidden_for(world, username, public=public) for public in (True, False)}
    log = ExceptionLog()
    got_request_exception.connect(log)
    faults, calls, routes = [], 0, 0
    try:
        for name, route, kwargs in named_routes():
            if name in NOT_CALLED:
                continue
            routes += 1
            public = name in PUBLIC_ROUTES
            check = {"public": public, "anonymous": username is None, "forbidden": forbidden[public],
                     "outside_rows_": outside_rows_}  # fmt: skip
            inside_status = {}
            url = route_url(name, route, kwargs, inside_zone, outside=False)
            call = perform(client, Call(name, username, "inside", "GET", url), tables, baseline, log)
            inside_status["GET"] = call.status
            calls += 1
            faults += faults_of(call, inside_status=None, **check)
            form = page_form(call.body, outside_zone) if call.status == 200 else None
            if call.status != 405:  # a POST-only view answers any GET alike
                call = Call(name, username, "inside", "GET?tampered", url)
                perform(client, call, tables, baseline, log, query=tampered_query(outside_zone))
                calls += 1
                faults += faults_of(call, inside_status=None, **check)
            posts = [
                ("POST form", {"data": form if form is not None else tampered_fields(outside_zone)}),
                ("POST json", {"json_body": {**PLAUSIBLE, **tampered_fields(outside_zone)}}),
            ]
            for method, extra in posts:
                call = perform(client, Call(name, username, "inside", method, url), tables, baseline, log, **extra)
                inside_status.setdefault("POST", call.status)
                calls += 1
                faults += faults_of(call, inside_status=None, **check)
            outside_url = route_url(name, route, kwargs, outside_zone, outside=True)
            if outside_url is None or not kwargs:
                continue
            for method, extra in [
                ("GET", {"query": tampered_query(outside_zone)}),
                ("POST form", {"data": {**PLAUSIBLE, **tampered_fields(outside_zone)}}),
                ("POST json", {"json_body": {**PLAUSIBLE, **tampered_fields(outside_zone)}}),
            ]:
                call = Call(name, username, "outside", method, outside_url)
                perform(client, call, tables, baseline, log, **extra)
                calls += 1
                faults += faults_of(call, inside_status=inside_status[method.split()[0]], **check)
    finally:
        got_request_exception.disconnect(log)
    seconds = time.monotonic() - started
    _counts[username] = (routes, calls)
    print(f"\naccess matrix, {username or 'anonymous'}: {routes} routes, {calls} calls, {seconds:.1f} s")
    assert not faults, f"{len(faults)} faults:\n" + "\n".join(faults[:80])
    assert routes >= 80


def test_no_persona_reaches_the_django_admin(world, db):
    for username in MATRIX_PERSONAS:
        client = Client()
        if username:
            client.force_login(world.users[username])
        response = client.get("/django-admin/")
        assert response.status_code == 302 and "/django-admin/login/" in response["Location"], username


def test_the_world_holds_an_object_of_every_kind_in_every_zone(world, db):
    kinds = {kind for table in RESOLVERS.values() for kind in table.values()}
    for zone in world.zones.values():
        assert kinds <= zone.values.keys(), zone.name
    assert len({zone.values["person"] for zone in world.zones.values()}) == len(world.zones)


def test_the_checks_catch_a_leak_a_500_a_wrong_status_and_a_write():
    """The matrix's own checks, on made-up answers: each kind of fault is reported with its route."""
    check = {"public": False, "anonymous": False, "forbidden": ["孙花玲"], "outside_rows_": {("members_person", 3)}}
    ok = Call("members:person", "staff_a", "outside", "GET", "/people/3/", status=404, body="不存在")
    assert faults_of(ok, inside_status=200, **check) == []
    cases = {
        "500": Call("members:person", "staff_a", "inside", "GET", "/people/1/", status=500, error="KeyError"),
        "status": Call("members:person", "staff_a", "outside", "GET", "/people/3/", status=200),
        "leak": Call("members:person", "staff_a", "inside", "GET", "/people/1/", status=200, body="<td>孙花玲</td>"),
        "write": Call("members:person_edit", "staff_a", "outside", "POST form", "/people/3/edit/", status=404,
                      changes=[("orgtree_auditevent", 9, ("*",))]),
        "outside row": Call("members:person_edit", "staff_a", "inside", "POST form", "/people/1/edit/", status=302,
                            changes=[("members_person", 3, ("name",))]),
    }  # fmt: skip
    for label, call in cases.items():
        faults = faults_of(call, inside_status=200, **check)
        assert len(faults) == 1 and "as staff_a" in faults[0] and call.route in faults[0], label
    # What the request itself sent is not a leak (a form shows back what was typed).
    echo = Call("members:appoint_existing", "staff_a", "inside", "GET?tampered", "/x/?q=孙花玲", status=200,
                body="孙花玲", sent="孙花玲")  # fmt: skip
    assert faults_of(echo, inside_status=None, **check) == []
