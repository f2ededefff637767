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
    """True while `who` has made at most `limit` calls in `scope` in the current `window` seconds."""
    cache = caches["shared"]
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{who or 'unknown'}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        count = 1
    return count <= limit
