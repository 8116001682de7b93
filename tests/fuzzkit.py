"""The fuzz harness: run a generated case, classify what happened, keep the tally.

Outcomes (the figures the closing notes report):

* ``correct``      - valid input, the call returned, and the oracle confirmed the answer;
* ``clean_error``  - invalid input, and a terrain error (CLI: exit 1 and one ``Error:`` line, or click's
  usage error, exit 2) said so, leaving no output behind;
* ``crash``        - any other exception (a traceback);
* ``hang``         - the case ran past its time bound;
* ``silent_wrong`` - invalid input accepted, or an answer the oracle refutes;
* ``garbage``      - a failed run that left files behind, a multi-line or traceback error text,
  an unreadable output, or valid input refused.

Every family draws its cases from a seeded ``numpy.random.Generator``; the suite's size is
``--fuzz-scale`` (default 1; ``--runslow`` makes it 10).
"""

from __future__ import annotations

import signal
import time
import traceback
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from terrain.errors import TerrainError

OUTCOMES = ("correct", "clean_error", "crash", "hang", "silent_wrong", "garbage")


class Hang(BaseException):
    """Raised by the watchdog inside a case that ran past its bound (a BaseException: not swallowed)."""


@contextmanager
def watchdog(seconds: float):
    """Raise Hang in the main thread after ``seconds`` (SIGALRM; Python code is interrupted between bytecodes)."""
    def fire(signum, frame):
        raise Hang(f"ran past {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Refuted(Exception):
    """The oracle found the answer wrong."""


@dataclass
class Tally:
    """Outcome counts per family and per case kind, with the first few failures kept for the report."""

    counts: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)

    def add(self, family: str, kind: str, outcome: str, detail: str = "") -> None:
        self.counts[(family, outcome)] += 1
        self.kinds[(family, kind)] += 1
        if outcome not in ("correct", "clean_error") and len(self.failures) < 40:
            self.failures.append(f"{family}/{kind}: {outcome}: {detail}"[:600])

    def bad(self, family: str | None = None) -> int:
        return sum(n for (fam, out), n in self.counts.items()
                   if out not in ("correct", "clean_error") and (family is None or fam == family))

    def table(self) -> str:
        families = sorted({fam for fam, _ in self.counts})
        head = f"{'family':10s} {'tried':>6s} " + " ".join(f"{o:>12s}" for o in OUTCOMES)
        lines = [head]
        for fam in [*families, "all"]:
            row = [sum(n for (f, o), n in self.counts.items() if (fam == "all" or f == fam) and o == out)
                   for out in OUTCOMES]
            lines.append(f"{fam:10s} {sum(row):6d} " + " ".join(f"{n:12d}" for n in row))
        return "\n".join(lines)


TALLY = Tally()


def describe(call) -> str:
    """The values a case's lambda closes over (its arguments), for the failure report."""
    names, cells = call.__code__.co_freevars, call.__closure__ or ()
    return ", ".join(f"{k}={c.cell_contents!r}" for k, c in zip(names, cells, strict=True) if k != "dem")[:300]


def run_case(family: str, kind: str, expect_error: bool, call, check=None, *, bound_s: float = 20.0, desc=""):
    """Run ``call()``; classify against ``expect_error``; ``check(result)`` raises Refuted if the answer is wrong.

    ``desc`` describes the case in the failure report.
    """
    t0 = time.perf_counter()
    try:
        with watchdog(bound_s):
            result = call()
            if check is not None:
                check(result)
    except Hang as exc:
        return TALLY.add(family, kind, "hang", str(exc))
    except Refuted as exc:
        return TALLY.add(family, kind, "silent_wrong", f"refuted: {exc} [{desc}]")
    except TerrainError as exc:
        if expect_error:
            text = str(exc)
            if not text.strip() or "\n" in text.strip():
                return TALLY.add(family, kind, "garbage", f"error text not one line: {text!r}")
            return TALLY.add(family, kind, "clean_error")
        return TALLY.add(family, kind, "garbage", f"valid input refused: {type(exc).__name__}: {exc} [{desc}]")
    except Exception as exc:
        tb = traceback.format_exc(limit=-3)
        return TALLY.add(family, kind, "crash", f"{type(exc).__name__}: {exc} [{desc}]\n{tb}")
    if expect_error:
        return TALLY.add(family, kind, "silent_wrong",
                         f"invalid input accepted ({time.perf_counter() - t0:.2f} s) [{desc}]")
    return TALLY.add(family, kind, "correct")
