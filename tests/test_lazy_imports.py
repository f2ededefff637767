"""Heavy libraries are loaded when first used, not at process start (issue 15)."""

import os
import subprocess
import sys
from pathlib import Path

from members.models import pinyin_initials

ROOT = Path(__file__).resolve().parent.parent


def test_pypinyin_is_not_loaded_by_starting_the_app():
    script = (
        "import django, sys; django.setup(); import web.urls; from django.urls import resolve; resolve('/'); "
        "print('pypinyin' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fedorg.settings"}
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_initials_still_come_from_pypinyin():
    assert pinyin_initials("张秀梅") == "zxm"
    assert pinyin_initials("阿依古丽·买买提") == "aygl" + "mmt"
