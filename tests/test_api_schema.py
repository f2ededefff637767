"""Conformance: schemathesis generates requests for every operation of /api/v1/schema/ and runs them
in-process against the Django WSGI app, as a district's 填报员 (staff_a, 道里区) holding a read-write
token, on the small city of tests/conftest.py built with the real services, with a few posts in 道里区.

It generates both requests the schema allows and requests it refuses (generation mode "all"), and must
find no 500, no response that breaks the schema (status codes, content types, bodies, headers), no
schema-violating request accepted (negative_data_rejection: a limit=0, an empty or out-of-range date, a
wrong type), no missing required header or unsupported method answered 2xx, no request that works without
its token. Every check of schemathesis runs but positive_data_acceptance: a request the schema allows may
still break a rule (a unit code that does not exist, a return without its 上报说明), answered 400 as the
pages do. Bounded: MAX_EXAMPLES per operation keeps the run well under two minutes on SQLite.
"""

import collections
import datetime
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from orgtree import services as tree_services
from web.wsgi import application

MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    ignored_auth,
    use_after_free,
    ensure_resource_availability,
]


CASES = []


@pytest.fixture(scope="module", autouse=True)
def report_case_count():
    yield
    modes = collections.Counter(mode for _label, mode in CASES)
    print(f"\nschemathesis: {len(CASES)} cases ({', '.join(f'{n} {m}' for m, n in sorted(modes.items()))})")


@pytest.fixture
def keep_test_connection():
    """Calls go through the bare WSGI app, so do what Django's test client does: keep the test's
    connection (and its transaction) open across requests instead of closing it when a request ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token_headers(keep_test_connection, tree, member, staff_a, admin_a, campaign_2016):
    """A few posts in 道里区 made by the real services, and a read-write token of staff_a for 道里区."""
    for unit, role in [(tree.street_a, "chair"), (tree.community_a, "chair"), (tree.community_a2, "director")]:
        member(unit, role=role, actor=staff_a, id_number=None)
    _, key = tree_services.issue_api_token(
        actor=admin_a,
        name="一致性测试",
        user=staff_a,
        unit=tree.district_a,
        can_write=True,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return {"Authorization": f"Bearer {key}"}


def _load_schema():
    """The schema /api/v1/schema/ serves, generated at collection (no database), bound to the WSGI app."""
    generator = SchemaGenerator(urlconf=None)
    # The fuzzing phase (MAX_EXAMPLES per operation) and the schema's examples; the coverage phase
    # (thousands of boundary cases) would take the run past two minutes.
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "all"}})
    data = json.loads(json.dumps(generator.get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(data, config=config)
    loaded.app = application
    return loaded


schema = _load_schema()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_schema(case, token_headers):
    CASES.append((case.operation.label, str(case.meta.generation.mode) if case.meta else "explicit"))
    case.call_and_validate(headers=token_headers, checks=CHECKS)
