"""A data version per city (市、地区), beside the global one (fedorg.freshness): the key of a city's share
of a province's figures (reports.percity), so that a change in one city recounts that city only.

Every write that bumps the global version notes the units it touched (members.apps: saves and deletes of
people, posts, units, contacts and congresses; PostQuerySet's bulk writes); when the transaction commits,
the units are resolved to the cities holding them and those cities' rows change, in one statement.
Writes that cannot be placed in a city change every city's row: a rule set or quota rule (达标 of every
unit), a bulk write of people, a deleted unit, a unit above a city, and any unit whose line up to its
city has ever had another parent (a unit moved between cities is counted in its old city on earlier count
dates, which the current tree no longer says; a move inside a city is rarer than it costs to tell apart).

As with the global version, rows start at a random value, so a rebuilt database never meets a cache entry
of an earlier one, and the bump runs after commit in its own statement.
"""

import secrets
import threading
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import F, Model

from orgtree.models import Unit, UnitVersion

# Resolving more touched units than this costs more than recounting every city once (a seed, an import
# of a whole province): every city changes instead.
MAX_RESOLVED_UNITS = 2_000

CITY_KINDS = tuple(str(kind) for kind in Unit.KINDS_BY_TIER[1])

_pending = threading.local()


def _queued() -> bool:
    # django-stubs types run_on_commit as (sids, func) pairs; Django 5 stores (sids, func, robust).
    return any(func is _flush for _sids, func, _robust in connection.run_on_commit)  # type: ignore[misc]


def _state() -> dict[str, object]:
    """The units touched by the current transaction, started afresh when no flush is queued (a rolled-back
    transaction drops its queued flush, and with it what it had noted)."""
    if not _queued() or getattr(_pending, "state", None) is None:
        _pending.state = {"units": set(), "all": False}
        transaction.on_commit(_flush)
    state: dict[str, object] = _pending.state
    return state


def note_units(unit_ids: Iterable[int | None]) -> None:
    """The cities holding these units change once the current transaction commits (at once in autocommit)."""
    touched = {pk for pk in unit_ids if pk is not None}
    if not connection.in_atomic_block:
        _bump(cities_of(touched))
        return
    units = _state()["units"]
    assert isinstance(units, set)
    units.update(touched)


def note_all() -> None:
    """Every city changes once the current transaction commits (a write no single city holds)."""
    if not connection.in_atomic_block:
        _bump(None)
        return
    _state()["all"] = True


def _flush() -> None:
    state = getattr(_pending, "state", None)
    _pending.state = None
    if state is None:
        return
    units = state["units"]
    assert isinstance(units, set)
    _bump(None if state["all"] else cities_of(units))


def _model() -> Any:
    # Looked up, not imported: members.models' querysets note their writes here (typed Any: CityVersion).
    return apps.get_model("members", "CityVersion")


def _bump(cities: set[int] | None) -> None:
    """Change these cities' rows; None: every city's."""
    CityVersion = _model()  # noqa: N806 - a model class
    if cities is None:
        CityVersion.objects.update(value=F("value") + 1)
    elif cities:
        CityVersion.objects.filter(city_id__in=cities).update(value=F("value") + 1)


def cities_of(unit_ids: set[int]) -> set[int] | None:
    """The cities holding these units now, or None when some cannot be placed in one city (see the module)."""
    if not unit_ids:
        return set()
    if len(unit_ids) > MAX_RESOLVED_UNITS:
        return None
    table, versions = Unit._meta.db_table, UnitVersion._meta.db_table
    ids = ", ".join(str(int(pk)) for pk in unit_ids)
    kinds = ", ".join(f"'{kind}'" for kind in CITY_KINDS)
    lineage = (
        f"FROM {table} u JOIN {table} a ON a.tree_id = u.tree_id AND a.lft <= u.lft AND a.rght >= u.rght "
        f"WHERE u.id IN ({ids})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id, MAX(CASE WHEN a.kind IN ({kinds}) THEN a.id END) {lineage} GROUP BY u.id"  # noqa: S608
        )
        placed = dict(cursor.fetchall())
        if len(placed) < len(unit_ids) or any(city is None for city in placed.values()):
            return None  # a deleted unit, or one above any city
        # A unit (or a unit above it, up to its city) that ever had another parent.
        cursor.execute(
            f"SELECT 1 FROM {versions} v WHERE v.unit_id IN (SELECT a.id {lineage} "  # noqa: S608 - ours
            f"AND a.kind NOT IN ({kinds}) AND a.kind <> '{Unit.Kind.PROVINCE}') "
            "GROUP BY v.unit_id HAVING COUNT(DISTINCT COALESCE(v.parent_id, 0)) > 1 LIMIT 1"
        )
        if cursor.fetchone():
            return None
    return {int(city) for city in placed.values()}


def versions(city_ids: Iterable[int]) -> dict[int, int]:
    """{city id: its version now}, creating missing rows at a random value; read where the figures are read."""
    CityVersion = _model()  # noqa: N806 - a model class
    wanted = set(city_ids)
    found = dict(CityVersion.objects.filter(city_id__in=wanted).values_list("city_id", "value"))
    missing = wanted - set(found)
    if missing:
        # A row made meanwhile by another request is left as it is (ignore_conflicts), then read back.
        CityVersion.objects.bulk_create(
            [CityVersion(city_id=pk, value=secrets.randbelow(1 << 62)) for pk in missing], ignore_conflicts=True
        )
        found |= dict(CityVersion.objects.filter(city_id__in=missing).values_list("city_id", "value"))
    return found


def connect_signals(*, person: type[Model], post: type[Model], rule_models: Iterable[type[Model]]) -> None:
    """Note the city of every saved or deleted person, post, unit, contact and congress; a rule changes every
    city (members.apps passes its models)."""
    from django.db.models.signals import post_delete, post_save, pre_save

    from orgtree.models import Congress, Contact
    from orgtree.signals import units_bulk_loaded

    Person, Post = person, post  # noqa: N806 - model classes

    def of_unit(sender: object, instance: Any, **kwargs: Any) -> None:
        note_units([instance.unit_id])

    def of_post_moved(sender: object, instance: Any, **kwargs: Any) -> None:
        # A post given another unit leaves its old unit's city too (a save naming its fields names the unit).
        fields = kwargs.get("update_fields")
        if instance.pk is not None and (fields is None or "unit" in fields or "unit_id" in fields):
            note_units(Post._default_manager.filter(pk=instance.pk).values_list("unit_id", flat=True))

    def of_person(sender: object, instance: Any, **kwargs: Any) -> None:
        note_units(Post._default_manager.filter(person_id=instance.pk).values_list("unit_id", flat=True).distinct())

    def of_unit_itself(sender: object, instance: Unit, **kwargs: Any) -> None:
        note_units([instance.pk])

    def of_deleted_unit(sender: object, **kwargs: Any) -> None:
        note_all()  # no longer in the tree: its city cannot be found

    def of_everything(sender: object, **kwargs: Any) -> None:
        note_all()

    def of_bulk_loaded(sender: object, *, units: list[Unit], **kwargs: Any) -> None:
        note_units([unit.pk for unit in units])

    for model in (Post, Contact, Congress):
        post_save.connect(of_unit, sender=model, weak=False, dispatch_uid=f"cityversion-{model.__name__}")
        post_delete.connect(of_unit, sender=model, weak=False, dispatch_uid=f"cityversion-del-{model.__name__}")
    pre_save.connect(of_post_moved, sender=Post, weak=False, dispatch_uid="cityversion-post-moved")
    post_save.connect(of_person, sender=Person, weak=False, dispatch_uid="cityversion-Person")
    # A deleted person's posts go first (their deletes note their units); without posts she counted nowhere.
    post_save.connect(of_unit_itself, sender=Unit, weak=False, dispatch_uid="cityversion-Unit")
    post_delete.connect(of_deleted_unit, sender=Unit, weak=False, dispatch_uid="cityversion-del-Unit")
    units_bulk_loaded.connect(of_bulk_loaded, weak=False, dispatch_uid="cityversion-bulk-loaded")
    for rules in rule_models:
        post_save.connect(of_everything, sender=rules, weak=False, dispatch_uid=f"cityversion-{rules.__name__}")
        post_delete.connect(of_everything, sender=rules, weak=False, dispatch_uid=f"cityversion-del-{rules.__name__}")
