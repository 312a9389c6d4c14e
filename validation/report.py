"""Targets with pass/fail, and the markdown report that collects them with tables and figures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Target:
    """One accuracy target: what was measured, its limit, and whether it passed.

    ``low``/``high`` bound the measured ``value`` (either may be None); ``miss`` says by how much
    it fell outside; ``note`` is what the run measured that explains the value (filled in by the
    section from its own diagnostics).
    """

    section: str
    name: str
    value: float
    low: float | None = None
    high: float | None = None
    unit: str = ""
    fmt: str = ".4g"
    source: str = ""
    note: str = ""

    @property
    def passed(self) -> bool:
        if self.value is None or not math.isfinite(self.value):
            return False
        return (self.low is None or self.value >= self.low) and (self.high is None or self.value <= self.high)

    @property
    def limit(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low:{self.fmt}} to {self.high:{self.fmt}}{self.unit}"
        if self.low is not None:
            return f">= {self.low:{self.fmt}}{self.unit}"
        return f"<= {self.high:{self.fmt}}{self.unit}"

    @property
    def measured(self) -> str:
        if self.value is None or not math.isfinite(self.value):
            return "n/a"
        return f"{self.value:{self.fmt}}{self.unit}"

    @property
    def miss(self) -> str:
        if self.passed:
            return ""
        if self.value is None or not math.isfinite(self.value):
            return "not measured"
        if self.low is not None and self.value < self.low:
            gap, bound = self.low - self.value, self.low
        else:
            gap, bound = self.value - self.high, self.high
        relative = f" ({100 * gap / abs(bound):.0f}% of the limit)" if bound else ""
        return f"missed by {gap:{self.fmt}}{self.unit}{relative}"

    def line(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        extra = f"  [{self.miss}]" if not self.passed else ""
        return f"{status}  {self.section}: {self.name}: {self.measured} (target {self.limit}){extra}"


@dataclass
class Report:
    """Markdown report: a target table on top, then one part per section."""

    out: Path
    targets: list[Target] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    def add(self, *targets: Target) -> None:
        self.targets.extend(targets)

    def text(self, markdown: str) -> None:
        self.parts.append(markdown.rstrip() + "\n")

    def table(self, header: list[str], rows: list[list]) -> None:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        self.text("\n".join(lines))

    def figure(self, fig, name: str, caption: str) -> None:
        """Save a matplotlib figure as ``out/name.png`` and reference it."""
        import matplotlib.pyplot as plt

        fig.savefig(self.out / f"{name}.png", dpi=90, bbox_inches="tight")
        plt.close(fig)
        self.text(f"![{caption}]({name}.png)\n\n*{caption}*")

    def write(self, preamble: str) -> Path:
        rows = ["| section | target | measured | limit | result | source |", "|---|---|---|---|---|---|"]
        for t in self.targets:
            result = "PASS" if t.passed else f"**FAIL** ({t.miss})"
            rows.append(f"| {t.section} | {t.name} | {t.measured} | {t.limit} | {result} | {t.source} |")
        misses = [t for t in self.targets if not t.passed]
        notes = ["## Misses", ""]
        if not misses:
            notes.append("None: every target passed.")
        for t in misses:
            notes.append(f"- **{t.section}: {t.name}**: {t.measured} vs {t.limit}, {t.miss}. {t.note}")
        body = [preamble.rstrip() + "\n", "## Targets\n", "\n".join(rows) + "\n", "\n".join(notes) + "\n",
                *self.parts]
        path = self.out / "report.md"
        tmp = path.with_suffix(".md.tmp")
        tmp.write_text("\n".join(body))
        tmp.replace(path)
        return path
