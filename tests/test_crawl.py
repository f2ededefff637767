"""Every page, every link and every form, as every demo persona, on the small demo city.

The demo city is seeded once for the module inside an outer transaction that is rolled back
at the end, so each test sees the same rows (and the same primary keys) and leaves nothing.
Each persona starts at "/" and follows every internal <a href> breadth-first; URLs are
grouped into patterns (resolved URL name, tier of the unit in the path, query keys) and only
two samples of each pattern are fetched, every pattern's first sample before any second one.
"""

import io
import re
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import lxml.html
import pytest
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse

from orgtree.models import ApiToken, Congress, Unit, User

PERSONAS = ["shi_admin", "shi_shenhe", "daoli", "nangang", "jiedao", None]
SAMPLES_PER_PATTERN = 2
PAGE_CAP = 300
SKIPPED_PREFIXES = ("/logout/", "/django-admin/", "/static/")
CJK = re.compile(r"[\u4e00-\u9fff]")
# "None" as a word: a template printed a missing value. Chinese text around it still counts.
NONE_WORD = re.compile(r"(?<![A-Za-z_])None(?![A-Za-z_])")
TEMPLATE_SYNTAX = ("{{", "{%")


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """seed_demo --scale small, once per module, rolled back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        call_command("seed_demo", scale="small", stdout=io.StringIO())
        # A table defined as data (issue 23), so that its routes are crawled too.
        from pathlib import Path

        from reports.models import save_definition

        tabledef = Path(__file__).resolve().parent.parent / "reports" / "tabledefs" / "form5.yaml"
        save_definition(tabledef.read_text(encoding="utf-8"), owner=Unit.objects.get(code="2301"))
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def as_persona(demo_city, db):
    """as_persona(username or None) -> a Client logged in as that demo account (anonymous for None)."""

    def _as(username):
        client = Client(raise_request_exception=False)
        if username:
            client.force_login(User.objects.get(username=username))
        return client

    return _as


# --- the crawler ---------------------------------------------------------------------------


@dataclass
class Page:
    url: str
    referrer: str | None
    status: int
    content_type: str = ""
    location: str = ""
    error: str = ""
    forms: list = field(default_factory=list)
    text: str = ""


@dataclass
class Crawl:
    persona: str | None
    pages: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    patterns: Counter = field(default_factory=Counter)
    unvisited_patterns: set = field(default_factory=set)
    seconds: float = 0.0

    def html_pages(self):
        return [p for p in self.pages if p.status == 200 and p.content_type.startswith("text/html")]


class ExceptionLog:
    """Collects the exceptions raised inside views (the client turns them into 500s)."""

    def __init__(self):
        self.last = ""

    def __call__(self, sender, request=None, **kwargs):
        exc = sys.exc_info()[1]
        self.last = f"{type(exc).__name__}: {exc}"


def unit_tiers():
    """{pk: tier}, tier-4 units split by 妇联/妇代会: the pages differ along these lines, not by kind."""
    return {
        unit.pk: f"{unit.tier}{unit.org_form if unit.tier == 4 else ''}"
        for unit in Unit.objects.only("pk", "kind", "org_form", "level")
    }


def pattern_of(url, tiers):
    """(URL name, kind of the unit in the path, query keys), or None for URLs that don't resolve."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    unit_pk = match.kwargs.get("unit_pk") or (match.kwargs.get("pk") if match.route.startswith("units/") else None)
    kind = tiers.get(unit_pk, "")
    keys = tuple(sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)}))
    return (match.view_name, kind, keys)


def internal(url, base):
    """The absolute path (with query) of an internal link, or None for external/skipped ones."""
    if not url or url.startswith(("mailto:", "tel:", "javascript:", "#", "data:")):
        return None
    absolute = urljoin("http://testserver" + base, url)
    parts = urlsplit(absolute)
    if parts.netloc != "testserver" or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def parse_forms(doc, page_url):
    """[(action path, {name: (tag, type, value, options)})] of the page's POST forms, logout excluded."""
    forms = []
    for form in doc.forms:
        if (form.method or "GET").upper() != "POST":
            continue
        action = internal(form.get("action") or page_url, page_url)
        if action is None:
            continue
        fields = {}
        for el in form.inputs:
            name = el.get("name")
            if not name or name == "csrfmiddlewaretoken":
                continue
            tag = el.tag
            kind = (el.get("type") or ("text" if tag == "input" else tag)).lower()
            if kind in ("submit", "button", "image", "reset"):
                continue
            options = [o.get("value", o.text_content()) for o in el.iter("option")] if tag == "select" else []
            if tag == "select":
                selected = [
                    o.get("value", o.text_content()) for o in el.iter("option") if o.get("selected") is not None
                ]
                value = selected[0] if selected else (options[0] if options else "")
            elif tag == "textarea":
                value = el.text or ""
            elif kind in ("checkbox", "radio"):
                value = el.get("value", "on") if el.get("checked") is not None else None
            else:
                value = el.get("value", "")
            fields.setdefault(name, (tag, kind, value, options, el.get("required") is not None))
        forms.append((action, fields))
    return forms


def get_form_urls(doc, page_url):
    """The URL each GET form (search, as-of date, export options) submits with what it shows."""
    urls = []
    for form in doc.forms:
        if (form.method or "GET").upper() != "GET":
            continue
        values = []
        for name, value in form.form_values():
            if name == "q" and not value:
                value = "社区"  # the search box starts empty; search for something every tier has
            values.append((name, value))
        urls.append((form.get("action") or page_url.split("?")[0]) + ("?" + urlencode(values) if values else ""))
    return urls


def check_html(page, body, problems, forbidden_names):
    doc = lxml.html.document_fromstring(body)
    title = doc.findtext(".//title")
    if not title or not title.strip():
        problems.append(f"{page.url}: no <title>")
    for token in TEMPLATE_SYNTAX:
        if token in body:
            problems.append(f"{page.url}: raw template syntax {token!r}")
    for el in doc.iter():
        if el.tag in ("script", "style") or not isinstance(el.tag, str):
            continue
        texts = [el.text or "", el.tail or ""] + [v for k, v in el.attrib.items() if k not in ("href", "src", "action")]
        for text in texts:
            if NONE_WORD.search(text):
                problems.append(f"{page.url}: shows 'None' in <{el.tag}>: {text.strip()[:80]!r}")
                break
    text = doc.text_content()
    page.text = text
    for name in forbidden_names:
        if name in text:
            problems.append(f"{page.url}: names a unit outside the persona's subtree: {name}")
    return doc


def forbidden_unit_names(username):
    """Names of units outside the user's subtree (ancestors excepted) that no visible unit shares."""
    if not username:
        return []
    user = User.objects.select_related("unit").get(username=username)
    if user.unit.parent_id is None:
        return []
    own = Unit.objects.subtree_of(user.unit)
    allowed = set(own.values_list("name", flat=True)) | set(user.unit.get_ancestors().values_list("name", flat=True))
    others = set(Unit.objects.exclude(pk__in=own.values("pk")).values_list("name", flat=True)) - allowed
    return sorted(n for n in others if not any(n in a for a in allowed))


def crawl(client, persona, *, start="/", cap=PAGE_CAP, samples=SAMPLES_PER_PATTERN):
    started = time.monotonic()
    result = Crawl(persona)
    tiers = unit_tiers()
    forbidden = forbidden_unit_names(persona)
    log = ExceptionLog()
    got_request_exception.connect(log)
    # rounds[i] holds the (i+1)-th sample of each pattern: every pattern's first sample is
    # fetched before any pattern's second, so the cap cuts repetition, not coverage.
    rounds = [deque() for _ in range(samples)]
    rounds[0].append((start, None))
    queued = {start}
    queued_patterns = Counter([pattern_of(start, tiers)])
    try:
        while len(result.pages) < cap and any(rounds):
            url, referrer = next(r for r in rounds if r).popleft()
            log.last = ""
            response = client.get(url)
            page = Page(url, referrer, response.status_code, response.get("Content-Type", ""))
            page.location = response.get("Location", "")
            page.error = log.last
            result.pages.append(page)
            result.patterns[pattern_of(url, tiers)] += 1
            links = []
            if response.status_code in (301, 302) and page.location:
                links = [page.location]
            elif response.status_code == 200 and page.content_type.startswith("text/html"):
                body = response.content.decode()
                doc = check_html(page, body, result.problems, forbidden)
                page.forms = parse_forms(doc, url)
                links = [a.get("href") for a in doc.iter("a")] + get_form_urls(doc, url)
            elif response.status_code == 200 and "json" in page.content_type:
                # The tree navigator's API answers are checked for names like the pages are.
                text = response.content.decode()
                result.problems += [f"{url}: names a unit outside the subtree: {n}" for n in forbidden if n in text]
            for href in links:
                target = internal(href, url)
                if target is None or target in queued:
                    continue
                key = pattern_of(target, tiers)
                if queued_patterns[key] >= samples:
                    continue
                rounds[queued_patterns[key]].append((target, url))
                queued_patterns[key] += 1
                queued.add(target)
    finally:
        got_request_exception.disconnect(log)
    result.unvisited_patterns = {pattern_of(u, tiers) for u, _r in rounds[0]}
    result.seconds = time.monotonic() - started
    return result


# --- pages and links -----------------------------------------------------------------------

_crawls = {}


def crawl_for(persona, as_persona):
    """One crawl per persona and module: the form tests post to the forms the crawl found."""
    if persona not in _crawls:
        _crawls[persona] = crawl(as_persona(persona), persona)
    return _crawls[persona]


def link_faults(result):
    """Statuses a link shown to this persona must never lead to."""
    faults = []
    for page in result.pages:
        where = f"{page.url} (linked from {page.referrer})"
        if page.status >= 500:
            faults.append(f"{where}: {page.status} {page.error}")
        elif page.status in (403, 404) and page.referrer is not None:
            faults.append(f"{where}: {page.status} for a link the page showed")
        elif result.persona and page.status in (301, 302) and page.location.startswith("/login/"):
            faults.append(f"{where}: a logged-in user was sent to the login page")
        elif page.status not in (200, 301, 302, 403, 404):
            faults.append(f"{where}: unexpected status {page.status}")
    return faults


@pytest.mark.parametrize("persona", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
def test_every_page_reachable_by_links_renders_cleanly_for(persona, as_persona):
    """No 500, no dead link, a <title>, no 'None' or raw template syntax, nothing from another district."""
    result = crawl_for(persona, as_persona)
    print(
        f"\n{persona or 'anonymous'}: {len(result.pages)} pages, {len(result.patterns)} patterns, "
        f"{len(result.html_pages())} HTML, {result.seconds:.1f} s"
    )
    faults = link_faults(result) + result.problems
    assert not faults, "\n".join(faults[:60])
    assert not result.unvisited_patterns, f"the page cap left patterns unvisited: {result.unvisited_patterns}"


# --- every URL pattern, for anonymous visitors and for outsiders ------------------------------


def named_routes(resolver=None, prefix="", namespace=""):
    """[(view name, route, kwarg names)] of every named URL, namespaces included."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(("django-admin/", "media/")):
            continue  # Django's own admin, and seal images served as files
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += named_routes(entry, route, ns)
        elif entry.name:
            routes.append((namespace + entry.name, route, sorted(entry.pattern.converters)))
    return routes


def sample_url(name, route, names, root):
    """The route's URL with real keys from the subtree of `root`, or None when it holds no such object."""
    from grassroots.models import Organisation, TwoCommittees, WomenHome
    from jobs.models import Job
    from members.models import Person, Post
    from returns.models import Campaign, CampaignForm, Return, ReturnAttachment, ReturnSnapshot
    from selection.models import Candidate, Meeting, RegisterEntry

    def pk(queryset):
        obj = queryset.first()
        return obj.pk if obj else None

    units = Unit.objects.subtree_of(root)
    street = units.filter(level=root.level + (1 if root.level >= 1 else 2)).first() or root
    outside = Unit.objects.exclude(pk__in=units.values("pk"))
    campaign = Campaign.objects.first()
    by_prefix = {
        "units/": lambda: street.pk,
        "posts/": lambda: pk(Post.objects.filter(unit__in=units)),
        "people/": lambda: pk(Person.objects.filter(posts__unit__in=units).exclude(posts__unit__in=outside)),
        "returns/": lambda: pk(Return.objects.filter(unit__in=units)),
        "campaigns/": lambda: campaign.pk,
        "accounts/": lambda: pk(User.objects.filter(unit__in=units)),
        "tokens/": lambda: pk(ApiToken.objects.filter(unit__in=units)),
        "register/": lambda: pk(RegisterEntry.objects.filter(unit__in=units)),
        "candidates/": lambda: pk(Candidate.objects.filter(unit__in=units)),
        "meetings/": lambda: pk(Meeting.objects.filter(unit__in=units)),
        "jobs/": lambda: pk(Job.objects.filter(unit__in=units)),
        "attachments/": lambda: pk(ReturnAttachment.objects.filter(ret__unit__in=units)),
        "women-homes/": lambda: pk(WomenHome.objects.filter(unit__in=units)),
        "two-committees/": lambda: pk(TwoCommittees.objects.filter(unit__in=units)),
        "area-organisations/": lambda: pk(Organisation.objects.filter(unit__in=units)),
    }
    kwargs = {}
    for key in names:
        if key == "pk":
            kwargs[key] = next(
                get() for start, get in by_prefix.items() if route.removeprefix("api/v1/").startswith(start)
            )
        elif key == "unit_pk":
            kwargs[key] = (units.filter(level=1).first() or root).pk
        elif key == "form_pk":
            kwargs[key] = CampaignForm.objects.get(campaign=campaign, form_no="4").pk
        elif key == "form_no":
            kwargs[key] = 4
        elif key == "code" and route.startswith("api/v1/units/"):
            kwargs[key] = street.code
        elif key == "code":
            snapshot = ReturnSnapshot.objects.filter(ret__unit__in=units).first()
            kwargs[key] = snapshot.code if snapshot else None
        elif key == "token":
            kwargs[key] = "0" * 32
        elif key == "key":  # a table defined as data (reports.TableDefinition)
            from reports.models import TableDefinition

            kwargs[key] = TableDefinition.objects.values_list("key", flat=True).first()
        elif key == "number":  # a 届 of the street (issue 23); the demo records one for a share of them
            kwargs[key] = Congress.objects.filter(unit=street).values_list("number", flat=True).first()
    if None in kwargs.values():
        return None
    url = reverse(name, kwargs=kwargs)
    # The report API takes its unit as a parameter rather than in the path.
    return f"{url}?unit={street.code}" if name == "api-report" else url


# Answer 404 to anonymous visitors, as to outsiders: a seal image's URL must not even redirect to the login page.
ANONYMOUS_404_ROUTES = {"orgtree:seal_image"}
PUBLIC_ROUTES = {"login", "returns:verify", "returns:verify_form", "api-verify", "api-schema", "api-docs", "api-redoc"}
# Routes without an object of a subtree in them: nothing to hide from an outsider.
UNSCOPED_ROUTES = {
    "home", "login", "logout", "password_change", "orgtree:roots", "orgtree:search", "orgtree:accounts",
    "orgtree:account_create", "returns:campaigns", "returns:campaign_create", "returns:campaign",
    "returns:campaign_bulk_approve", "returns:verify", "returns:verify_form",
    "returns:notifications", "returns:notifications_read", "orgtree:api_tokens",
    "api-schema", "api-docs", "api-redoc", "api-verify", "api-unit-list", "api-person-list", "api-post-list",
    "api-campaign-list", "api-return-list", "api-return-submit-new", "members:rule_sets",
    "search", "search_suggest", "orgtree:pick", "jobs:list",
}  # fmt: skip


def test_an_anonymous_visitor_is_sent_to_login_by_every_page_but_the_public_ones(as_persona):
    """Pages redirect to the login page, the API refuses, /verify/ and /login/ answer."""
    client = as_persona(None)
    city = Unit.objects.get(code="2301")
    faults, checked = [], []
    for name, route, names in named_routes():
        url = sample_url(name, route, names, city)
        if url is None or name == "logout":
            continue
        response = client.get(url)
        checked.append(name)
        if name in PUBLIC_ROUTES:
            ok = response.status_code == 200
        elif name in ANONYMOUS_404_ROUTES:
            ok = response.status_code == 404
        elif route.startswith("api/"):
            ok = response.status_code in (401, 403)
        else:
            ok = response.status_code == 302 and response["Location"].startswith("/login/")
        if not ok:
            faults.append(f"{name} {url}: {response.status_code}")
    assert not faults, "\n".join(faults)
    print(f"\nanonymous: {len(checked)} routes")
    assert len(checked) >= 60


@pytest.mark.parametrize(
    ("persona", "foreign_code"), [("daoli", "230103"), ("jiedao", "230103"), ("nangang", "230102")]
)
def test_every_url_answers_404_for_objects_outside_the_persona_subtree(persona, foreign_code, as_persona):
    """Another district's units, people, posts, returns and accounts don't exist for her; a role refusal stays 403."""
    client = as_persona(persona)
    own_root = User.objects.get(username=persona).unit
    foreign_root = Unit.objects.get(code=foreign_code)
    faults, checked = [], []
    for name, route, names in named_routes():
        url = sample_url(name, route, names, foreign_root)
        if name in UNSCOPED_ROUTES or url is None:
            continue
        own_url = sample_url(name, route, names, own_root)
        own_status = client.get(own_url).status_code if own_url else None
        status = client.get(url).status_code
        if status == 405:
            status = client.post(url).status_code
        checked.append(name)
        if status != 404 and not (status == 403 and own_status == 403):
            faults.append(f"{name} {url}: {status} (own subtree: {own_status})")
    assert not faults, "\n".join(faults)
    print(f"\n{persona} outside: {len(checked)} routes")
    assert len(checked) >= 40


# --- every form: empty, garbage, another district's unit code ----------------------------------

# Every form page of the app; the crawl must reach each one as some persona.
FORM_URL_NAMES = {
    "login", "password_change",
    "orgtree:create", "orgtree:rename", "orgtree:move", "orgtree:merge", "orgtree:archive", "orgtree:convert",
    "orgtree:contacts", "orgtree:seal", "orgtree:account_create", "orgtree:account_edit",
    "members:person_add", "members:appoint_existing", "members:post_edit", "members:post_end",
    "members:person_edit", "members:roster_import",
    "returns:campaign_create", "returns:return_submit", "returns:return_send_back",
}  # fmt: skip
# Forms whose every field is optional: an empty or odd POST may simply do the thing.
NO_REQUIRED_INPUT = {
    "orgtree:contacts", "orgtree:pilot", "orgtree:restore", "returns:notifications_read", "returns:return_approve",
    "returns:return_reopen", "returns:campaign_bulk_approve", "selection:unit_certificates",
    "selection:post_certificate", "members:roster_export_job", "selection:propose", "reports:pdf",
}  # fmt: skip
HUGE = "测" * 5000
LETTERS = "abc年月"
DATE_NAME = re.compile(r"(date|^on$|_on$|as_of|birth|due)")
UNIT_NAME = re.compile(r"(code|^unit$|parent|target)")


def blank(fields):
    """What an untouched, emptied form sends: every field blank, hidden ones (tokens, versions) kept."""
    return {name: (value if kind == "hidden" else "") for name, (_tag, kind, value, _o, _r) in fields.items()}


def garbage(fields, foreign_code, *, only_units=False):
    """POST data that a careless or hostile user might send; `only_units` keeps the page's values elsewhere."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {}
    for name, (tag, kind, value, _options, _required) in fields.items():
        if kind == "hidden":
            data[name] = value
        elif UNIT_NAME.search(name) and foreign_code:
            data[name] = foreign_code
        elif only_units:
            if value is not None:
                data[name] = value
        elif kind == "file":
            data[name] = SimpleUploadedFile("名册.xlsx", b"this is not a spreadsheet nor an image")
        elif kind in ("date", "number") or DATE_NAME.search(name):
            data[name] = LETTERS
        elif tag == "select":
            data[name] = "不存在的选项"
        elif kind in ("checkbox", "radio"):
            data[name] = "on"
        elif kind == "password":
            data[name] = "x"
        else:
            data[name] = HUGE
    return data


def chinese_error(doc):
    """The text of the error messages on a re-rendered form page."""
    xpath = "//*[contains(concat(' ', normalize-space(@class), ' '), ' error') or contains(@class, 'errorbox') or contains(@class, 'errorlist')]"
    return " ".join(el.text_content().strip() for el in doc.xpath(xpath) if CJK.search(el.text_content()))


def form_samples(result, tiers):
    """(page URL, action, fields) for the first form of each (URL name, unit tier) the persona was shown."""
    seen, samples = set(), []
    for page in result.html_pages():
        for action, fields in page.forms:
            key = pattern_of(action, tiers)
            if key is None or key[0] == "logout" or key[:2] in seen:
                continue
            seen.add(key[:2])
            samples.append((page.url, action, fields, key[0]))
    return samples


def post_isolated(client, url, data):
    """POST, then roll back whatever it wrote, so each form starts from the same demo city."""
    with transaction.atomic():
        response = client.post(url, data)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("persona", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
def test_every_form_answers_bad_input_with_a_chinese_error_and_keeps_what_was_typed(persona, as_persona):
    """Empty, garbage (letters in dates, huge text, nonsense choices, a broken file) and another district's code."""
    result = crawl_for(persona, as_persona)
    client = as_persona(persona)
    if persona is None:
        result.html_pages()[0].forms or pytest.fail("the login page shows no form")
    # A unit of another district; the city's accounts have no "other district".
    foreign = {"daoli": "230103001", "jiedao": "230103001", "nangang": "230102001"}.get(persona)
    log = ExceptionLog()
    got_request_exception.connect(log)
    faults, exercised = [], set()
    try:
        for page_url, action, fields, name in form_samples(result, unit_tiers()):
            exercised.add(name)
            variants = [("empty", blank(fields)), ("garbage", garbage(fields, foreign))]
            if foreign and any(UNIT_NAME.search(f) for f in fields):
                variants.append(("foreign unit", garbage(fields, foreign, only_units=True)))
            for label, data in variants:
                log.last = ""
                response = post_isolated(client, action, data)
                where = f"{name} {action} (form on {page_url}), {label} POST"
                if response.status_code >= 500:
                    faults.append(f"{where}: {response.status_code} {log.last}")
                elif response.status_code in (302, 303):
                    if name not in NO_REQUIRED_INPUT and not (label == "foreign unit" and name == "orgtree:create"):
                        faults.append(f"{where}: accepted ({response['Location']})")
                elif response.status_code not in (200, 400):  # 400: re-rendered, as the returns pages do
                    faults.append(f"{where}: {response.status_code} for a form the persona was shown")
                elif response.get("Content-Type", "").startswith("text/html"):
                    doc = lxml.html.document_fromstring(response.content.decode())
                    if not chinese_error(doc):
                        faults.append(f"{where}: re-rendered without a Chinese error message")
                    body = response.content.decode()
                    lost = [
                        f
                        for f, (tag, kind, _v, _o, _r) in fields.items()
                        if label == "garbage" and kind in ("text", "textarea", "date", "email", "tel", "search")
                        and tag != "select" and data.get(f) and str(data[f]) not in body
                    ]  # fmt: skip
                    if lost:
                        faults.append(f"{where}: lost what was typed in {lost}")
    finally:
        got_request_exception.disconnect(log)
    print(f"\n{persona or 'anonymous'}: {len(exercised)} form URL names posted to: {sorted(exercised)}")
    assert not faults, "\n".join(faults[:60])


def test_the_personas_between_them_are_shown_every_form_page_of_the_app(as_persona):
    """So the form test above posted to each of FORM_URL_NAMES as someone allowed to use it."""
    tiers = unit_tiers()
    shown = {name for p in PERSONAS for _page, _action, _fields, name in form_samples(crawl_for(p, as_persona), tiers)}
    assert not FORM_URL_NAMES - shown, f"no persona reached these forms: {sorted(FORM_URL_NAMES - shown)}"


def one_bad_field_variants(fields, foreign_code):
    """(field, kind of garbage, data): the page's own values with exactly one field spoiled."""
    base = {name: value for name, (_t, kind, value, _o, _r) in fields.items() if value is not None and kind != "file"}
    for name, (tag, kind, _value, _options, _required) in fields.items():
        if kind in ("hidden", "file", "checkbox", "radio", "password"):
            continue
        if UNIT_NAME.search(name):
            # The city's accounts may name any unit: for them the code only must not crash anything.
            bad, must_refuse = foreign_code or "999999999999", foreign_code is not None
        elif kind in ("date", "number") or DATE_NAME.search(name):
            bad, must_refuse = LETTERS, True
        elif tag == "select":
            bad, must_refuse = "不存在的选项", True
        else:
            bad, must_refuse = HUGE, False  # a long 备注 may be fine; it must just never crash
        yield name, must_refuse, {**base, name: bad}


_spoiled_forms = set()


@pytest.mark.parametrize("persona", PERSONAS[:5])
def test_one_bad_field_in_an_otherwise_untouched_form_never_crashes_and_is_refused_in_chinese(persona, as_persona):
    """The page's own values with one field spoiled reach the checks that run after the field checks."""
    result = crawl_for(persona, as_persona)
    client = as_persona(persona)
    foreign = {"daoli": "230103001", "jiedao": "230103001", "nangang": "230102001"}.get(persona)
    log = ExceptionLog()
    got_request_exception.connect(log)
    faults, posts = [], 0
    try:
        tiers = unit_tiers()
        for page_url, action, fields, name in form_samples(result, tiers):
            # The field checks don't depend on who posts: a form another persona spoiled is not redone.
            if (name, pattern_of(action, tiers)[1], foreign is None) in _spoiled_forms:
                continue
            _spoiled_forms.add((name, pattern_of(action, tiers)[1], foreign is None))
            for field_name, must_refuse, data in one_bad_field_variants(fields, foreign):
                log.last = ""
                response = post_isolated(client, action, data)
                posts += 1
                where = f"{name} {action} (form on {page_url}), bad {field_name}"
                if response.status_code >= 500:
                    faults.append(f"{where}: {response.status_code} {log.last}")
                elif must_refuse and response.status_code in (302, 303):
                    faults.append(f"{where}: accepted ({response['Location']})")
                elif (
                    must_refuse
                    and response.status_code in (200, 400)
                    and "html" in response.get("Content-Type", "")
                    and not chinese_error(lxml.html.document_fromstring(response.content.decode()))
                ):
                    faults.append(f"{where}: refused without a Chinese error message")
    finally:
        got_request_exception.disconnect(log)
    print(f"\n{persona}: {posts} one-bad-field posts")
    assert not faults, "\n".join(faults[:60])
