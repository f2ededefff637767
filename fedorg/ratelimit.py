"""A fixed-window request counter in the shared cache, and the one client address.

Used where a public page does expensive work per request (the /verify/ upload check). The count
lives in CACHES["shared"] (the database cache by default), so all web processes and machines
share it; and `client_ip` is the one reading of the client's address, for these limits and the
login lockout alike (issue 25: behind the proxy of docs/deploy.md every visitor shared one bucket).
"""

from __future__ import annotations

import ipaddress
import os
import time
from typing import Any

from django.core.cache import caches

TRUE_WORDS = {"1", "true", "yes", "on"}


def client_ip(request: Any) -> str:
    """REMOTE_ADDR, or behind our own reverse proxy (FORWARDED_FOR_TRUSTED=true) the address that
    proxy appended last to X-Forwarded-For; an earlier entry is whatever the client sent and is never trusted."""
    if os.environ.get("FORWARDED_FOR_TRUSTED", "").lower() in TRUE_WORDS:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded and _is_address(forwarded[-1]):
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def _is_address(text: str) -> bool:
    """An IP address (the login lockout stores it in an inet column: anything else would be a 500)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def allow(scope: str, who: str, limit: int, window: int = 60) -> bool:
    """True while `who` has made at most `limit` calls in `scope` in the current `window` seconds.

    Atomic without a lock: each allowed call takes a numbered slot with the cache's `add`, which
    only one caller can win (the database cache's key is unique), so no race lets a call past
    `limit`. (`incr` would read, add and write back: two calls at once could both pass.)
    A hint of the slots taken saves trying them one by one; every slot below it is taken.
    """
    cache = caches["shared"]
    bucket = int(time.time() // window)
    base = f"ratelimit:{scope}:{who or 'unknown'}:{bucket}"
    timeout = window + 5
    taken = cache.get(f"{base}:n") or 0
    for slot in range(taken + 1, limit + 1):
        if cache.add(f"{base}:{slot}", 1, timeout=timeout):
            cache.set(f"{base}:n", slot, timeout=timeout)
            return True
    return False
