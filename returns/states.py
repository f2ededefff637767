"""The one table of a return's states and transitions.

Every part of the app that asks "what may happen to this return now, and who may do it" reads this
file: the services' guards, the views' buttons, the API, completeness, notifications and the
templates' badges. Adding a state means a row in STATES (its label and look), the transitions into
and out of it in TRANSITIONS, and a migration for the new choice of `Return.status`.

The flow (哈妇发〔2016〕8号: districts file, the city office reviews):

    未上报 ──上报──▶ 待审核 ──审核通过──▶ 已通过
                      │   ▲                 │
                  退回修改  上报(重报)      重新打开 (city admin)
                      ▼   │                 │
                     已退回 ◀────────────────┘
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orgtree.access import is_strictly_below_user_unit, visible_units


@dataclass(frozen=True)
class State:
    value: str  # stored in Return.status
    name: str  # the choice's Python name (Return.Status.SUBMITTED)
    label: str  # what every page, file and message calls it
    badge: str  # the CSS class of its badge: "" (neutral), "wait", "ok" or "fail"
    reported: bool  # counts as filed on the completeness dashboard (上报率, 按时率)
    locked: bool  # nothing may change it but a transition out (no attachments, no resubmission)
    final: bool  # its snapshot is the filed return: the stamped file may be downloaded and printed


STATES: tuple[State, ...] = (
    State("draft", "DRAFT", "未上报", "", reported=False, locked=False, final=False),
    State("submitted", "SUBMITTED", "待审核", "wait", reported=True, locked=True, final=False),
    State("returned", "RETURNED", "已退回", "fail", reported=False, locked=False, final=False),
    State("approved", "APPROVED", "已通过", "ok", reported=True, locked=True, final=True),
)
BY_VALUE = {state.value: state for state in STATES}


def state(value: str) -> State:
    return BY_VALUE[value]


# --- who may act -----------------------------------------------------------------------------------


def can_submit(user: Any, unit: Any) -> bool:
    """Staff or admin of the district or of a unit above it."""
    return bool(user.is_authenticated and user.can_edit and visible_units(user).filter(pk=unit.pk).exists())


def can_review(user: Any, unit: Any) -> bool:
    """Reviewer or admin bound to a unit strictly above the district (the city office)."""
    return bool(user.is_authenticated and user.can_review and is_strictly_below_user_unit(user, unit))


def can_reopen(user: Any, unit: Any) -> bool:
    """Only an admin above the district (the city admin) may unlock an approved return."""
    return bool(user.is_authenticated and user.can_manage_tree and is_strictly_below_user_unit(user, unit))


@dataclass(frozen=True)
class Transition:
    action: str  # stored in ReturnEvent.action
    label: str  # the button and the history say this
    sources: frozenset[str]  # the states it leaves
    target: str  # the state it enters
    who: Callable[[Any, Any], bool]  # (user, district) -> may this user do it


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", "上报", frozenset({"draft", "returned"}), "submitted", can_submit),
    Transition("approve", "审核通过", frozenset({"submitted"}), "approved", can_review),
    Transition("send_back", "退回修改", frozenset({"submitted"}), "returned", can_review),
    Transition("reopen", "重新打开", frozenset({"approved"}), "returned", can_reopen),
)
BY_ACTION = {t.action: t for t in TRANSITIONS}


def transition(action: str) -> Transition:
    return BY_ACTION[action]


def allowed(action: str, status: str) -> bool:
    """Whether a return in `status` may take `action` (whoever asks)."""
    return status in BY_ACTION[action].sources


def may(user: Any, action: str, ret: Any) -> bool:
    """Whether `user` may take `action` on `ret` now: its state allows it and the user is one who may."""
    t = BY_ACTION[action]
    return ret.status in t.sources and t.who(user, ret.unit)


def refusal(action: str, status: str) -> str:
    """The message for a transition the state does not allow, naming the state and the states it needs."""
    t = BY_ACTION[action]
    needed = "或".join(f"“{BY_VALUE[s].label}”" for s in sorted(t.sources, key=[s.value for s in STATES].index))
    return f"当前状态为“{BY_VALUE[status].label}”，只有{needed}的报表可以{t.label}。"


def reported_values() -> list[str]:
    """The states that count as filed (completeness, notifications)."""
    return [s.value for s in STATES if s.reported]
