"""The kinds of background job, registered by the apps that own the work.

`jobs` sits below `members` and `reports` (.importlinter), so it cannot import their code: each
app registers its kinds in its AppConfig.ready(), and the worker looks a job's kind up here.

A job function is called as `func(job, progress, out)`: `out` is the path to write the result
file to, `progress(done, total)` records how far it got (and raises `Cancelled` when the
requester cancelled). It returns a JobOutcome: the download's file name and a summary line.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Cancelled(Exception):
    """The requester cancelled the job (or the worker is stopping): stop and write nothing."""


class JobError(Exception):
    """A failure whose message is meant for the requester (anything else shows a generic one)."""


@dataclass(frozen=True)
class JobOutcome:
    filename: str = ""
    message: str = ""


KINDS: dict[str, Callable[..., JobOutcome]] = {}
# Kinds the app starts itself (a submitted return's PDF): they do not count towards a user's cap,
# which bounds what she asks for.
UNCAPPED: set[str] = set()


def register(kind: str, *, capped: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        KINDS[kind] = func
        if not capped:
            UNCAPPED.add(kind)
        return func

    return decorate
