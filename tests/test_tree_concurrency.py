"""Concurrent tree writers on PostgreSQL: the advisory lock keeps django-mptt's nested sets sound.

Without serialisation, mptt computes lft/rght in Python from rows it read earlier, so writers
that interleave overlap siblings. SQLite serialises writers itself, so these run on PostgreSQL only.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from orgtree import services
from orgtree.integrity import find_tree_faults
from orgtree.models import Unit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 24
K = Unit.Kind


def run_in_threads(count, work):
    """Start `count` threads that begin `work(i)` at the same instant; return their errors."""
    barrier = threading.Barrier(count)
    errors = []

    def target(i):
        try:
            barrier.wait(timeout=30)
            work(i)
        except Exception as e:  # collected and asserted on below, never swallowed
            errors.append(f"thread {i}: {e!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def make(parent, name, code, kind):
    return services.create_unit(parent=parent, name=name, code=code, kind=kind, actor=None)


def test_24_threads_creating_and_moving_at_once_leave_a_sound_tree():
    city = make(None, "哈尔滨市", "2301", K.CITY)
    daoli = make(city, "道里区", "230102", K.DISTRICT)
    nangang = make(city, "南岗区", "230103", K.DISTRICT)
    # One street per thread to move; half start in each district.
    movers = [
        make(
            daoli if i % 2 == 0 else nangang,
            f"迁移{i}街道",
            f"2301{'02' if i % 2 == 0 else '03'}{500 + i:03d}",
            K.STREET,
        )
        for i in range(THREADS)
    ]

    def work(i):
        # Stale instances on purpose: the services must re-read under the lock.
        services.create_unit(parent=daoli, name=f"新建{i}街道", code=f"230102{100 + i:03d}", kind=K.STREET, actor=None)
        services.move_unit(unit=movers[i], new_parent=nangang if i % 2 == 0 else daoli, actor=None)

    errors = run_in_threads(THREADS, work)

    assert errors == []
    assert find_tree_faults() == []
    daoli, nangang, city = (Unit.objects.get(pk=u.pk) for u in (daoli, nangang, city))
    created = Unit.objects.filter(name__startswith="新建")
    assert created.count() == THREADS
    assert set(created.values_list("parent_id", flat=True)) == {daoli.pk}
    # Every mover switched district exactly once.
    assert daoli.get_children().filter(name__startswith="迁移").count() == THREADS // 2
    assert nangang.get_children().filter(name__startswith="迁移").count() == THREADS // 2
    # Each child is counted exactly once, and the districts' subtrees add up to the city's.
    assert daoli.get_descendants().count() == THREADS + THREADS // 2
    assert nangang.get_descendants().count() == THREADS // 2
    assert daoli.get_children().count() + nangang.get_children().count() == 2 * THREADS
    assert city.get_descendant_count() == city.get_descendants().count() == 2 + 2 * THREADS
    assert Unit.objects.subtree_of(city).count() == Unit.objects.count()


# The lock: one per nested set (one set per city, issue 21), and one over all of them.


def hold_lock_then_write(lock_on, write):
    """A transaction holds the lock of `lock_on`'s tree (of every tree for None) for a second while `write`
    runs in another thread; returns (when the lock was released, when the write finished)."""
    locked, released, finished = threading.Event(), [], []

    def holder():
        try:
            with transaction.atomic():
                services.lock_tree(*([lock_on] if lock_on is not None else []))
                locked.set()
                time.sleep(1.0)
                released.append(time.monotonic())
        finally:
            connection.close()

    def writer():
        try:
            locked.wait(timeout=10)
            write()
            finished.append(time.monotonic())
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert released and finished
    return released[0], finished[0]


def test_a_tree_writer_waits_for_the_lock_held_by_another_transaction():
    """The advisory lock, not luck, is what serialises writers: a writer blocks while it is held."""
    city = make(None, "哈尔滨市", "2301", K.CITY)
    released, finished = hold_lock_then_write(None, lambda: make(city, "道里区", "230102", K.DISTRICT))
    assert finished >= released
    assert find_tree_faults() == []


@pytest.fixture
def province():
    sheng = make(None, "黑龙江省", "23", K.PROVINCE)
    harbin = make(sheng, "哈尔滨市", "2301", K.CITY)
    qiqihar = make(sheng, "齐齐哈尔市", "2302", K.CITY)
    return sheng, harbin, qiqihar


def test_a_writer_in_another_city_does_not_wait_for_a_citys_lock(province):
    _sheng, harbin, qiqihar = province
    released, finished = hold_lock_then_write(harbin, lambda: make(qiqihar, "龙沙区", "230202", K.DISTRICT))
    assert finished < released
    assert find_tree_faults() == []


def test_a_writer_in_the_same_city_waits_for_its_lock(province):
    _sheng, harbin, _qiqihar = province
    released, finished = hold_lock_then_write(harbin, lambda: make(harbin, "道里区", "230102", K.DISTRICT))
    assert finished >= released
    assert find_tree_faults() == []


def test_a_new_city_waits_for_every_citys_writer(province):
    """A new city adds a tree (mptt renumbers the trees after it): it serialises with every writer."""
    sheng, _harbin, qiqihar = province
    released, finished = hold_lock_then_write(qiqihar, lambda: make(sheng, "牡丹江市", "2310", K.CITY))
    assert finished >= released
    assert find_tree_faults() == []


def test_writers_in_two_cities_and_new_cities_at_once_leave_sound_trees(province):
    sheng, harbin, qiqihar = province
    districts = [make(city, f"{city.name}一区", f"{city.code}01", K.DISTRICT) for city in (harbin, qiqihar)]

    def work(i):
        if i % 6 == 5:
            make(sheng, f"新市{i}", f"23{40 + i:02d}", K.CITY)
            return
        district = districts[i % 2]
        street = make(district, f"街道{i}", f"{district.code}{100 + i:03d}", K.STREET)
        services.move_unit(unit=street, new_parent=districts[(i + 1) % 2], actor=None)

    assert run_in_threads(THREADS, work) == []
    assert find_tree_faults() == []
    assert Unit.objects.filter(parent=sheng).count() == 2 + THREADS // 6
    # Every street moved once into the other city's district: the odd threads' (8) into the first district,
    # the even threads' (12) into the second.
    counts = [Unit.objects.get(pk=district.pk).get_descendant_count() for district in districts]
    assert counts == [8, 12]
    # Each city is a tree of its own, and the province's subtree is all of them.
    assert Unit.objects.values("tree_id").distinct().count() == 3 + THREADS // 6
    assert Unit.objects.subtree_of(sheng).count() == Unit.objects.count()


def test_a_writer_waiting_for_a_unit_that_moves_to_another_city_takes_that_citys_lock_too(province):
    """The writer reads the unit's tree, waits for its lock, and meanwhile the holder moves the unit to another
    city: once locked it reads again and takes the new city's lock as well, so a third writer there waits."""
    _sheng, harbin, qiqihar = province
    street = make(make(harbin, "道里区", "230102", K.DISTRICT), "兆麟街道", "230102001", K.STREET)
    longsha = make(qiqihar, "龙沙区", "230202", K.DISTRICT)
    moved, locked, times = threading.Event(), threading.Event(), {}

    def holder():
        try:
            with transaction.atomic():
                services.move_unit(unit=street, new_parent=longsha, actor=None)
                moved.set()
                time.sleep(0.5)
        finally:
            connection.close()

    def writer():
        try:
            moved.wait(timeout=10)
            with transaction.atomic():
                services.lock_tree(street)  # reads Harbin's tree, waits, then finds the street in Qiqihar's
                locked.set()
                time.sleep(1.0)
                times["writer_released"] = time.monotonic()
        finally:
            connection.close()

    def third():
        try:
            locked.wait(timeout=10)
            with transaction.atomic():
                services.lock_tree(longsha)
                times["third_locked"] = time.monotonic()
        finally:
            connection.close()

    threads = [threading.Thread(target=f) for f in (holder, writer, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert times["third_locked"] >= times["writer_released"]
    assert Unit.objects.get(pk=street.pk).tree_id == Unit.objects.get(pk=qiqihar.pk).tree_id
