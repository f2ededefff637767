"""Property tests of the roster cell parsers: any input gives a value or a Chinese message, in linear work.

Issue 12 asks that every parser be linear. Hypothesis found nothing the explicit examples below
do not show: a 出生年月 cell of "1975.3" + 2,000 spaces + "x" took 50 s (three adjacent \\s* in
the pattern), and a header cell of 10,000 "(" took 0.8 s (a lazy .*? per opening bracket).

The work is counted, not timed (tests/counting.py): the Python lines a call executes stay within
a constant per input character, and a pattern that can backtrack (two or more unbounded repeats)
only ever sees text the parser has already cut to its cap.
"""

import datetime

from counting import python_steps, regex_inputs
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from members import validators
from members.roster_xlsx import cells
from members.validators import clean_id_number, clean_mobile, id_check_char, parse_birth_month
from returns import services
from returns.services import split_pin_entry

# Python lines per input character (plus a constant for the code lists' first use): a quadratic
# parser on 3,000 characters runs millions of lines; the linear ones run a few dozen per character.
STEPS_PER_CHAR, STEPS_BASE = 40, 5_000
# The longest text a pattern that can backtrack may see: the parsers' caps (MAX_DATE_TEXT, MAX_HEADER_TEXT).
BACKTRACKING_CAP = max(cells.MAX_DATE_TEXT, cells.MAX_HEADER_TEXT, validators.MAX_DATE_TEXT)


def _no_whitespace_runs(text):
    return not any(a.isspace() and b.isspace() for a, b in zip(text, text[1:], strict=False))


# Searched patterns that could re-scan a run of whitespace, given text in which every run of
# whitespace is already one space (normalize_text / normalize_name collapse it first), so each of
# their repeats consumes at most one character.
REVIEWED = {cells.DOTS_RE.pattern: _no_whitespace_runs, cells.SPACE_NEXT_TO_WIDE_RE.pattern: _no_whitespace_runs}
DATE_ALPHABET = st.sampled_from(list(" \t\u3000.-/年月日0123456789０１２３Xx（）()"))
# Within the plausible bounds the validators enforce (birth months up to this month).
dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))
SLOW_DATE = "1975.3" + " " * 2000 + "x"


def counted(call, *args):
    """The call's outcome (a value or its ValidationError), after checking that its work was linear."""
    with regex_inputs(validators, cells, services) as inputs:
        outcome, steps = python_steps(call, *args)
    if isinstance(outcome, Exception) and not isinstance(outcome, ValidationError):
        raise outcome
    size = sum(len(a) for a in args if isinstance(a, str))
    assert steps <= STEPS_BASE + STEPS_PER_CHAR * size, f"{call.__name__}: {steps} lines for {size} characters"
    risky = [(pattern, length) for pattern, length in inputs.risky(REVIEWED) if length > BACKTRACKING_CAP]
    assert risky == [], f"{call.__name__}: a pattern that can backtrack was given long text"
    return outcome


def is_message(outcome):
    return isinstance(outcome, ValidationError) and any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(outcome.messages))


@settings(max_examples=300, deadline=None)
@given(st.text(DATE_ALPHABET, max_size=3000))
@example(SLOW_DATE)
@example("1975" + " " * 3000)
def test_a_birth_month_is_a_first_of_month_or_a_message(text):
    outcome = counted(parse_birth_month, text)
    assert is_message(outcome) or (isinstance(outcome, datetime.date) and outcome.day == 1)


@settings(max_examples=300, deadline=None)
@given(st.text(DATE_ALPHABET, max_size=3000))
@example("2016.6" + " " * 3000 + "x")
@example("2016 - 6 - 2" + " " * 3000)
def test_a_post_date_is_a_date_or_a_message(text):
    outcome = counted(cells.parse_day, text, "任职时间")
    assert is_message(outcome) or isinstance(outcome, datetime.date)


@given(dates)
def test_every_usual_spelling_of_a_date_reads_back(day):
    for text in (
        day.isoformat(),
        f"{day:%Y.%m.%d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        f"{day.year}/{day.month}/{day.day}",
    ):
        assert cells.parse_day(text, "任职时间") == day
    assert parse_birth_month(f"{day.year}.{day.month:02d}") == day.replace(day=1)
    assert parse_birth_month(f"{day.year}年{day.month}月") == day.replace(day=1)


@given(st.text(max_size=200))
@example("是的")
@example(" √ ")
def test_a_flag_is_yes_no_or_a_message(text):
    outcome = counted(cells.parse_flag, text)
    assert outcome in (True, False) or is_message(outcome)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
@example(" ." * 3000)
@example("阿依古丽 • 买买提")
def test_a_name_normalises_quickly_to_stripped_text(text):
    once = counted(cells.normalize_name, text)
    assert isinstance(once, str) and once == once.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("(（)）姓名出生年月 *:：\"'")), max_size=5000))
@example("(" * 50_000)
def test_any_header_cell_is_recognised_or_ignored_quickly(text):
    key, canonical = counted(cells._header_key, text)
    assert key is None or isinstance(key, str)


@given(st.text(st.sampled_from(list("0123456789Xx *-")), max_size=60))
def test_an_id_number_is_a_valid_18_character_number_or_a_message(text):
    outcome = counted(clean_id_number, text)
    if not is_message(outcome):
        assert outcome == "" or (len(outcome) == 18 and id_check_char(outcome[:17]) == outcome[17])


@given(st.from_regex(r"\A[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z"))
def test_a_valid_id_number_is_kept_as_it_is(first17):
    number = first17 + id_check_char(first17)
    assert clean_id_number(f" {number.lower()} ") == number


@given(st.text(st.sampled_from(list("0123456789+- \t")), max_size=60))
def test_a_mobile_is_eleven_digits_or_blank_or_a_message(text):
    outcome = counted(clean_mobile, text)
    assert is_message(outcome) or outcome == "" or (len(outcome) == 11 and outcome.isdigit())


@given(st.text(max_size=500))
@example("a" + " " * 2000 + "b")
def test_a_pin_entry_splits_in_one_pass(text):
    label, number = counted(split_pin_entry, text)
    assert number is None or (number and label and number in text)
