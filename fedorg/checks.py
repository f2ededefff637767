"""System checks of our own (`manage.py check`, and every runserver and migrate).

In production the static files are served from STATIC_ROOT through a manifest of hashed names
(whitenoise). Without `collectstatic` every page was a 500 ("Missing staticfiles manifest entry"),
and nothing said why (issue 25). This check says what to do before the server starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

MANIFEST = "staticfiles.json"


@register()
def static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    if "Manifest" not in backend:
        return []
    manifest = Path(settings.STATIC_ROOT) / MANIFEST
    if manifest.exists():
        return []
    return [
        Error(
            f"静态文件尚未收集：生产模式需要 {manifest}。请先运行 `manage.py collectstatic --noinput`，再启动服务"
            "（见 docs/deploy.md）；否则每个页面都会出错（500）。",
            id="fedorg.E001",
        )
    ]
