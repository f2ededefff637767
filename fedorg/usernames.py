"""One canonical form of a username, for login, lockout, creation and the API (issue 25).

Logins ignored case with SQL's UPPER(x) = UPPER(y), while django-axes counted failures under
Python's lower(). The two disagree outside ASCII: PostgreSQL's UPPER('ı') (dotless i) is 'I', so
after `daoli` was locked out, `daolı` with the right password still logged in, and every such
spelling had its own five guesses. Now every path compares one form: NFKC (full-width letters and
the Kelvin sign become their ASCII letters), then casefold. Usernames are ASCII (orgtree.models'
validator), so a canonical form that is not plain ASCII names no account at all.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 150
ACCOUNT_NAME_RE = re.compile(r"^[a-z0-9_.@+-]+\Z")


def canonical_username(value: object) -> str:
    """NFKC, then casefold, trimmed and capped: the one form in which two usernames are the same."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().casefold()[:MAX_LENGTH]


def account_name(value: object) -> str | None:
    """The canonical form if it can name an account (plain ASCII letters, digits and _ . @ + -), else None."""
    canonical = canonical_username(value)
    return canonical if ACCOUNT_NAME_RE.match(canonical) else None
