"""Statistics tables defined as data (issue 23): the format, its refusals, and the proof that 附表4 and 附表5
written in it (reports/tabledefs/form4.yaml, form5.yaml) give the built-in tables cell for cell."""

import datetime
from pathlib import Path

import pytest
from test_new_field import add_new_field
from test_report_tables import report_city  # noqa: F401 - the fixture

from fedorg.dates import CUTOFF_2016
from reports import definitions, tables
from reports.defined import cell_people_defined, compute_defined

TABLEDEFS = Path(__file__).resolve().parent.parent / "reports" / "tabledefs"
MID_2016 = datetime.date(2016, 7, 10)  # the new posts of 2016-07-01 held, E_old not yet ended
SAME_KEYS = ("label", "title", "unit", "as_of", "as_of_text", "baseline", "statistics", "unit_note", "notes", "rules")


def load(name):
    return definitions.parse((TABLEDEFS / f"{name}.yaml").read_text(encoding="utf-8"))


def assert_same(form_no, unit, as_of):
    built = tables.compute(form_no, unit=unit, as_of=as_of)
    defined = compute_defined(load(f"form{form_no}"), unit=unit, as_of=as_of)
    assert tables.cell_values(defined) == tables.cell_values(built)
    assert defined["panels"] == built["panels"]
    for key in SAME_KEYS:
        assert defined.get(key) == built.get(key), key
    # Every check but the cross-table one (附表4 against 附表5), which a single table cannot make.
    assert defined["checks"] == [c for c in built["checks"] if not c["message"].startswith("表间核对")]
    return built


@pytest.mark.parametrize("as_of", [CUTOFF_2016, MID_2016])
@pytest.mark.parametrize("form_no", [4, 5])
def test_form4_and_form5_as_definitions_equal_the_built_in_tables_for_the_city_and_daoli(report_city, form_no, as_of):  # noqa: F811
    t = report_city
    city = assert_same(form_no, t.city, as_of)
    district = assert_same(form_no, t.district_a, as_of)
    assert any(v for k, v in tables.cell_values(city).items() if k.endswith("/1") or k.endswith("/2"))
    assert district["panels"][0]["rows"][1:]  # 道里区's streets are rows


@pytest.mark.parametrize("form_no", [4, 5])
def test_the_definitions_equal_the_built_in_tables_with_new_field_federations_and_a_street_itself(
    report_city,  # noqa: F811
    form_no,
):
    t = report_city
    add_new_field(t)
    city = assert_same(form_no, t.city, CUTOFF_2016)
    assert [p["key"] for p in city["panels"]][-1] in ("4-nf", "5-nf")
    assert_same(form_no, t.district_a, CUTOFF_2016)
    assert_same(form_no, t.street_a, CUTOFF_2016)  # 本级 and the new-field row below a street


def test_a_drilled_cell_lists_as_many_people_as_it_counts(report_city):  # noqa: F811
    t = report_city
    for name in ("form4", "form5"):
        definition = load(name)
        snapshot = compute_defined(definition, unit=t.city, as_of=CUTOFF_2016)
        for panel in snapshot["panels"]:
            for row in panel["rows"]:
                for column, value in zip(panel["columns"], row["cells"], strict=True):
                    if column["drill"] and isinstance(value, int):
                        _r, _c, facts = cell_people_defined(
                            definition, unit=t.city, row=row["key"], col=column["key"], as_of=CUTOFF_2016
                        )
                        assert len(facts) == value, (panel["key"], row["key"], column["key"])
