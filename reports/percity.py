"""A province's figures as the sum of its cities' shares, each kept per city data version (issue 21).

Above a city (a province, tier 0) the rows of 附表4 are its cities, and every figure of 附表4, 附表5 and the
dashboard is a sum over (unit, person) facts, over units, or over (block, rank) groups, each fact, unit and
group inside exactly one city: a person holding posts in two cities counts once in each unit (FORMS.md
"Counting a person once"), so in each city. A city's share is therefore counted on the city alone, with the
province's rule set, and the province adds the shares up; the averages (附表5 平均年龄) and the shares of
units 达标 are derived afterwards from the summed numerators and denominators, as for any table.

A share is kept in the shared cache (all web processes and the job worker) under the city's own data
version (members.cityversions), so a change in one city recounts that city only. Cold cities are counted
side by side on PostgreSQL, one database connection per thread (REPORT_CITY_WORKERS); SQLite counts them
one after another. Inside a transaction with uncommitted changes of its own nothing is kept
(read-your-writes, as fedorg.freshness).
"""

import contextvars
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections

from fedorg import freshness
from members import cityversions

_T = TypeVar("_T")
CACHE_SECONDS = 7 * 24 * 3600  # a share is also dropped by any change of its city
# Seconds a city's share took to count, per kind, kept to estimate a cold province (see estimate).
TIMING_KEY = "fedorg:percity:seconds:{kind}"
DEFAULT_SECONDS = 0.5
# A page counts cold cities in the request only when that is expected to take at most this long; longer,
# a job counts them and the page shows its progress (reports.background.count_in_background).
REQUEST_SECONDS = 2.0

Progress = Callable[[int, int], None]


def _cache() -> Any:
    return caches["shared"]


def _keys(kind: str, cities: Sequence[int], key: str) -> dict[int, str]:
    """{city: cache key} for the cities whose version could be read (the rest are counted, never kept)."""
    found = cityversions.versions(cities)
    return {city: f"fedorg:percity:{kind}:{city}:{found[city]}:{key}" for city in cities if city in found}


def missing(kind: str, cities: Sequence[int], *, key: str) -> list[int]:
    """The cities whose share of `kind` is not counted yet under their current version."""
    if freshness.pending_bump():
        return list(cities)
    keys = _keys(kind, cities, key)
    held = _cache().get_many(list(keys.values()))
    return [city for city in cities if keys.get(city) not in held]


def estimate(kind: str, cold: int) -> float:
    """Seconds the request would take to count `cold` cities (the last measured time per city)."""
    per_city = _cache().get(TIMING_KEY.format(kind=kind)) or DEFAULT_SECONDS
    return float(per_city) * cold / max(1, _workers(cold))


def _workers(cold: int) -> int:
    if connection.vendor != "postgresql" or freshness.pending_bump():
        return 1
    return max(1, min(int(getattr(settings, "REPORT_CITY_WORKERS", 1)), cold))


def shares(
    kind: str,
    cities: Sequence[int],
    *,
    key: str,
    count: Callable[[int], _T],
    progress: Progress | None = None,
) -> dict[int, _T]:
    """{city: count(city)} for each city, from the shared cache where its current version was counted.

    `kind` and `key` name what is counted (the form, the dates, the rule set); `count(city)` counts it on
    the city alone. `progress(done, total)` is told after each city, cached ones first.
    """
    total = len(cities)
    if freshness.pending_bump():
        result = {}
        for done, city in enumerate(cities, start=1):
            result[city] = count(city)
            if progress:
                progress(done, total)
        return result
    keys = _keys(kind, cities, key)
    held = _cache().get_many(list(keys.values()))
    result = {city: held[keys[city]] for city in cities if keys.get(city) in held}
    cold = [city for city in cities if city not in result]
    if progress:
        progress(len(result), total)
    started = time.perf_counter()
    for city, value in _count_all(cold, count, progress=progress, done=len(result), total=total):
        result[city] = value
        if city in keys:
            _cache().set(keys[city], value, CACHE_SECONDS)
    if cold:
        _cache().set(TIMING_KEY.format(kind=kind), (time.perf_counter() - started) * _workers(len(cold)) / len(cold))
    return {city: result[city] for city in cities}


def _count_all(
    cities: list[int], count: Callable[[int], _T], *, progress: Progress | None, done: int, total: int
) -> list[tuple[int, _T]]:
    """(city, count(city)) for each city: side by side in threads, each with its own connection, on
    PostgreSQL; one after another on SQLite or inside a transaction that wrote (others could not see it)."""
    workers = _workers(len(cities))
    if workers == 1:
        counted = []
        for city in cities:
            counted.append((city, count(city)))
            done += 1
            if progress:
                progress(done, total)
        return counted

    def in_thread(city: int, context: contextvars.Context) -> _T:
        try:
            return context.run(count, city)  # the caller's database routing (read_from_replica) included
        finally:
            connections.close_all()  # this thread's connections only

    counted = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [(city, pool.submit(in_thread, city, contextvars.copy_context())) for city in cities]
        for city, future in futures:
            counted.append((city, future.result()))
            done += 1
            if progress:
                progress(done, total)
    return counted
