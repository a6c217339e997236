"""The few numbers the analysis reports, defined once, rounded once.

- Rates and lifts are exact ratios of counts, rounded half-to-even to 4 decimals.
- A median is the middle value of the sorted samples, or the mean of the two middle
  values when there is an even number of them; rounded half-to-even to 4 decimals (as a
  binary float: `round(x, 4)`); `None` when there are no samples."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import median as _median

DECIMALS = 4


def rounded(value: Fraction) -> float:
    return float(round(value, DECIMALS))


@dataclass(slots=True)
class Tally:
    """How many deals closed, and how many of those were won."""

    closed: int = 0
    won: int = 0

    def count(self, won: bool) -> None:
        self.closed += 1
        self.won += won

    @property
    def lost(self) -> int:
        return self.closed - self.won

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.won, self.closed) if self.closed else None

    @property
    def win_rate(self) -> float | None:
        """won / closed; `None` when nothing closed."""
        ratio = self.ratio
        return rounded(ratio) if ratio is not None else None


def lift(with_: Tally, without: Tally) -> float | None:
    """with's win rate / without's; `None` when either is `None` or the second is 0."""
    a, b = with_.ratio, without.ratio
    if a is None or b is None or b == 0:
        return None
    return rounded(a / b)


def median(samples: Sequence[float], decimals: int = DECIMALS) -> float | None:
    return round(_median(samples), decimals) if samples else None
