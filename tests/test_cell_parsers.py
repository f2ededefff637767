"""Property tests of the roster cell parsers: any input gives a value or a Chinese message, fast.

Issue 12 asks that every parser be linear. Hypothesis found nothing the explicit examples below
do not show: a 出生年月 cell of "1975.3" + 2,000 spaces + "x" took 50 s (three adjacent \\s* in
the pattern), and a header cell of 10,000 "(" took 0.8 s (a lazy .*? per opening bracket).
"""

import datetime
import time

from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from members.roster_xlsx import cells
from members.validators import clean_id_number, clean_mobile, id_check_char, parse_birth_month
from returns.services import split_pin_entry

FAST = 1.0  # seconds per call: loose enough for a loaded CI machine; the slow parsers took 50 s
DATE_ALPHABET = st.sampled_from(list(" \t\u3000.-/年月日0123456789０１２３Xx（）()"))
# Within the plausible bounds the validators enforce (birth months up to this month).
dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))
SLOW_DATE = "1975.3" + " " * 2000 + "x"


def timed(call, *args):
    started = time.monotonic()
    try:
        outcome = call(*args)
    except ValidationError as e:
        outcome = e
    elapsed = time.monotonic() - started
    assert elapsed < FAST, f"{call.__name__}: {elapsed:.3f} s"
    return outcome


def is_message(outcome):
    return isinstance(outcome, ValidationError) and any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(outcome.messages))


@settings(max_examples=300, deadline=None)
@given(st.text(DATE_ALPHABET, max_size=3000))
@example(SLOW_DATE)
@example("1975" + " " * 3000)
def test_a_birth_month_is_a_first_of_month_or_a_message(text):
    outcome = timed(parse_birth_month, text)
    assert is_message(outcome) or (isinstance(outcome, datetime.date) and outcome.day == 1)


@settings(max_examples=300, deadline=None)
@given(st.text(DATE_ALPHABET, max_size=3000))
@example("2016.6" + " " * 3000 + "x")
@example("2016 - 6 - 2" + " " * 3000)
def test_a_post_date_is_a_date_or_a_message(text):
    outcome = timed(cells.parse_day, text, "任职时间")
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
    outcome = timed(cells.parse_flag, text)
    assert outcome in (True, False) or is_message(outcome)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
@example(" ." * 3000)
@example("阿依古丽 • 买买提")
def test_a_name_normalises_quickly_to_stripped_text(text):
    once = timed(cells.normalize_name, text)
    assert isinstance(once, str) and once == once.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("(（)）姓名出生年月 *:：\"'")), max_size=5000))
@example("(" * 50_000)
def test_any_header_cell_is_recognised_or_ignored_quickly(text):
    key, canonical = timed(cells._header_key, text)
    assert key is None or isinstance(key, str)


@given(st.text(st.sampled_from(list("0123456789Xx *-")), max_size=60))
def test_an_id_number_is_a_valid_18_character_number_or_a_message(text):
    outcome = timed(clean_id_number, text)
    if not is_message(outcome):
        assert outcome == "" or (len(outcome) == 18 and id_check_char(outcome[:17]) == outcome[17])


@given(st.from_regex(r"\A[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z"))
def test_a_valid_id_number_is_kept_as_it_is(first17):
    number = first17 + id_check_char(first17)
    assert clean_id_number(f" {number.lower()} ") == number


@given(st.text(st.sampled_from(list("0123456789+- \t")), max_size=60))
def test_a_mobile_is_eleven_digits_or_blank_or_a_message(text):
    outcome = timed(clean_mobile, text)
    assert is_message(outcome) or outcome == "" or (len(outcome) == 11 and outcome.isdigit())


@given(st.text(max_size=500))
@example("a" + " " * 2000 + "b")
def test_a_pin_entry_splits_in_one_pass(text):
    label, number = timed(split_pin_entry, text)
    assert number is None or (number and label and number in text)
