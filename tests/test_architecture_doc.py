"""docs/architecture.md tells the truth (issue 20): every file or folder it names exists, so a newcomer
who follows the map never lands on a path that moved."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PATH_LIKE = re.compile(r"^[A-Za-z0-9_./-]+$")
FILE_SUFFIXES = (".py", ".md", ".html", ".css", ".js", ".json", ".yaml", ".toml", ".txt")


def named_paths(text):
    """Every `code span` that is a repo path (has a slash or a file suffix), and every local link target."""
    found = set()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # the layer drawing
    for span in re.findall(r"`([^`\n]+)`", text):
        span = span.strip()
        if not PATH_LIKE.match(span) or span.startswith(("-", ".venv")):
            continue
        # A path has a folder and ends as a file or a folder; a bare `access.py` means "the app's own".
        if "/" in span and span.endswith((*FILE_SUFFIXES, "/")):
            found.add(span)
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if "://" not in target:
            found.add(str((DOC.parent / target).resolve().relative_to(ROOT)))
    return found


def test_every_path_the_architecture_page_names_exists():
    paths = named_paths(DOC.read_text(encoding="utf-8"))
    assert len(paths) > 60  # the map names the modules, not just the apps
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == [], f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_app_and_module_group_is_on_the_map():
    text = DOC.read_text(encoding="utf-8")
    apps = sorted(p.name for p in ROOT.iterdir() if (p / "apps.py").exists() or p.name == "web")
    assert all(f"`{app}`" in text for app in apps), apps
    for module in (
        "orgtree/versions.py",
        "orgtree/api_auth.py",
        "fedorg/uploads.py",
        "fedorg/restapi.py",
        "fedorg/security.py",
        "fedorg/ratelimit.py",
        "returns/states.py",
        "members/roster_xlsx/cells.py",
    ):
        assert module in text, module
