"""Composition rules (docs/forms.md "Quotas and 达标" and "Cross-level rule"), evaluated live.

Public API, used by the roster page, the compliance page and the returns workflow:

- ``evaluate_subtree(unit, *, on) -> list[Finding]`` for the unit and every unit below it on `on`;
- ``evaluate_unit(unit, *, on) -> list[Finding]`` for one unit (the roster badge);
- ``assess_unit(unit, *, on) -> Assessment`` the counts, the quota and the findings of one unit.

Both evaluations run in a constant number of queries however large the subtree. The subtree is
the tree **as it stood on `on`** (orgtree.versions.tree_cte, the walk the 附表 count from): its
units, their kind, 妇联/妇代会, name, code and parent, each unit's member counts and the heads the
cross-level rule finds (a NOT EXISTS test on the parent unit's posts) come from one statement over
one walk. So on a past date the page lists, and judges, the units 附表4 counts for that date.

达标 (docs/forms.md: total in range, exactly one head, at least two vice-heads) is tracked apart from
severity, by ``Finding.fails_quota``. Severity says what a finding does to a district's return:
``error`` is data that cannot be right (two heads of one unit, a unit with nobody on its roster) and
blocks submission until fixed; ``warning`` is a shortfall against the plan (未达标, a head missing
from her street's committee): the campaign measures exactly these, so a return may still be filed
with a written 上报说明; ``notice`` is worth a look but is no fault (more than two vice-heads).
"""

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Case, Exists, F, IntegerField, Q, Subquery, Value, When
from django.db.models.base import ModelState
from django.urls import reverse

from fedorg import freshness
from fedorg.dbrouting import reading_connection
from orgtree.models import Unit, UnitVersion
from orgtree.versions import tree_cte, valid_on_sql

from .models import Person, Post, QuotaRule, RuleSet, held_on_sql

ERROR, WARNING, NOTICE = "error", "warning", "notice"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告", NOTICE: "提示"}
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTICE: 2}

HEAD, VICE, MEMBER = "head", "vice", "member"
# docs/forms.md "Counting a person once": a person counts under her highest post. 常委 sits in the
# 执委 column of 附表4 (扩员后合计 = 主席 + 副主席 + 执委), so it is a member here too.
ROLE_GROUP = {
    Post.Role.CHAIR: HEAD,
    Post.Role.DIRECTOR: HEAD,
    Post.Role.VICE_CHAIR: VICE,
    Post.Role.DEPUTY_DIRECTOR: VICE,
    Post.Role.STANDING: MEMBER,
    Post.Role.EXECUTIVE: MEMBER,
    Post.Role.MEMBER: MEMBER,
}
GROUP_RANK = {HEAD: 1, VICE: 2, MEMBER: 3}
# A village/community head must also sit in her street/township 妇联 at 执委 or higher.
PARENT_SEAT_ROLES = [Post.Role.CHAIR, Post.Role.VICE_CHAIR, Post.Role.STANDING, Post.Role.EXECUTIVE]
HEAD_ROLES = [Post.Role.CHAIR, Post.Role.DIRECTOR]
TIER3_KINDS = Unit.KINDS_BY_TIER[3]
TIER4_KINDS = Unit.KINDS_BY_TIER[4]


@dataclass(frozen=True)
class Quota:
    """One block of the docs/forms.md quota table (of one rule set)."""

    block: str
    label: str
    total_min: int
    total_max: int
    member_min: int
    member_max: int
    head_label: str
    vice_label: str
    member_label: str
    heads: int = 1  # exactly this many 主席/主任
    vice_min: int = 2  # at least this many 副主席/副主任

    @property
    def total_range(self) -> str:
        return f"{self.total_min}–{self.total_max}"

    @property
    def member_range(self) -> str:
        return f"{self.member_min}–{self.member_max}"


# The 2016 plan (哈妇发〔2016〕8号 三（三）2 选聘数额). These are the seed of the 2016 rule set (members
# migration 0008) and the fallback when a database holds no rule set at all (a flushed test database).
STREET_QUOTA = Quota("street", "乡镇（街道）妇联", 25, 35, 22, 32, "主席", "副主席", "执委")
VILLAGE_FEDERATION_QUOTA = Quota("village_federation", "村（社区）妇联", 15, 25, 12, 22, "主席", "副主席", "执委")
VILLAGE_CONGRESS_QUOTA = Quota("village_congress", "村（社区）妇代会", 7, 13, 4, 10, "主任", "副主任", "委员")
QUOTAS = [STREET_QUOTA, VILLAGE_FEDERATION_QUOTA, VILLAGE_CONGRESS_QUOTA]
BLOCK_ORDER = [q.block for q in QUOTAS]
RULES_2016_NAME = "2016年扩员配额（哈妇发〔2016〕8号）"
RULES_2016_SOURCE = "哈妇发〔2016〕8号《关于扩大基层妇联组织成员的工作方案》三（三）2 选聘数额"


@dataclass(frozen=True)
class Rules:
    """A rule set as the rules read it: its name and one Quota (or None) per block, in BLOCK_ORDER."""

    id: int | None
    name: str
    source: str
    quotas: tuple[Quota | None, ...]
    # The unit that made the rule set (RuleSet.unit); None for a rule set for everyone, like the 2016 one.
    issuer_id: int | None = None

    def by_block(self, block: str) -> Quota | None:
        return dict(zip(BLOCK_ORDER, self.quotas, strict=True)).get(block)

    @property
    def numbered(self) -> list[tuple[int, Quota | None]]:
        """[(block number 1–3, Quota or None)] as 附表4/5 number the blocks."""
        return list(enumerate(self.quotas, start=1))

    @property
    def label(self) -> str:
        return f"按《{self.name}》判定"

    def label_for(self, unit: Unit) -> str:
        """The label as `unit`'s own pages read it. A province judged by a rule set it did not make (the
        2016 one is Harbin's 哈妇发〔2016〕8号, seeded for everyone) says so, instead of citing a city's
        document as the province's rule."""
        if unit.kind == unit.Kind.PROVINCE and self.issuer_id != unit.pk:
            return f"暂按《{self.name}》的选聘数额判定（省妇联未另定全省配额，可在“配额规则集”中制定）"
        return self.label


DEFAULT_RULES = Rules(None, RULES_2016_NAME, RULES_2016_SOURCE, tuple(QUOTAS))


def rules_from(rule_set: RuleSet, quota_rows: Iterable[QuotaRule]) -> Rules:
    """Rules from a RuleSet row and its QuotaRule rows (labels and role names come from the blocks)."""
    rows = {row.block: row for row in quota_rows}
    quotas: list[Quota | None] = []
    for base in QUOTAS:
        row = rows.get(base.block)
        quotas.append(
            None
            if row is None
            else replace(
                base,
                total_min=row.total_min,
                total_max=row.total_max,
                member_min=row.member_min,
                member_max=row.member_max,
                heads=row.heads,
                vice_min=row.vice_min,
            )
        )
    return Rules(rule_set.pk, rule_set.name, rule_set.source, tuple(quotas), rule_set.unit_id)


def rules_of(rule_set: RuleSet) -> Rules:
    """The Rules of one RuleSet (a campaign's): one query for its quotas."""
    return rules_from(rule_set, QuotaRule.objects.filter(rule_set=rule_set))


def rules_in_effect(*, on: datetime.date, unit: Unit | None = None) -> Rules:
    """The Rules in effect on `on` for `unit` (docs/forms.md "Rule sets"), in one query, cached until
    the data (rule sets included) change (fedorg.freshness).

    The applicable rule set (for everyone, or defined by the unit or one above it) with the latest
    起用日期 on or before `on`; before the first one, the earliest. No rule set at all: the 2016 plan.
    """
    where = f"{unit.pk}:{unit.tree_id}:{unit.lft}:{unit.rght}" if unit is not None else "all"
    return freshness.cached(f"rules:{on.isoformat()}:{where}", lambda: _rules_in_effect(on=on, unit=unit))


def _rules_in_effect(*, on: datetime.date, unit: Unit | None) -> Rules:
    applicable = RuleSet.objects.applicable_to(unit)
    # On the same 起用日期 the rule set of the unit nearest below wins, and a rule set for everyone (no unit)
    # last: explicit, because PostgreSQL sorts NULL first in a descending order and SQLite last.
    # Nearest below: deepest in the city's tree, and a province (a tree of its own, level 0 like its
    # cities) above them all.
    depth = Case(
        When(unit__kind=Unit.Kind.PROVINCE, then=Value(-1)), default=F("unit__level"), output_field=IntegerField()
    )
    best = applicable.filter(effective_from__lte=on).order_by("-effective_from", depth.desc(nulls_last=True), "-id")
    earliest = applicable.order_by("effective_from", "id")
    rows = list(
        QuotaRule.objects.filter(
            Q(rule_set_id=Subquery(best.values("pk")[:1]))
            | (Q(rule_set_id=Subquery(earliest.values("pk")[:1])) & ~Exists(best))
        ).select_related("rule_set")
    )
    if not rows:
        return DEFAULT_RULES
    return rules_from(rows[0].rule_set, rows)


def reaches_quota(quota: Quota | None, *, total: int, head: int, vice: int) -> bool:
    """达标 (FORMS.md): the total inside the block's range, exactly `heads` heads (1), at least
    `vice_min` vice-heads (2), as the rule set's quota says.

    THE decision: the compliance page, the roster badge, the dashboard and 附表4's 已完成扩员个数
    all come here (附表4 through reaches_quota_sql, the same rule over the same quotas in SQL).
    """
    return (
        quota is not None
        and quota.total_min <= total <= quota.total_max
        and head == quota.heads
        and vice >= quota.vice_min
    )


def reaches_quota_sql(block: str, *, total: str, head: str, vice: str, rules: Rules = DEFAULT_RULES) -> str:
    """reaches_quota in SQL, for reports' block numbers (1, 2, 3 = the rule set's quotas in order);
    `block`, `total`, `head` and `vice` are SQL expressions. Generated from the same Quota objects,
    so the two cannot drift; a block the rule set has no quota for never 达标."""
    numbered = [(number, q) for number, q in rules.numbered if q is not None]
    if not numbered:
        return "(1 = 0)"

    def case(attr: str) -> str:
        whens = " ".join(f"WHEN {number} THEN {int(getattr(q, attr))}" for number, q in numbered)
        return f"(CASE {block} {whens} END)"

    return (
        f"({head} = {case('heads')} AND {vice} >= {case('vice_min')} "
        f"AND {total} >= {case('total_min')} AND {total} <= {case('total_max')})"
    )


def quota_for(unit: "Unit | DatedUnit", rules: Rules = DEFAULT_RULES) -> Quota | None:
    """The quota of a unit under `rules`, or None for units without one (province, city, district,
    new-field 妇联, or a block the rule set leaves out).

    The blocks name streets/townships and communities/villages, so they go by kind; a new-field
    妇联 is in no block (docs/forms.md "New-field federations").
    """
    return _quota_of(unit.kind, unit.org_form, rules)


def _quota_of(kind: str, org_form: str, rules: Rules = DEFAULT_RULES) -> Quota | None:
    if kind in TIER3_KINDS:
        return rules.by_block("street")
    if kind in TIER4_KINDS:
        return rules.by_block("village_congress" if org_form == Unit.OrgForm.CONGRESS else "village_federation")
    return None


# A community or village head who holds no seat in her street or township (docs/forms.md, cross-level rule).
CROSS_LEVEL_RULE = "cross_level.head_not_in_parent"


@dataclass(frozen=True)
class Finding:
    severity: str
    unit: Unit
    rule: str
    message: str
    fix_url: str
    detail: str = ""  # the message without the unit's name, for pages that already show it
    fails_quota: bool = False  # makes the unit 未达标
    roster_url: str = ""  # the unit's roster page

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def is_fixed_in_parent(self) -> bool:
        """The fix is an appointment in the parent unit (the cross-level rule), not in this unit's roster."""
        return self.rule == CROSS_LEVEL_RULE


@dataclass
class Tally:
    """Current members of one unit, each person once under her highest post (delegates apart)."""

    head: int = 0
    vice: int = 0
    member: int = 0

    @property
    def total(self) -> int:
        return self.head + self.vice + self.member


@dataclass
class Assessment:
    unit: Unit
    quota: Quota | None
    tally: Tally
    findings: list[Finding] = field(default_factory=list)
    rules: Rules = DEFAULT_RULES  # the rule set 达标 was judged by

    @property
    def is_compliant(self) -> bool:
        """达标 (reaches_quota); the cross-level rule and notices do not count."""
        return reaches_quota(self.quota, total=self.tally.total, head=self.tally.head, vice=self.tally.vice)

    @property
    def reasons(self) -> list[str]:
        return [f.message for f in self.findings if f.fails_quota]

    @property
    def short_reasons(self) -> list[str]:
        return [f.detail for f in self.findings if f.fails_quota]


_PLACEHOLDER = 987654321


def url_maker(name: str) -> Callable[[int], str]:
    """pk -> URL of `name`, with reverse() run once: a page of thousands of findings paid for one each."""
    pattern = reverse(name, args=[_PLACEHOLDER])
    return lambda pk: pattern.replace(str(_PLACEHOLDER), str(int(pk)))


def _roster_url(unit_id: int) -> str:
    return reverse("members:roster", args=[unit_id])


def _rank_case() -> str:
    """A post's GROUP_RANK in SQL (CASE p.role ...)."""
    return " ".join(f"WHEN '{role}' THEN {GROUP_RANK[group]}" for role, group in ROLE_GROUP.items())


def _in(values: Iterable[str]) -> str:
    """A SQL IN-list of our own constant codes (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def tally_unit(unit: Unit, *, on: datetime.date) -> Tally:
    """The unit's leadership posts held on `on`, by group, in one query (a whole subtree is review_subtree's).

    The inner query finds each person's best rank in the unit; the outer one counts people per
    rank, so a person holding two leadership posts in one unit still counts once.
    """
    sql = (
        "SELECT best.rank, COUNT(*) FROM ("  # noqa: S608 - table name and roles are ours; values are bound
        f"SELECT p.person_id, MIN(CASE p.role {_rank_case()} END) AS rank FROM {Post._meta.db_table} p "
        f"WHERE p.unit_id = %(unit)s AND p.role <> %(delegate)s AND {held_on_sql('p', 'on')} "
        "GROUP BY p.person_id"
        ") best GROUP BY best.rank"
    )
    params = {"unit": unit.pk, "delegate": Post.Role.DELEGATE.value, "on": on}
    names = {rank: group for group, rank in GROUP_RANK.items()}
    tally = Tally()
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        for rank, count in cursor.fetchall():
            setattr(tally, names[rank], count)
    return tally


# The quota rules whose failure makes a unit 未达标.
QUOTA_RULES = {
    "quota.empty",
    "quota.total_low",
    "quota.total_high",
    "quota.head_missing",
    "quota.head_multiple",
    "quota.vice_few",
}


def _finding(severity: str, unit: Unit, rule: str, detail: str, fix_url: str, roster_url: str = "") -> Finding:
    return Finding(
        severity,
        unit,
        rule,
        f"{unit.name}{detail}",
        fix_url,
        detail,
        fails_quota=rule in QUOTA_RULES,
        roster_url=roster_url or fix_url,  # a quota finding's fix is its unit's roster
    )


def _quota_findings(unit: Unit, quota: Quota, tally: Tally, url: str | None = None) -> list[Finding]:
    """The quota rules of one unit; an empty roster gets one finding, not four."""
    url = url or _roster_url(unit.pk)
    if tally.total == 0:
        return [
            _finding(
                ERROR,
                unit,
                "quota.empty",
                f"没有在任成员，{quota.label}应有 {quota.total_range} 人"
                f"（{quota.head_label} {quota.heads} 人、{quota.vice_label}至少 {quota.vice_min} 人）。",
                url,
            )
        ]
    findings: list[Finding] = []
    if tally.total < quota.total_min:
        findings.append(
            _finding(
                WARNING,
                unit,
                "quota.total_low",
                f"成员 {tally.total} 人，少于 {quota.total_min} 人（{quota.label}应为 {quota.total_range} 人）。",
                url,
            )
        )
    elif tally.total > quota.total_max:
        findings.append(
            _finding(
                WARNING,
                unit,
                "quota.total_high",
                f"成员 {tally.total} 人，多于 {quota.total_max} 人（{quota.label}应为 {quota.total_range} 人）。",
                url,
            )
        )
    if tally.head < quota.heads:
        findings.append(
            _finding(WARNING, unit, "quota.head_missing", f"没有{quota.head_label}，应有 {quota.heads} 人。", url)
            if tally.head == 0
            else _finding(
                WARNING, unit, "quota.head_missing", f"{quota.head_label} {tally.head} 人，应有 {quota.heads} 人。", url
            )
        )
    elif tally.head > quota.heads:
        findings.append(
            _finding(
                ERROR,
                unit,
                "quota.head_multiple",
                f"有 {tally.head} 名{quota.head_label}，只能有 {quota.heads} 人。",
                url,
            )
        )
    if tally.vice < quota.vice_min:
        findings.append(
            _finding(
                WARNING,
                unit,
                "quota.vice_few",
                f"{quota.vice_label} {tally.vice} 人，少于 {quota.vice_min} 人。",
                url,
            )
        )
    elif tally.vice > quota.vice_min:
        findings.append(
            _finding(
                NOTICE,
                unit,
                "quota.vice_many",
                f"{quota.vice_label} {tally.vice} 人，多于方案的 {quota.vice_min} 人（不影响达标）。",
                url,
            )
        )
    # With the total in range and the head and vice-heads as planned, the member count follows;
    # it only strays when there are extra vice-heads, which the plan allows.
    faultless = not any(f.fails_quota for f in findings)
    if faultless and not quota.member_min <= tally.member <= quota.member_max:
        findings.append(
            _finding(
                NOTICE,
                unit,
                "quota.members_range",
                f"{quota.member_label} {tally.member} 人，不在方案的 {quota.member_range} 人之内（不影响达标）。",
                url,
            )
        )
    return findings


def _missing_parent_seats_sql(parent_name_join: str) -> str:
    """Heads of the village/community units of `sub` who hold no 执委-or-higher post in the parent on %(on)s.

    SELECT unit_id, person_id, person name, role, parent_id, parent name, sort, each head once; `sub`
    has the units' id, parent_id, kind and sort; `parent_name_join` joins `pn`, the parent, for its name.
    """
    post, person = Post._meta.db_table, Person._meta.db_table
    return f"""SELECT p.unit_id, p.person_id, pe.name AS person_name, p.role, s.parent_id, pn.name AS parent_name, s.sort
FROM sub s
JOIN {post} p ON p.unit_id = s.id
JOIN {person} pe ON pe.id = p.person_id
LEFT JOIN {parent_name_join}
WHERE s.kind IN {_in(TIER4_KINDS)} AND p.role IN {_in(HEAD_ROLES)} AND {held_on_sql("p", "on")}
AND NOT EXISTS (
    SELECT 1 FROM {post} q WHERE q.person_id = p.person_id AND q.unit_id = s.parent_id
    AND q.role IN {_in(PARENT_SEAT_ROLES)} AND {held_on_sql("q", "on")}
)"""  # noqa: S608 - our own table names and codes; values are bound


def _unit_missing_parent_seats(unit: Unit, *, on: datetime.date) -> list[tuple[Any, ...]]:
    """_missing_parent_seats_sql for one unit as it is now (the roster badge), ordered by name: one query."""
    unit_table = Unit._meta.db_table
    sql = (
        f"WITH sub AS (SELECT u.id, u.parent_id, u.kind, '' AS sort FROM {unit_table} u "  # noqa: S608 - our table
        "WHERE u.id = %(unit_id)s AND u.archived_at IS NULL)\n"
        f"{_missing_parent_seats_sql(f'{unit_table} pn ON pn.id = s.parent_id')}\nORDER BY pe.name, p.id"
    )
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, {"unit_id": unit.pk, "on": on.isoformat()})
        return cursor.fetchall()


def _cross_level_findings(
    units: Mapping[int, Unit],
    missing: Iterable[Sequence[Any]],
    *,
    appoint_url: Callable[[int], str] | None = None,
    roster_url: Callable[[int], str] = _roster_url,
) -> list[Finding]:
    """The findings of the heads `missing` lists (rows of _missing_parent_seats_sql), each on its unit in `units`.

    The review reads them in the same statement as its units (the subtree as it stood on the date,
    parents named as they were then), the roster badge for its one unit as it is now.

    Severity is warning, not error: docs/forms.md defines 达标 by the quotas alone, so this rule must not
    change the 达标 count or block a district's return; the fix is made on the parent's roster.
    """
    findings: list[Finding] = []
    for pk, person_id, person_name, role, parent_id, parent_name, *_sort in missing:
        unit = units[pk]
        role_label = Post.Role(role).label
        base = appoint_url(parent_id) if appoint_url else reverse("members:appoint_existing", args=[parent_id])
        fix_url = base + f"?person={person_id}&role=executive"
        findings.append(
            _finding(
                WARNING,
                unit,
                CROSS_LEVEL_RULE,
                f"{role_label}{person_name}不是{parent_name}的执委（或更高职务），应进入上级妇联执委会。",
                fix_url,
                roster_url(pk),
            )
        )
    return findings


def _sorted(findings: Iterable[Finding], order: Mapping[int, int]) -> list[Finding]:
    return sorted(findings, key=lambda f: (order.get(f.unit.pk, 0), SEVERITY_ORDER[f.severity]))


@dataclass
class BlockSummary:
    """How many units of one quota block the subtree has, and how many of them 达标."""

    quota: Quota
    units: int = 0
    compliant: int = 0

    @property
    def failing(self) -> int:
        return self.units - self.compliant


@dataclass
class SubtreeReview:
    findings: list[Finding]
    blocks: list[BlockSummary]
    rules: Rules = DEFAULT_RULES  # the rule set 达标 was judged by
    # The subtree's units as they stood on the date, in tree order: (pk, name, kind, org_form,
    # parent_id, the name of the reviewed unit's parent, level, code, head, vice, member, sort key).
    rows: list[list[Any]] = field(default_factory=list, repr=False)

    def paths(self) -> dict[int, tuple[str, str]]:
        """{pk: (path, code)} of the reviewed units, as they stood on the date, the path naming each
        unit with its parents from the reviewed unit down ("道里区 / 兆麟街道 / 康乐社区")."""
        paths: dict[int, tuple[str, str]] = {}
        for pk, name, _kind, _form, parent_id, _pname, _level, code, *_tally in self.rows:
            parent = paths.get(parent_id) if paths else None
            paths[pk] = (f"{parent[0]} / {name}" if parent else name, code)
        return paths


# The two kinds of rows of dated_subtree_sql.
UNIT_ROW, MISSING_SEAT_ROW = 0, 1


def dated_subtree_sql(posts_on: str = "on") -> str:
    """The subtree of %(unit_id)s as it stood on %(on)s, with its tallies and its heads missing from the parent.

    `posts_on` names the day the tallies count posts on (the tree's day by default): the pilot report's
    扩员前 counts the baseline's posts in the count date's units, as 附表4 does.

    One statement, one walk: the units come from the versions in force that day
    (orgtree.versions.tree_cte, the 附表's walk). Rows tagged UNIT_ROW, in tree order, are the units
    (SubtreeReview.rows after the tag) with their counts from their posts held that day, by unit id
    (each person once per unit, under her best rank; delegates apart). Rows tagged MISSING_SEAT_ROW
    are _missing_parent_seats_sql's, parents named as they were that day.
    """
    post, version = Post._meta.db_table, UnitVersion._meta.db_table
    counts = ", ".join(
        f"SUM(CASE WHEN b.rnk = {GROUP_RANK[g]} THEN 1 ELSE 0 END) AS n_{g}" for g in (HEAD, VICE, MEMBER)
    )
    missing = _missing_parent_seats_sql(f"{version} pn ON pn.unit_id = s.parent_id AND {valid_on_sql('pn')}")
    return f"""WITH RECURSIVE {tree_cte()},
best AS (
    SELECT p.unit_id, p.person_id, MIN(CASE p.role {_rank_case()} END) AS rnk
    FROM {post} p
    WHERE p.unit_id IN (SELECT id FROM sub) AND p.role <> %(delegate)s AND {held_on_sql("p", posts_on)}
    GROUP BY p.unit_id, p.person_id
),
tally AS (SELECT b.unit_id, {counts} FROM best b GROUP BY b.unit_id),
missing AS ({missing})
SELECT {UNIT_ROW} AS tag, s.id, s.name, s.kind, s.org_form, s.parent_id, pn.name, s.level, s.code,
       t.n_head, t.n_vice, t.n_member, s.sort
FROM sub s
LEFT JOIN tally t ON t.unit_id = s.id
LEFT JOIN {version} pn ON s.id = %(unit_id)s AND pn.unit_id = s.parent_id AND {valid_on_sql("pn")}
UNION ALL
SELECT {MISSING_SEAT_ROW}, m.unit_id, m.person_name, m.role, NULL, m.parent_id, m.parent_name, NULL, NULL,
       m.person_id, NULL, NULL, m.sort
FROM missing m
ORDER BY 1, 13, 3, 2"""  # noqa: S608 - our own table names and roles; values are bound


@dataclass(frozen=True)
class DatedUnit:
    """A unit as it stood on a date (its version then), with its members' tally on that or another date."""

    pk: int
    name: str
    code: str
    kind: str
    org_form: str
    tally: Tally

    @property
    def kind_label(self) -> str:
        return Unit.Kind(self.kind).label

    @property
    def org_form_label(self) -> str:
        return Unit.OrgForm(self.org_form).label


def dated_units(unit: Unit, *, on: datetime.date, posts_on: datetime.date | None = None) -> dict[int, DatedUnit]:
    """{unit_id: DatedUnit} of the subtree as it stood on `on`, in tree order, tallied on `posts_on`
    (default `on`). One statement (dated_subtree_sql)."""
    params = {"unit_id": unit.pk, "on": on.isoformat(), "delegate": Post.Role.DELEGATE.value}
    if posts_on is not None:
        params["posts_on"] = posts_on.isoformat()
    units: dict[int, DatedUnit] = {}
    with reading_connection().cursor() as cursor:
        cursor.execute(dated_subtree_sql("on" if posts_on is None else "posts_on"), params)
        for tag, pk, name, kind, org_form, _parent, _pname, _level, code, head, vice, member, _sort in cursor:
            if tag == UNIT_ROW:
                units[pk] = DatedUnit(pk, name, code, kind, org_form, Tally(head or 0, vice or 0, member or 0))
    return units


def review_subtree(unit: Unit, *, on: datetime.date, rules: Rules | None = None) -> SubtreeReview:
    """Findings for the unit and its descendants as they stood on `on`, in tree order, plus 达标 counts per block.

    The units are those of the tree on `on` (orgtree.UnitVersion, the 附表's walk), each judged by
    its kind and 妇联/妇代会 of that day: a unit founded after `on` is not listed, one archived or
    moved away since is, a 妇代会 converted since is judged as a 妇代会. `rules` defaults to the rule
    set in effect on `on` (two more queries: the unit's bounds, read fresh since an instance held in
    memory goes stale after a tree write elsewhere, and the rule set). The rest is one statement,
    whatever the size of the subtree.
    """
    if rules is None:
        tree_id, lft, rght = Unit.objects.filter(pk=unit.pk).values_list("tree_id", "lft", "rght").get()
        rules = rules_in_effect(on=on, unit=Unit(pk=unit.pk, tree_id=tree_id, lft=lft, rght=rght))
    # Plain rows, in tree order: Unit instances are made only for the units that have a finding.
    params = {"unit_id": unit.pk, "on": on.isoformat(), "delegate": Post.Role.DELEGATE.value}
    rows: list[list[Any]] = []
    missing: list[list[Any]] = []
    with reading_connection().cursor() as cursor:
        cursor.execute(dated_subtree_sql(), params)
        for tag, *row in cursor.fetchall():
            (rows if tag == UNIT_ROW else missing).append(row)
    units = _LazyUnits(rows)
    roster_url = url_maker("members:roster")
    blocks = {quota.block: BlockSummary(quota) for quota in rules.quotas if quota is not None}
    findings: list[Finding] = []
    for pk, _name, kind, org_form, _parent, _pname, _level, _code, head, vice, member, _sort in rows:
        quota = _quota_of(kind, org_form, rules)
        if quota is None:
            continue
        tally = Tally(head or 0, vice or 0, member or 0)
        blocks[quota.block].units += 1
        compliant = reaches_quota(quota, total=tally.total, head=tally.head, vice=tally.vice)
        blocks[quota.block].compliant += compliant
        if compliant and quota.member_min <= tally.member <= quota.member_max and tally.vice <= quota.vice_min:
            continue  # nothing to report: no Unit made, no finding built
        findings += _quota_findings(units[pk], quota, tally, roster_url(pk))
    # A MISSING_SEAT_ROW is (unit_id, person's name, role, -, parent_id, parent's name, -, -, person_id, ...).
    heads = [(row[0], row[8], row[1], row[2], row[4], row[5]) for row in missing]
    findings += _cross_level_findings(
        units, heads, appoint_url=url_maker("members:appoint_existing"), roster_url=roster_url
    )
    order = {row[0]: i for i, row in enumerate(rows)}
    return SubtreeReview(
        findings=_sorted(findings, order),
        blocks=[b for b in blocks.values() if b.units],
        rules=rules,
        rows=rows,
    )


class _LazyUnits(dict[int, Unit]):
    """{pk: Unit} over rows from review_subtree, making each Unit (with its parent's name) when first asked for.

    The units are as they stood on the review's date: name, code, kind, 妇联/妇代会, parent and depth
    from their version of that day; a parent is named by its own row, or (for the reviewed unit's
    parent, above the subtree) by the name the row carries.
    """

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        super().__init__()
        self._rows = {row[0]: row for row in rows}

    def __missing__(self, pk: int) -> Unit:
        _pk, name, kind, org_form, parent_id, parent_name, level, code, *_tally = self._rows[pk]
        if parent_id in self._rows:
            parent_name = self._rows[parent_id][1]
        parent = None if parent_id is None else _unit_from_row(id=parent_id, name=parent_name)
        unit = _unit_from_row(
            id=pk,
            name=name,
            code=code,
            kind=kind,
            org_form=org_form,
            parent_id=parent_id,
            level=level,
            parent=parent,
        )
        self[pk] = unit
        return unit


def _unit_from_row(*, parent: Unit | None = None, **values: Any) -> Unit:
    """A Unit as Unit.from_db would give it with only these fields loaded, without running __init__.

    Django's and django-mptt's __init__ cost about 0.1 ms a unit, which a city's compliance page
    paid 1,500 times (issue 15). The instance is for reading: a field not given loads on access,
    as a deferred field does; the parent is cached, as select_related would.
    """
    unit = Unit.__new__(Unit)
    state = ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    unit.__dict__.update(values, _state=state)
    if "code" in values:  # what mptt's __init__ records, so that save() would still work
        unit._mptt_cached_fields = {"tree_parent": values.get("tree_parent_id"), "code": values["code"]}
    if parent is not None:
        state.fields_cache["parent"] = parent
    return unit


def evaluate_subtree(unit: Unit, *, on: datetime.date, rules: Rules | None = None) -> list[Finding]:
    """Every finding for the unit and its descendants as they stood on date `on` (three queries)."""
    return review_subtree(unit, on=on, rules=rules).findings


def assess_unit(unit: Unit, *, on: datetime.date, rules: Rules | None = None) -> Assessment:
    """Counts, quota and findings of one unit, in four queries (the roster page's badge).

    The unit is judged by its kind and 妇联/妇代会 on `on` (its version then), as the compliance page and
    附表4 judge it: a roster looked at before a 会改联 shows the 妇代会 quota.
    """
    if rules is None:
        rules = rules_in_effect(on=on, unit=unit)
    then = UnitVersion.objects.valid_on(on).filter(unit_id=unit.pk).values_list("kind", "org_form").first()
    kind, org_form = then or (unit.kind, unit.org_form)
    quota = _quota_of(kind, org_form, rules)
    tally = tally_unit(unit, on=on)
    findings: list[Finding] = []
    if quota is not None and not unit.is_archived:
        findings += _quota_findings(unit, quota, tally)
        if kind in TIER4_KINDS:
            findings += _cross_level_findings({unit.pk: unit}, _unit_missing_parent_seats(unit, on=on))
    return Assessment(unit=unit, quota=quota, tally=tally, findings=_sorted(findings, {}), rules=rules)


def evaluate_unit(unit: Unit, *, on: datetime.date, rules: Rules | None = None) -> list[Finding]:
    """The findings of one unit on date `on`."""
    return assess_unit(unit, on=on, rules=rules).findings
