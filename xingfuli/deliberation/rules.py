"""The arithmetic of a residents' meeting, exact (Fraction), with every number it used.

RULES.md "Residents' meetings" (居委会组织法 Art. 9): a meeting is valid with more than half of
the adult residents, or of the household representatives, present; a decision needs more than
half of those present. "过半数/more than half" is strict; "以上/at least" includes the boundary
(Civil Code Art. 1259). A topic may set another share (say at least 2/3) for both tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Share:
    """A share of a base: `inclusive` means "at least", otherwise "more than"."""

    numerator: int
    denominator: int
    inclusive: bool = False

    def __post_init__(self) -> None:
        if self.denominator < 1 or not 0 <= self.numerator <= self.denominator:
            raise ValueError("a share is between 0 and 1")

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    def met(self, count: int, base: int) -> bool:
        """Whether `count` out of `base` reaches the share (nothing is met of an empty base)."""
        if base <= 0:
            return False
        ratio = Fraction(count, base)
        return ratio >= self.fraction if self.inclusive else ratio > self.fraction

    def least(self, base: int) -> int:
        """The smallest count out of `base` that meets the share."""
        exact = self.fraction * base
        floor = exact.numerator // exact.denominator
        if self.inclusive:
            return floor if floor == exact else floor + 1
        return floor + 1

    @property
    def code(self) -> str:
        """A compact form kept on the decision: ">1/2" or ">=2/3"."""
        return f"{'>=' if self.inclusive else '>'}{self.numerator}/{self.denominator}"

    @classmethod
    def parse(cls, code: str) -> Share:
        inclusive = code.startswith(">=")
        numerator, denominator = code.lstrip(">=").split("/")
        return cls(int(numerator), int(denominator), inclusive)

    def describe(self) -> str:
        if (self.numerator, self.denominator, self.inclusive) == (1, 2, False):
            return _("more than half")
        if self.inclusive:
            return _("at least %(n)s/%(d)s") % {"n": self.numerator, "d": self.denominator}
        return _("more than %(n)s/%(d)s") % {"n": self.numerator, "d": self.denominator}


MORE_THAN_HALF = Share(1, 2, inclusive=False)


@dataclass(frozen=True)
class MeetingCheck:
    """The two tests of a vote and every number they used."""

    eligible: int
    present: int
    votes_for: int
    votes_against: int
    abstained: int
    quorum: Share
    approval: Share

    @property
    def quorum_needed(self) -> int:
        return self.quorum.least(self.eligible)

    @property
    def quorum_met(self) -> bool:
        return self.quorum.met(self.present, self.eligible)

    @property
    def approval_needed(self) -> int:
        return self.approval.least(self.present)

    @property
    def approved(self) -> bool:
        return self.approval.met(self.votes_for, self.present)

    @property
    def adopted(self) -> bool:
        return self.quorum_met and self.approved

    @property
    def not_voting(self) -> int:
        return self.present - self.votes_for - self.votes_against - self.abstained


def check(*, eligible: int, present: int, votes_for: int, votes_against: int, abstained: int,
          quorum: Share = MORE_THAN_HALF, approval: Share = MORE_THAN_HALF) -> MeetingCheck:
    return MeetingCheck(eligible=eligible, present=present, votes_for=votes_for,
                        votes_against=votes_against, abstained=abstained, quorum=quorum,
                        approval=approval)
