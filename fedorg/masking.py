"""Masking of personal data for users who may not see it (pages, exports, API, history alike).

The ID-number mask, and why (issue 12). A 居民身份证号码 is
    6 region digits | 8 birth-date digits YYYYMMDD | 3 sequence digits (odd: male, even: female) | 1 check char
and the check char is a function of the other 17 (GB 11643, mod 11). Pages that show a masked
number also show 出生年月 (year and month) and the person is known to be a woman.

The old mask, first 6 + last 4 (230102********0026), left only the day of birth unknown:
about 30 days, filtered by the check char (1 in 11), so 2-4 candidates per person. Anyone with
the page could rebuild the number.

The mask now keeps the first 6 (the region: it says no more than the unit the person is listed
under) and the last 1 (the check char), and hides the 11 between: 230102***********6.
Knowing the year and month of birth and that she is a woman, the hidden part still ranges over
~30 days x 500 even sequence numbers = ~15,000 strings, of which the shown check char keeps
1 in 11: about 1,360 candidates. tests/test_masking.py counts them by brute force.
Showing the last 2 would leave ~270, the last 4 (before) ~3; showing the check char costs a
factor of 11 but lets a user tell "same number, typed again" from "different number" at a glance.

Every masked ID in the application comes from mask_id_number; nothing else cuts numbers up.
The mobile mask stays the usual 138****1234: 4 hidden digits, 10,000 candidates, no check digit.
"""

ID_SHOWN_HEAD = 6
ID_SHOWN_TAIL = 1

# The fields of a person that only accounts with the right to see personal data see in full.
PERSONAL_FIELDS = frozenset({"id_number", "mobile"})


def mask_id_number(value: str | None) -> str:
    """230102199001010026 -> 230102***********6 (region and check char only; see the module docstring)."""
    if not value:
        return ""
    if len(value) <= ID_SHOWN_HEAD + ID_SHOWN_TAIL + 4:
        return "*" * len(value)
    return value[:ID_SHOWN_HEAD] + "*" * (len(value) - ID_SHOWN_HEAD - ID_SHOWN_TAIL) + value[-ID_SHOWN_TAIL:]


def mask_mobile(value: str | None) -> str:
    """13812341234 -> 138****1234."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
