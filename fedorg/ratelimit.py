"""A fixed-window request counter in Django's cache (locmem by default; shared when CACHES is).

Used where a public page does expensive work per request (the /verify/ upload check). With
several web processes, point CACHES at a shared backend so the count is shared too.
"""

import time

from django.core.cache import cache


def client_ip(request):
    """REMOTE_ADDR: behind a reverse proxy, the proxy must set it (e.g. uwsgi/gunicorn forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope, who, limit, window=60):
    """True while `who` has made at most `limit` calls in `scope` in the current `window` seconds."""
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{who}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        count = 1
    return count <= limit
