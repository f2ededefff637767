"""A client generated from docs/openapi.yaml works (issue 20): openapi-python-client (requirements.txt,
development) writes a Python package from the committed schema, offline, into a temporary directory; every
module of it imports, and every write operation of the API (each POST, PUT, PATCH and DELETE of the schema)
is performed through it against a live server with tokens, each answering its success status and a body the
generated models parse."""

import datetime
import importlib
import importlib.util
import io
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.utils import timezone

from members.roster_xlsx.export import export_roster
from orgtree import services as tree_services

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
PACKAGE = "fedorg_api_client"
FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}
WRITES = {"post", "put", "patch", "delete"}

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("openapi_python_client") is None,
    reason="openapi-python-client is not installed: `.venv/bin/pip install -r requirements.txt` (CI installs it)",
)


def write_operations():
    schema = yaml.safe_load(SCHEMA.read_text())
    return {
        operation["operationId"]
        for item in schema["paths"].values()
        for method, operation in item.items()
        if method in WRITES
    }


@pytest.fixture(scope="module")
def client_package(tmp_path_factory):
    """The generated package, imported whole: {operation module name: module}, and its models module."""
    out = tmp_path_factory.mktemp("client")
    generator = Path(sys.executable).parent / "openapi-python-client"
    done = subprocess.run(  # noqa: S603 - our own venv's generator on our own schema
        [str(generator), "generate", "--path", str(SCHEMA), "--output-path", str(out / PACKAGE), "--meta", "none"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Endpoint will not be generated" not in done.stdout, done.stdout
    assert "Could not find reference" not in done.stdout, done.stdout
    sys.path.insert(0, str(out))
    try:
        package = importlib.import_module(PACKAGE)
        modules = {}
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{PACKAGE}."):
            modules[info.name.rsplit(".", 1)[1]] = importlib.import_module(info.name)
        yield modules, importlib.import_module(f"{PACKAGE}.models"), importlib.import_module(f"{PACKAGE}.types")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def token(admin, user, unit):
    _, key = tree_services.issue_api_token(
        actor=admin,
        name="生成客户端测试",
        user=user,
        unit=unit,
        can_write=True,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return key


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_performs_every_write(
    client_package,
    live_server,
    staffed_district_a,
    campaign_2016,
    admin_a,
    staff_a,
    city_admin,
    city_reviewer,
    tmp_path,
):
    modules, models, types = client_package
    tree = staffed_district_a
    authenticated = modules["client"].AuthenticatedClient

    def as_user(admin, user, unit):
        return authenticated(base_url=live_server.url, token=token(admin, user, unit), raise_on_unexpected_status=True)

    admin = as_user(admin_a, admin_a, tree.district_a)
    staff = as_user(admin_a, staff_a, tree.district_a)
    reviewer = as_user(city_admin, city_reviewer, tree.city)
    city = as_user(city_admin, city_admin, tree.city)
    performed = set()

    def call(operation, client, status, **kwargs):
        response = modules[operation].sync_detailed(client=client, **kwargs)
        assert response.status_code == status, f"{operation}: {response.status_code} {response.content[:500]!r}"
        assert response.parsed is not None and not isinstance(response.parsed, models.Error), operation
        performed.add(operation)
        return response.parsed

    body = models  # request bodies are built from JSON-like dicts by the generated models' from_dict
    # A return's whole cycle, first: the unit writes below leave 道里区 short of its quotas
    form = campaign_2016.forms.get(form_no="4")
    sent = call(
        "returns_submit_new",
        staff,
        201,
        body=body.SubmitRequest.from_dict(
            {"campaign_form": form.pk, "unit": tree.district_a.code, "version": 0, "explanation": "已核实。", **FOOTER}
        ),
    )
    back = call(
        "returns_send_back_create",
        reviewer,
        200,
        id=sent.id,
        body=body.SendBackRequest.from_dict({"version": sent.version, "reason": "请核对", "cells": "合计"}),
    )
    again = call(
        "returns_submit_create",
        staff,
        200,
        id=sent.id,
        body=body.SubmitFieldsRequest.from_dict({"version": back.version, "explanation": "已核对。", **FOOTER}),
    )
    approved = call(
        "returns_approve_create", reviewer, 200, id=sent.id, body=body.ApproveRequest(version=again.version)
    )
    assert approved.snapshot is not None and approved.snapshot.panels
    call(
        "returns_reopen_create",
        city,
        200,
        id=sent.id,
        body=body.ReopenRequest.from_dict({"version": approved.version, "reason": "更正"}),
    )
    # Units
    street = call(
        "units_create",
        admin,
        201,
        body=body.UnitCreateRequest.from_dict(
            {"parent": tree.district_a.code, "name": "新城街道", "code": "230102002", "kind": "street"}
        ),
    )
    unit = call(
        "units_create",
        admin,
        201,
        body=body.UnitCreateRequest.from_dict(
            {"parent": tree.street_a.code, "name": "新华社区", "code": "230102001009", "kind": "community"}
        ),
    )
    assert unit.code == "230102001009"
    call("units_partial_update", admin, 200, code=unit.code, body=body.PatchedUnitRenameRequest(name="新华里社区"))
    call("units_move_create", admin, 200, code=unit.code, body=body.UnitMoveRequest(parent=street.code))
    other = call(
        "units_create",
        admin,
        201,
        body=body.UnitCreateRequest.from_dict(
            {"parent": street.code, "name": "新兴社区", "code": "230102002002", "kind": "community"}
        ),
    )
    call("units_merge_create", admin, 200, code=other.code, body=body.UnitMergeRequest(target=unit.code, reason="合并"))
    call("units_archive_create", admin, 200, code=unit.code, body=body.UnitArchiveRequest(reason="撤并"))
    call("units_restore_create", admin, 200, code=unit.code)
    call("units_convert_create", admin, 200, code=tree.community_a2.code, body=body.UnitConvertRequest())
    # People and posts
    person = call(
        "people_create",
        admin,
        201,
        body=body.PersonCreateRequest.from_dict(
            {
                "name": "赵晓燕",
                "birth_date": "1980-05-01",
                "ethnicity": "08",
                "post": {"unit": tree.community_a.code, "role": "executive", "start_date": "2016-07-15"},
            }
        ),
    )
    call(
        "people_partial_update",
        admin,
        200,
        id=person.id,
        body=body.PatchedPersonInputRequest.from_dict({"workplace_title": "社区书记"}),
    )
    post = call(
        "posts_create",
        admin,
        201,
        body=body.AppointRequest.from_dict(
            {"person": person.id, "unit": tree.street_a.code, "role": "executive", "start_date": "2016-07-20"}
        ),
    )
    call("posts_partial_update", admin, 200, id=post.id, body=body.PatchedPostUpdateRequest(note="兼任"))
    call(
        "posts_end_create",
        admin,
        200,
        id=post.id,
        body=body.EndPostRequest.from_dict({"end_date": "2017-01-01", "reason": "调离"}),
    )
    # The roster workbook, exported and sent back as a dry run
    workbook = io.BytesIO()
    export_roster(unit=tree.street_a, actor=None, out=workbook)
    upload = types.File(payload=io.BytesIO(workbook.getvalue()), file_name="名册.xlsx")
    preview = call(
        "units_roster_import_create",
        staff,
        200,
        code=tree.street_a.code,
        body=body.RosterUploadRequest(file=upload, dry_run=True),
    )
    assert preview.written is False
    # 换届 (issue 23): a street records its congress, then corrects it
    call(
        "units_congresses_create",
        admin,
        201,
        code=tree.street_a.code,
        body=body.CongressWriteRequest.from_dict({"number": 3, "held_on": "2016-06-10", "delegates_total": 80}),
    )
    call(
        "units_congresses_partial_update",
        admin,
        200,
        code=tree.street_a.code,
        number=3,
        body=body.PatchedCongressUpdateRequest.from_dict({"chair_name": "王丽"}),
    )
    # The grassroots registers (issue 24)
    home = call(
        "units_women_homes_create",
        admin,
        201,
        code=tree.community_a.code,
        body=body.WomenHomeRequest.from_dict({"name": "兆麟社区妇女之家", "opened_on": "2016-03-08"}),
    )
    call("women_homes_partial_update", admin, 200, id=home.id, body=body.PatchedWomenHomeRequest(place_on=None))
    call(
        "women_homes_activities_create",
        admin,
        201,
        id=home.id,
        body=body.ActivityRequest.from_dict(
            {"held_on": "2016-07-01", "kind": "education", "title": "家庭教育讲座", "attendance": 40}
        ),
    )
    call(
        "units_two_committees_create",
        admin,
        201,
        code=tree.community_a.code,
        body=body.TwoCommitteesRequest.from_dict({"elected_on": "2014-03-01", "members": 7, "women": 2}),
    )
    call(
        "units_area_organisations_create",
        admin,
        201,
        code=tree.street_a.code,
        body=body.OrganisationRequest.from_dict({"name": "兆麟商会", "kind": "chamber", "listed_on": "2016-01-01"}),
    )
    assert performed == write_operations(), f"not performed: {write_operations() - performed}"
