"""The schema describes the 附表 (issue 20): GET /api/v1/reports/<n>/ and a return's `snapshot` answer
exactly what the TableSnapshot and FrozenSnapshot components say, every key documented (checked here
with additionalProperties: false), not an untyped object."""

import copy
import datetime

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator

from orgtree.models import Unit
from returns import services

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


def strict(node):
    """OpenAPI 3.0 -> JSON Schema: nullable becomes a null alternative; objects refuse undocumented keys."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: strict(value) for key, value in node.items()}
    if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture(scope="module")
def components():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return strict(copy.deepcopy(schema["components"]))


def validate(components, name, instance):
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": components})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors[:5]


def test_the_report_operation_names_its_component(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    content = schema["paths"]["/api/v1/reports/{form_no}/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/TableSnapshot"}
    assert content["examples"]
    snapshot = schema["components"]["schemas"]["ReturnDetail"]["properties"]["snapshot"]
    assert snapshot["allOf"] == [{"$ref": "#/components/schemas/FrozenSnapshot"}]


@pytest.mark.parametrize("form_no", [1, 2, 3, 4, 5])
def test_every_table_answers_its_described_shape(staffed_district_a, staff_a, login, components, form_no):
    response = login(staff_a).get(
        f"/api/v1/reports/{form_no}/", {"unit": staffed_district_a.district_a.code, "as_of": "2016-08-31"}
    )
    assert response.status_code == 200
    validate(components, "TableSnapshot", response.json())


@pytest.mark.parametrize("form_no", ["4", "pilot"])
def test_a_returns_frozen_snapshot_answers_its_described_shape(
    staffed_district_a, campaign_2016, staff_a, login, components, form_no
):
    form = campaign_2016.forms.get(form_no=form_no)
    Unit.objects.filter(pk=staffed_district_a.community_a.pk).update(is_pilot=True)
    now = datetime.datetime(2016, 9, 15, 10, 30, tzinfo=datetime.UTC)
    ret = services.submit_return(
        form=form,
        unit=staffed_district_a.district_a,
        actor=staff_a,
        now=now,
        pilot_report="试点顺利。",
        explanation="已核实。",
        **FOOTER,
    )
    response = login(staff_a).get(f"/api/v1/returns/{ret.pk}/")
    assert response.status_code == 200
    validate(components, "ReturnDetail", response.json())
    assert response.json()["snapshot"]["panels"][0]["rows"]
