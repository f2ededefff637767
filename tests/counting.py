"""Work counted, not timed: the unit suite bounds how much a call does, never how long it takes.

A loaded CI machine makes any wall-clock bound either loose enough to be useless or tight enough
to fail for no reason (issue 20). What grows with a hostile input is work, and work can be counted:

- `python_steps(call)`: the Python lines executed (sys.settrace 'line' events) in the call;
- `regex_inputs(*modules)`: every string a regular expression of those modules was given, with the
  pattern, so a test can say "a backtracking pattern only ever sees short text";
- `inflated_bytes()`: the bytes decompressed out of every zip member read during the block.

Timings belong in bench/.
"""

from __future__ import annotations

import contextlib
import re
import sys
import types
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]


def python_steps(call: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """(outcome or the exception raised, Python lines executed while running `call(*args)`)."""
    steps = 0

    def tracer(frame: types.FrameType, event: str, arg: Any) -> Any:
        nonlocal steps
        if event == "line":
            steps += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        outcome = call(*args)
    except Exception as exc:  # noqa: BLE001 - the caller judges the outcome
        outcome = exc
    finally:
        sys.settrace(previous)
    return outcome, steps


_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT} | (
    {sre_constants.POSSESSIVE_REPEAT} if hasattr(sre_constants, "POSSESSIVE_REPEAT") else set()
)
_ZERO_WIDTH = {sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT}


def can_backtrack(pattern: str | bytes) -> bool:
    """Whether a pattern can take superlinear time: an unbounded repeat inside another, or two
    unbounded repeats with nothing mandatory between them (`\\s*(?:x)?\\s*`), which split one run of
    text between them in every possible way. Conservative: it may flag a pattern that is safe."""

    def contains_unbounded(items: Any) -> bool:
        for op, av in items:
            if op in _REPEATS and (av[1] == sre_constants.MAXREPEAT or contains_unbounded(av[2])):
                return True
            if op is sre_constants.SUBPATTERN and contains_unbounded(av[-1]):
                return True
            if op is sre_constants.BRANCH and any(contains_unbounded(b) for b in av[1]):
                return True
        return False

    def walk(items: Any, pending: bool) -> tuple[bool, bool]:
        """(dangerous, an unbounded repeat is still 'open' at the end) for one sequence."""
        for op, av in items:
            if op in _REPEATS:
                low, high, sub = av
                if high == sre_constants.MAXREPEAT:
                    if pending or contains_unbounded(sub):
                        return True, True
                    pending = True
                    continue
                danger, inner = walk(sub, pending)
                if danger:
                    return True, True
                pending = (pending or inner) if low == 0 else inner
            elif op is sre_constants.SUBPATTERN:
                danger, pending = walk(av[-1], pending)
                if danger:
                    return True, True
            elif op is sre_constants.BRANCH:
                outcomes = [walk(branch, pending) for branch in av[1]]
                if any(d for d, _ in outcomes):
                    return True, True
                pending = any(p for _, p in outcomes)
            elif op not in _ZERO_WIDTH:
                pending = False
        return False, pending

    text = pattern if isinstance(pattern, str) else pattern.decode("latin-1")
    return walk(sre_parse.parse(text), False)[0]


def fails_after_repeat(pattern: str | bytes) -> bool:
    """Whether something must still match after an unbounded repeat. Searched (not anchored), such a
    pattern re-scans the run from every start position: `\\(.*?\\)` on 10,000 "(" is quadratic."""

    def walk(items: Any, pending: bool) -> bool:
        for op, av in items:
            if op in _REPEATS:
                if pending and av[0] > 0:
                    return True
                if av[1] == sre_constants.MAXREPEAT:
                    pending = True
                elif walk(av[2], pending):
                    return True
            elif op is sre_constants.SUBPATTERN:
                if walk(av[-1], pending):
                    return True
            elif op is sre_constants.BRANCH:
                if any(walk(branch, pending) for branch in av[1]):
                    return True
            elif op is sre_constants.AT:
                continue
            elif pending:
                return True
        return False

    text = pattern if isinstance(pattern, str) else pattern.decode("latin-1")
    return walk(sre_parse.parse(text), False)


@dataclass
class RegexInputs:
    """(pattern, length of the text it was given) for every regex call seen."""

    seen: list[tuple[str, str, str]] = field(default_factory=list)  # (pattern, "match" or "search", text)

    def record(self, pattern: Any, text: Any, how: str) -> None:
        source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        anchored = "match" if how in ("match", "fullmatch") else "search"
        self.seen.append((source if isinstance(source, str) else repr(source), anchored, str(text)))

    def risky(self, reviewed: dict[str, Callable[[str], bool]] | None = None) -> list[tuple[str, int]]:
        """(pattern, length) of each call that could take superlinear time on its text.

        `reviewed` maps a pattern known to be linear on the texts it gets to the precondition that
        makes it so (checked on every text it was given)."""
        reviewed = reviewed or {}
        out = []
        for source, how, text in self.seen:
            if source in reviewed and reviewed[source](text):
                continue
            if can_backtrack(source) or (how == "search" and fails_after_repeat(source)):
                out.append((source, len(text)))
        return out


class _CountedPattern:
    def __init__(self, compiled: re.Pattern[Any], inputs: RegexInputs) -> None:
        self._compiled, self._inputs = compiled, inputs

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._compiled, name)
        if name in ("match", "fullmatch", "search", "findall", "finditer", "split", "sub", "subn"):

            def counted(*args: Any, **kwargs: Any) -> Any:
                text = args[1] if name in ("sub", "subn") else args[0]
                self._inputs.record(self._compiled, text, name)
                return method(*args, **kwargs)

            return counted
        return method


class _CountedRe(types.SimpleNamespace):
    """Stands in for the `re` module inside the modules under test."""

    def __init__(self, inputs: RegexInputs) -> None:
        super().__init__()
        for name in dir(re):
            if not name.startswith("__"):
                setattr(self, name, getattr(re, name))
        for name in ("match", "fullmatch", "search", "findall", "finditer", "split"):
            setattr(self, name, self._wrap(name, text_at=1))
        for name in ("sub", "subn"):
            setattr(self, name, self._wrap(name, text_at=2))
        self.compile = lambda pattern, flags=0: _CountedPattern(re.compile(pattern, flags), inputs)
        self._inputs = inputs

    def _wrap(self, name: str, text_at: int) -> Callable[..., Any]:
        function = getattr(re, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._inputs.record(args[0], args[text_at], name)
            return function(*args, **kwargs)

        return counted


@contextlib.contextmanager
def regex_inputs(*modules: types.ModuleType) -> Iterator[RegexInputs]:
    """Record every regex call the modules make: through `re.*` and through their compiled patterns."""
    inputs = RegexInputs()
    with pytest.MonkeyPatch.context() as patch:
        for module in modules:
            if getattr(module, "re", None) is re:
                patch.setattr(module, "re", _CountedRe(inputs))
            for name, value in list(vars(module).items()):
                if isinstance(value, re.Pattern):
                    patch.setattr(module, name, _CountedPattern(value, inputs))
                elif isinstance(value, tuple | list) and value and all(isinstance(v, re.Pattern) for v in value):
                    patch.setattr(module, name, type(value)(_CountedPattern(v, inputs) for v in value))
        yield inputs


@contextlib.contextmanager
def inflated_bytes() -> Iterator[list[int]]:
    """Count the bytes read out of zip members during the block (a one-item list, updated in place)."""
    total = [0]
    originals = {name: getattr(zipfile.ZipExtFile, name) for name in ("read", "read1")}

    def counting(name: str) -> Callable[..., bytes]:
        original = originals[name]

        def read(self: zipfile.ZipExtFile, *args: Any, **kwargs: Any) -> bytes:
            data = original(self, *args, **kwargs)
            total[0] += len(data)
            return data

        return read

    with pytest.MonkeyPatch.context() as patch:
        for name in originals:
            patch.setattr(zipfile.ZipExtFile, name, counting(name))
        yield total
