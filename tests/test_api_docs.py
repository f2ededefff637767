"""docs/api.md's recipes run as written (issue 20): every `curl` line of its ```sh blocks, and every inline
`GET /api/v1/…`, is run by bash exactly as printed against a live test server, with $T a read-write token of
道里区's 填报员 and $H the server, on data that has what the recipes name (道里区 230102, an approved 附表4
with id 17, a roster file 名册.xlsx). Each must answer 2xx with the documented shape."""

import datetime
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from members.roster_xlsx.export import export_roster
from orgtree import services as tree_services
from returns import services as return_services
from returns.models import Return

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="the recipes are curl commands: install curl")


def recipes():
    """(block number, shell variables set before it, command) for each curl of each ```sh block, and each
    inline `GET /api/v1/…` as the curl a reader would type."""
    text = DOC.read_text()
    found = []
    for number, block in enumerate(re.findall(r"```sh\n(.*?)```", text, re.S), start=1):
        assignments = []
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if re.match(r"^[A-Z_]+=", line):
                assignments.append(line)
            elif line.startswith("curl "):
                found.append((number, tuple(assignments), line))
    for path in re.findall(r"`GET (/api/v1/(?!schema/)[^`]+)`", text):
        found.append((0, (), f'curl -s -H "Authorization: Bearer $T" "$H{path}"'))
    return found


RECIPES = recipes()

# What each kind of answer must hold: (pattern of the command's path, required keys).
SHAPES = [
    (r"/roster/import/", {"dry_run", "written", "summary", "counts", "rows"}),
    (r"/reports/\d/", {"form", "as_of", "panels", "header", "columns", "rows"}),
    (r"/returns/\d+/", {"id", "status", "version", "snapshot", "verification_code"}),
    (r" -d .*/congresses/", {"id", "unit", "number", "held_on", "expires_on", "timing", "timing_label"}),
    (r"/(register|candidates|meetings|congresses)/", {"count", "next", "previous", "results"}),
    (r"/api/v1/\w+/(\?|\")", {"count", "next", "previous", "results"}),
]


def test_the_doc_has_the_recipes_this_test_runs():
    commands = [command for _n, _a, command in RECIPES]
    assert len(commands) >= 10
    assert any("roster/import" in c for c in commands) and any("updated_since" in c for c in commands)
    assert all(any(re.search(pattern, c) for pattern, _keys in SHAPES) for c in commands), commands


@pytest.fixture
def server(live_server, staffed_district_a, staff_a, admin_a, city_reviewer, campaign_2016, tmp_path):
    """The data the recipes name, a read-write token for $T, and 名册.xlsx in the working directory."""
    tree = staffed_district_a
    form = campaign_2016.forms.get(form_no="4")
    # The recipe reads return 17: make the 附表4 return of 道里区 that one, sent and approved.
    Return.objects.create(pk=17, form=form, unit=tree.district_a, campaign=campaign_2016)
    ret = return_services.submit_return(
        form=form,
        unit=tree.district_a,
        actor=staff_a,
        now=datetime.datetime(2016, 9, 15, 10, 30, tzinfo=datetime.UTC),
        explanation="已核实。",
        **FOOTER,
    )
    assert ret.pk == 17
    return_services.approve_return(ret=ret, actor=city_reviewer)
    export_roster(unit=tree.street_a, actor=None, out=str(tmp_path / "名册.xlsx"))
    _, key = tree_services.issue_api_token(
        actor=admin_a,
        name="文档示例",
        user=staff_a,
        unit=tree.district_a,
        can_write=True,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return {"T": key, "H": live_server.url, "cwd": tmp_path}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("block", "assignments", "command"), RECIPES, ids=[f"{n}:{c[:60]}" for n, _a, c in RECIPES])
def test_each_recipe_answers_2xx_with_its_shape(server, block, assignments, command):
    script = "\n".join([*assignments, f"{command} -w '\\n%{{http_code}}'"])
    env = {"PATH": "/usr/bin:/bin", "T": server["T"], "H": server["H"]}
    bash = shutil.which("bash") or "/bin/bash"
    # The script is this repo's own docs/api.md, run as a reader would paste it.
    done = subprocess.run(  # noqa: S603
        [bash, "-c", script], cwd=server["cwd"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    assert status.startswith("2"), f"{command}\n→ {status} {body[:500]}"
    answer = json.loads(body)
    keys = next(keys for pattern, keys in SHAPES if re.search(pattern, command))
    assert keys <= set(answer), f"{command}\n→ keys {sorted(answer)}"
    if "status=approved" in command:
        assert [r["id"] for r in answer["results"]] == [17]
    if "updated_since" in command and "offset=500" not in command and "returns" not in command:
        assert answer["count"] > 0, "the sync recipe should find what changed since 2024-03-01"
