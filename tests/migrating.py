"""Test helper for upgrade tests: migrate the test database to named migrations (None: the app unmigrated)."""

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets: list[tuple[str, str | None]]) -> Apps:
    """Migrate to `targets` and return the historical models as they stand there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def migrate_to_latest() -> Apps:
    """Migrate every app to its latest migration (the upgrade a deployment runs)."""
    return migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
