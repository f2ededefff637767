"""Code lists accept the plan's own wording, common shortenings and the codes (issue 9): one test per alias."""

import pytest

from members.roster_xlsx.cells import ALIASES, code_for
from members.roster_xlsx.columns import CODE_LISTS


@pytest.mark.parametrize(
    ("key", "alias", "code"), [(key, alias, code) for key, pairs in ALIASES.items() for alias, code in pairs]
)
def test_every_alias_reads_as_its_code(key, alias, code):
    assert code_for(key, alias) == code


@pytest.mark.parametrize(
    ("key", "label", "code"), [(key, str(label), code) for key, pairs in CODE_LISTS.items() for code, label in pairs]
)
def test_every_label_and_code_reads_as_its_code(key, label, code):
    assert code_for(key, label) == code
    assert code_for(key, code) == code
    if code.isdigit():
        assert code_for(key, str(int(code))) == code


@pytest.mark.parametrize(
    "spelled",
    [
        "辖区内具有法律、教育、调解专长的女性居民",  # 哈妇发〔2016〕8号 三（三）1, word for word
        "辖区内具有法律，教育，调解专长的女性居民",
        "辖区内具有法律/教育/调解专长的女性居民",
        " 法律、教育、调解专长 ",
        "８",  # a full-width code
        "08",
    ],
)
def test_the_plans_source_wording_punctuation_aside(spelled):
    assert code_for("source", spelled) == "08"


def test_an_unknown_spelling_is_still_refused():
    assert code_for("source", "热心群众") is None
    assert code_for("role", "秘书长") is None
