"""Settings come from the environment; production refuses the development key and passes --deploy."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
REAL_KEY = "k3Yv9x2Qw8Lr5Tz1Np7Hs4Dm6Fb0Gc3Jx9Vq2Wy5Ez8Ru1Ti4Ok7Pl0As3Df6Gh9"


def run(args, **env):
    """Run Python in a fresh interpreter so settings are imported from scratch with `env`."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "FEDORG_ENV", "DATABASE_URL", "DATABASE_REPLICA_URL"}
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args],
        env={**base, "DJANGO_SETTINGS_MODULE": "fedorg.settings", **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_with_the_development_key_refuses_to_start():
    result = run(["-c", "import fedorg.settings"], FEDORG_ENV="production")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_with_a_short_key_refuses_to_start():
    result = run(["-c", "import fedorg.settings"], FEDORG_ENV="production", SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_an_unknown_environment_name_is_refused():
    result = run(["-c", "import fedorg.settings"], FEDORG_ENV="staging")
    assert result.returncode != 0
    assert "FEDORG_ENV must be development, production or test" in result.stderr


def test_production_turns_debug_off():
    code = "import fedorg.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE)"
    result = run(["-c", code], FEDORG_ENV="production", SECRET_KEY=REAL_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_development_defaults_to_an_sqlite_file_and_chinese():
    code = (
        "import fedorg.settings as s; print(s.DATABASES['default']['ENGINE'], s.LANGUAGE_CODE, s.TIME_ZONE, s.USE_TZ)"
    )
    result = run(["-c", code], FEDORG_ENV="development")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "zh-hans", "Asia/Shanghai", "True"]


def test_check_deploy_is_clean_in_production_with_a_real_key(tmp_path):
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')  # as collectstatic leaves it
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        FEDORG_ENV="production",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="fedorg.example",
        STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_collected_static_files_says_what_to_do(tmp_path):
    """Issue 25: every page was a 500 ("Missing staticfiles manifest entry") and nothing said why."""
    result = run(
        ["manage.py", "check"],
        FEDORG_ENV="production",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="fedorg.example",
        STATIC_ROOT=str(tmp_path / "empty"),
    )
    assert result.returncode != 0
    assert "fedorg.E001" in result.stderr and "manage.py collectstatic --noinput" in result.stderr


def test_without_a_replica_url_there_is_no_replica_and_no_router():
    code = "import fedorg.settings as s; print(sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []))"
    result = run(["-c", code], FEDORG_ENV="development")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['default']", "[]"]


def test_a_replica_url_adds_the_replica_and_its_router_on_postgresql_only():
    code = (
        "import fedorg.settings as s; r = s.DATABASES['replica'];"
        " print(r['PORT'], r['NAME'], r['TEST']['MIRROR'], s.DATABASE_ROUTERS[0])"
    )
    pg = "postgres://postgres@127.0.0.1:5432/fedorg"
    result = run(["-c", code], DATABASE_URL=pg, DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/fedorg")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5433", "fedorg", "default", "fedorg.dbrouting.ReplicaRouter"]
    refused = run(["-c", "import fedorg.settings"], DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/fedorg")
    assert refused.returncode != 0 and "DATABASE_REPLICA_URL needs PostgreSQL" in refused.stderr
