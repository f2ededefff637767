"""Reads on a PostgreSQL streaming standby (DATABASE_REPLICA_URL), writes and fresh reads on the primary.

Without DATABASE_REPLICA_URL there is no `replica` alias and every function here answers "default":
nothing changes, SQLite included. With it:

- Reads go to the standby only inside a *replica scope*: the 附表 pages and files, the dashboard,
  the compliance page, exports and the reading of read-only background jobs (`read_from_replica`).
  Everything else reads the primary, so a roster page, a return and its snapshot, a job row, a
  session or the audit are never read from a copy that may lag.
- Some tables are read from the primary even inside a scope (PRIMARY_APPS, PRIMARY_MODELS): job rows
  (claims and progress), returns (frozen from the primary), sessions, the shared cache, the audit.
- Raw SQL takes its connection from `reading_connection()`, the router's own choice, so the facts
  statements of reports/facts.py follow the same rule as the ORM.
- A clerk sees her own write at once: ReplicaMiddleware pins every request that writes (any method but
  GET/HEAD/OPTIONS) and every request within REPLICA_PIN_SECONDS after one (a cookie) to the primary.
- A standby that cannot be reached is marked down for REPLICA_RETRY_SECONDS with one log line and the
  page is read from the primary; an error on the standby half-way through a page reruns it on the primary.
- How far behind the standby is: see replica_lag_seconds().
- Work queued for later (a background export) must see what was committed before it was queued: the job
  records the primary's WAL position when it is queued (`primary_position`), and its reading runs under
  `standby_must_hold(position)`: the standby is read once it has replayed that far (waiting up to
  REPLICA_WAIT_SECONDS), the primary otherwise.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase

log = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "fedorg_primary_until"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Read from the primary even inside a replica scope.
PRIMARY_APPS = {"jobs", "returns", "sessions", "axes", "admin", "django_cache"}
PRIMARY_MODELS = {"orgtree.auditevent"}
LAG_CACHE_SECONDS = 2.0

P = ParamSpec("P")
R = TypeVar("R")

# The alias reads go to now; None outside any scope (the primary).
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar("fedorg_read_alias", default=None)
# True while the request writes or follows a write of the same browser within REPLICA_PIN_SECONDS.
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("fedorg_pinned", default=False)
# Per request: the largest standby lag seen by a page part read from the standby (seconds), for the notice.
_lag_seen: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar("fedorg_lag_seen", default=None)

# A WAL position the standby must have replayed before this work reads from it (standby_must_hold).
_must_hold: contextvars.ContextVar[str | None] = contextvars.ContextVar("fedorg_must_hold", default=None)

_down_until = 0.0  # the standby failed to answer: primary only until then (time.monotonic())
_lag_cache: tuple[float, float] = (0.0, 0.0)  # (measured at, seconds behind)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and bool(getattr(settings, "REPLICA_READS", True))


def read_alias() -> str:
    """The alias the current reads go to: "replica" inside a replica scope that found the standby up."""
    return _read_alias.get() or DEFAULT_DB_ALIAS


def reading_connection() -> BaseDatabaseWrapper:
    """The connection raw SQL that only reads must use (the ORM gets the same from ReplicaRouter)."""
    return connections[read_alias()]


class ReplicaRouter:
    """Listed in DATABASE_ROUTERS only when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label in PRIMARY_APPS or model._meta.label_lower in PRIMARY_MODELS:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the standby replays the primary's schema


def _mark_down(error: BaseException) -> None:
    global _down_until
    retry = float(getattr(settings, "REPLICA_RETRY_SECONDS", 30))
    _down_until = time.monotonic() + retry
    log.warning("read replica unavailable, reading from the primary for %.0f s: %s", retry, str(error).strip())
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def _standby_up() -> bool:
    if time.monotonic() < _down_until:
        return False
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as e:
        _mark_down(e)
        return False
    return True


def replica_lag_seconds() -> float:
    """How far behind the standby is, in seconds; 0 when it has replayed everything the primary wrote.

    `now() - pg_last_xact_replay_timestamp()` alone grows without bound on an idle primary (no new
    commit, so the last replayed one ages) although the standby is fully caught up. So first compare
    positions: the primary's current WAL position, read *before* the standby's replay position; if the
    standby has replayed up to it, it held everything committed when we asked, lag 0. Only when it is
    behind is the age of its last replayed commit the lag: the newest data it shows is that old (an
    upper bound if the primary was idle just before its latest commit). Measured at most every
    LAG_CACHE_SECONDS per process: the notice only matters past a few seconds.
    """
    global _lag_cache
    measured_at, lag = _lag_cache
    if time.monotonic() - measured_at < LAG_CACHE_SECONDS:
        return lag
    primary, standby = connections[DEFAULT_DB_ALIAS], connections[REPLICA]
    if standby.vendor != "postgresql":
        return 0.0
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        primary_lsn = cursor.fetchone()[0]
    with standby.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END",
            [primary_lsn],
        )
        lag = max(0.0, float(cursor.fetchone()[0]))
    _lag_cache = (time.monotonic(), lag)
    return lag


def primary_position() -> str | None:
    """The primary's current WAL position (everything committed so far lies before it); None without a standby."""
    if not replica_configured() or connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return None
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


@contextmanager
def standby_must_hold(position: str | None) -> Iterator[None]:
    """Reads inside use the standby only once it has replayed up to `position` (None: no condition)."""
    token = _must_hold.set(position)
    try:
        yield
    finally:
        _must_hold.reset(token)


def _replayed_up_to(position: str) -> bool:
    """Wait until the standby has replayed `position`, polling, at most REPLICA_WAIT_SECONDS; False if it has not."""
    deadline = time.monotonic() + float(getattr(settings, "REPLICA_WAIT_SECONDS", 10))
    while True:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            if cursor.fetchone()[0]:
                return True
        if time.monotonic() >= deadline:
            log.info("read replica has not replayed %s yet: reading from the primary", position)
            return False
        time.sleep(0.1)


def lag_seen() -> float:
    """The largest standby lag behind a part of this request's page (0 when all of it came from the primary)."""
    seen = _lag_seen.get()
    return seen.get("lag", 0.0) if seen else 0.0


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside go to the primary whatever the caller's scope (a return is frozen from the primary)."""
    token = _read_alias.set(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        _read_alias.reset(token)


def read_from_primary(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` with its reads on the primary whatever the caller's scope (a return's snapshot)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with primary_reads():
            return func(*args, **kwargs)

    return wrapper


def _enter_replica() -> str:
    """The alias a new replica scope reads from: the standby when configured, not pinned and up."""
    if not replica_configured() or _pinned.get() or _read_alias.get() == DEFAULT_DB_ALIAS:
        return _read_alias.get() or DEFAULT_DB_ALIAS
    if not _standby_up():
        return DEFAULT_DB_ALIAS
    position = _must_hold.get()
    if position is not None:
        try:
            if not _replayed_up_to(position):
                return DEFAULT_DB_ALIAS
        except DatabaseError as e:
            _mark_down(e)
            return DEFAULT_DB_ALIAS
    seen = _lag_seen.get()
    if seen is not None:
        try:
            seen["lag"] = max(seen.get("lag", 0.0), replica_lag_seconds())
        except DatabaseError as e:
            _mark_down(e)
            return DEFAULT_DB_ALIAS
    return REPLICA


def read_from_replica(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` (a view, a page part, a job's reading) with its reads on the standby when there is one.

    The function must only read through the router (or reading_connection()); whatever it writes goes to
    the primary anyway. If the standby fails half-way, the call is run again on the primary.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        alias = _enter_replica()
        token = _read_alias.set(alias)
        try:
            return func(*args, **kwargs)
        except DatabaseError as e:
            if alias != REPLICA:
                raise
            # The standby stopped (marked down), or cancelled a statement that conflicted with its
            # replay: read-only work is safe to run again, on the primary.
            if connections[REPLICA].is_usable():
                log.warning("read replica failed a statement, reading from the primary: %s", str(e).strip())
            else:
                _mark_down(e)
            _read_alias.set(DEFAULT_DB_ALIAS)
            return func(*args, **kwargs)
        finally:
            _read_alias.reset(token)

    return wrapper


class ReplicaMiddleware:
    """Pins a browser's reads to the primary while it writes and for REPLICA_PIN_SECONDS after (its own
    writes show at once), and collects the standby lag behind the page for the notice in base.html."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        now = time.time()
        writes = request.method not in SAFE_METHODS
        try:
            pinned_until = float(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            pinned_until = 0.0
        pin = _pinned.set(writes or pinned_until > now)
        seen = _lag_seen.set({})
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(pin)
            _lag_seen.reset(seen)
        if writes and replica_configured():
            seconds = int(getattr(settings, "REPLICA_PIN_SECONDS", 15))
            response.set_cookie(
                PIN_COOKIE,
                f"{now + seconds:.0f}",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
