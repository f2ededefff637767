"""One number that changes whenever rosters or units change: the key of every cached figure.

The unit page's dashboard counts the whole subtree (two aggregates over every post below a city),
so it is cached per (unit, its tree bounds, dates, version); see reports.dashboard. The version
is one row (members.DataVersion). Every write to people, posts and units bumps it after its
transaction commits: model saves and deletes through signals (services, admin, shell), bulk
writes through the querysets of Person and Post (importer, seed), so no write path is left out.

Why this and not the alternatives (issue 15):
- a facts table kept current by the services would have to be maintained by every write path,
  the importer's bulk writes included, and its figures re-derived on every change of a rule;
- the latest return snapshot is stale by design between campaigns;
- a version read costs one primary-key SELECT; a cached dashboard is served in a few ms.

Bumping after commit, in its own statement, keeps the row from serialising writers: a 10-second
import does not hold a lock on it. Until the bump lands, the writing transaction itself bypasses
the cache (read-your-writes: pending_bump). The row starts at a random value, so a database
rebuilt from scratch (tests, a re-seed) never meets a cache entry from an earlier one.

A request reads the version once (`current` is remembered until the request ends or a bump lands),
and `cached` keeps any figure of the tree or the rosters until the version changes: the unit page's
counts of units below, the rule set in effect (issue 21). The row lives in the members app
(members.DataVersion, looked up by label), so that every layer, the tree included, can key on it.
"""

import contextvars
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, models, transaction
from django.db.models import F

from fedorg import dbrouting

_M = TypeVar("_M", bound=models.Model)
_T = TypeVar("_T")
# An entry is also dropped by any change of the data version; this bounds memory.
CACHE_SECONDS = 3600
MEMORY_ENTRIES = 64  # cached(in_memory=True): the newest objects kept as they are, per process
_memory: OrderedDict[str, Any] = OrderedDict()
# The version this request has read (a thread serves one request at a time). Outside a request (a
# command, a job, a test calling a function) nothing is remembered: each call reads the row.
_seen = threading.local()
# Set while computing a cached figure that read from a standby behind the version (see _replica_has).
_behind: contextvars.ContextVar[bool] = contextvars.ContextVar("fedorg_freshness_behind", default=False)


def _forget(**kwargs: Any) -> None:
    _seen.value = None


def _request_started(**kwargs: Any) -> None:
    _seen.in_request, _seen.value = True, None


def _request_finished(**kwargs: Any) -> None:
    _seen.in_request, _seen.value = False, None


request_started.connect(_request_started, dispatch_uid="fedorg-freshness-start")
request_finished.connect(_request_finished, dispatch_uid="fedorg-freshness-end")


def _version_model() -> Any:
    # Looked up, not imported: members.models imports this module for VersionedQuerySet.
    # (So typed Any: the model class members.DataVersion.)
    return apps.get_model("members", "DataVersion")


def _bump() -> None:
    _forget()
    DataVersion = _version_model()  # noqa: N806 - a model class
    if not DataVersion.objects.filter(pk=1).update(value=F("value") + 1):
        current()


def pending_bump() -> bool:
    """True inside a transaction that has changed data not yet committed (its bump is still queued)."""
    # django-stubs types run_on_commit as (sids, func) pairs; Django 5 stores (sids, func, robust).
    return any(func is _bump for _sids, func, _robust in connection.run_on_commit)  # type: ignore[misc]


def bump_on_commit() -> None:
    """Change the version once the current transaction commits (at once in autocommit mode)."""
    if not pending_bump():
        transaction.on_commit(_bump)


def current() -> int:
    """The version now, creating the row (at a random value) the first time; read once per request."""
    remembered = getattr(_seen, "value", None)
    if remembered is not None:
        return int(remembered)
    DataVersion = _version_model()  # noqa: N806 - a model class
    value = DataVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    if value is not None:
        if getattr(_seen, "in_request", False):
            _seen.value = value
        return int(value)
    try:
        with transaction.atomic():
            return DataVersion.objects.create(pk=1, value=secrets.randbelow(1 << 62)).value
    except IntegrityError:  # created by a concurrent request meanwhile
        return DataVersion.objects.filter(pk=1).values_list("value", flat=True).get()


def cached(key: str, compute: Callable[[], _T], *, in_memory: bool = False) -> _T:
    """compute(), kept in the cache under `key` until people, posts or units change. Inside a
    transaction with changes of its own not yet committed, computed afresh (read-your-writes).

    `in_memory`: also keep the object itself in this process (the last MEMORY_ENTRIES), so a hit costs
    no unpickling: for large results of many model instances (a city's 1,100 compliance findings took
    12 ms to unpickle). The caller must treat the result as read-only: it is shared between requests.
    """
    if pending_bump():
        return compute()
    version = current()
    full_key = f"fedorg:{version}:{key}"
    if in_memory and full_key in _memory:
        _memory.move_to_end(full_key)
        return _memory[full_key]
    found = cache.get(full_key)
    if found is None:
        outer = _behind.set(False)
        try:
            found = compute()
            behind = _behind.get() or not _replica_has(version)
        finally:
            _behind.reset(outer)
        if behind:  # an enclosing cached() (a panel's HTML around its figures) must not keep it either
            _behind.set(True)
        else:
            cache.set(full_key, found, CACHE_SECONDS)
    if in_memory and not _behind.get():
        _memory[full_key] = found
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)
    return found


def has(key: str) -> bool:
    """Whether cached(key, ...) would answer now without computing (a page that would rather hand a long
    count to a job than make the user wait for it asks first)."""
    if pending_bump():
        return False
    full_key = f"fedorg:{current()}:{key}"
    return full_key in _memory or cache.has_key(full_key)


def _replica_has(version: int) -> bool:
    """True unless the figures were just read from a standby that has not yet replayed `version` (the bump
    commits after the data it versions, so a standby showing this version holds that data). Figures read
    from a lagging standby are shown, but not kept under a version they do not yet reflect."""
    if dbrouting.read_alias() == DEFAULT_DB_ALIAS:
        return True
    with dbrouting.reading_connection().cursor() as cursor:
        cursor.execute(f"SELECT value FROM {_version_model()._meta.db_table} WHERE id = 1")  # noqa: S608 - ours
        row = cursor.fetchone()
    return row is not None and int(row[0]) == version


class VersionedQuerySet(models.QuerySet[_M]):
    """Bulk writes bypass save() and its signals; these bump the version themselves."""

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[_M]:
        bump_on_commit()
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        bump_on_commit()
        return super().bulk_update(*args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> int:
        bump_on_commit()
        return super().update(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        bump_on_commit()
        return super().delete(*args, **kwargs)
