"""What the checker returns: a :class:`CheckResult` per check, in a :class:`CheckReport`."""

import textwrap
from dataclasses import asdict, dataclass, field

from linclass.check._load import SIGNATURES

__all__ = ["CheckReport", "CheckResult", "Mismatch"]


@dataclass(frozen=True)
class Mismatch:
    """One quantity of a failing case that differs from what was expected.

    ``quantity`` is ``"loss"``, the gradient's name (``"dW"`` or ``"dscores"``), an input's
    name (for the check that inputs stay unchanged), ``"call"`` when the function raised or
    returned the wrong thing, or ``"time"``. For an array, ``index`` is the entry shown
    (the one with the largest difference) and ``expected``/``obtained`` its two values.
    """

    quantity: str
    expected: object
    obtained: object
    index: tuple | None = None

    def describe(self):
        """``dW[3, 1]: expected 0.25, obtained 0.125`` (one line)."""
        where = self.quantity
        if self.index is not None:
            where += "[" + ", ".join(str(i) for i in self.index) + "]"
        return f"{where}: expected {_show(self.expected)}, obtained {_show(self.obtained)}"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    ``status`` is ``"passed"``, ``"failed"``, ``"skipped"`` (does not apply to this loss or
    version) or ``"info"`` (a measurement, never a failure). ``summary`` is the verdict in
    words; a failed check names its first failing ``case``, the ``mismatches`` found in it and
    ``hints`` on the likely mistake (the first is :attr:`hint`).
    """

    name: str
    title: str
    status: str
    summary: str
    case: str | None = None
    mismatches: tuple = ()
    hints: tuple = ()
    details: dict = field(default_factory=dict)

    @property
    def passed(self):
        """True or False for a check that ran; None for ``skipped`` and ``info``."""
        return {"passed": True, "failed": False}.get(self.status)

    @property
    def hint(self):
        """The first hint, or None."""
        return self.hints[0] if self.hints else None

    def to_dict(self):
        """A JSON-ready dict: the fields, ``passed``, ``hint``, mismatches as dicts."""
        result = asdict(self)
        result["passed"], result["hint"] = self.passed, self.hint
        result["mismatches"] = [
            {**asdict(m), "index": None if m.index is None else list(m.index)}
            for m in self.mismatches]
        result["hints"] = list(self.hints)
        return result


@dataclass(frozen=True)
class CheckReport:
    """Every check of one function, with what was checked against what.

    ``signature`` is ``"assignment"`` (``f(W, X, y, reg) -> (loss, dW)``) or ``"scores"``
    (``f(scores, y) -> (loss, dscores)``); ``loss`` the name of the loss in
    :mod:`linclass.losses.reference` it was compared with. ``signature_source`` and
    ``loss_source`` say how each was found (``"given"``, ``"detected"``, ``"name"`` for the
    function's name, ``"closest"`` when no loss matched); ``notes`` explain the detection.
    """

    target: str
    signature: str
    signature_source: str
    loss: str
    loss_source: str
    checks: tuple
    notes: tuple = ()

    @property
    def passed(self):
        """True when no check failed."""
        return not self.failed

    @property
    def failed(self):
        """The checks that failed, in order."""
        return [c for c in self.checks if c.passed is False]

    def __str__(self):
        """The report as text: what was checked, then a verdict per check with its case,
        values and hints (a hint already shown reads "as above")."""
        lines = [f"Checking {self.target}",
                 f"  signature: {SIGNATURES[self.signature]} "
                 f"({_SOURCE[self.signature_source]})",
                 f"  loss:      {self.loss} ({_SOURCE[self.loss_source]}), compared with "
                 f"linclass.losses.reference.{self.loss}"]
        lines += [_wrap("note:", note) for note in self.notes]
        lines.append("")
        shown = set()
        for c in self.checks:
            lines.append(f"{_MARK[c.status]}  {c.title}: {c.summary}")
            if c.status == "failed" and c.case:
                lines.append(_wrap("case:", c.case))
            lines += [_wrap("", m.describe()) for m in c.mismatches]
            fresh = [h for h in c.hints if h not in shown]
            lines += [_wrap("hint:", "as above")] if len(fresh) < len(c.hints) else []
            lines += [_wrap("hint:", h) for h in fresh]
            shown.update(fresh)
        ran = [c for c in self.checks if c.passed is not None]
        lines += ["", f"All {len(ran)} checks passed." if self.passed else
                  f"{len(self.failed)} of {len(ran)} checks FAILED: "
                  + ", ".join(c.name for c in self.failed) + "."]
        return "\n".join(lines)

    def to_dict(self):
        """A JSON-ready dict (``passed``, the detection, and ``checks`` as dicts)."""
        return {"target": self.target, "passed": self.passed, "signature": self.signature,
                "signature_source": self.signature_source, "loss": self.loss,
                "loss_source": self.loss_source, "notes": list(self.notes),
                "checks": [c.to_dict() for c in self.checks]}


_MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "skip", "info": "info"}
_SOURCE = {"given": "as given", "detected": "detected", "name": "from the function's name",
           "closest": "the closest; not recognised"}


def _wrap(label, text):
    return textwrap.fill(text, width=96, initial_indent=f"        {label:<10}",
                         subsequent_indent=" " * 18)


def _show(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
