"""Reads of the elevator module. Every read for a user goes through `scoped`; owners reach the
projects of the units where they own a dwelling (the one rule added here, `_owned`).

The vote arithmetic (RULES.md "Elevator retrofit", Civil Code Art. 278 and the SPC
interpretation Arts. 8–9) is `ballot_result`: exact, with `Fraction`, never floats.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from xingfuli.core.errors import NotFound
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scoped
from xingfuli.elevators.models import (
    INSTALLING_STAGES,
    Activity,
    Ballot,
    BallotRound,
    Contribution,
    CostShare,
    Document,
    FundingSource,
    Project,
    Stage,
    StageEvent,
)
from xingfuli.registry.models import Dwelling, Owner, Ownership, Resident

_MONEY: Any = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
PARTICIPATION = Fraction(2, 3)  # "at least": the boundary passes
APPROVAL = Fraction(3, 4)


def can_manage(actor: Any, community_id: int) -> bool:
    return has_capability(actor, Capability.MANAGE_ELEVATORS, community_id=community_id)


# --- who the actor is as an owner --------------------------------------------------------------


def owner_ids_of(actor: Any) -> list[int]:
    """The Owner rows a logged-in user is: through the resident the owner row points to."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    cached: list[int] | None = getattr(actor, "_xfl_owner_ids", None)
    if cached is None:
        cached = list(Owner.objects.filter(
            resident__user=actor, resident__status=Resident.Status.ACTIVE
        ).values_list("pk", flat=True))
        actor._xfl_owner_ids = cached
    return cached


def _owned(actor: Any) -> Q:
    """Projects of the units (or whole buildings) where the actor owns a dwelling."""
    ids = owner_ids_of(actor)
    if not ids:
        return Q(pk__in=[])
    owned = Ownership.objects.filter(owner_id__in=ids)
    return (
        Q(unit__isnull=False, unit_id__in=owned.values("dwelling__unit_id"))
        | Q(unit__isnull=True, building_id__in=owned.values("dwelling__unit__building_id"))
    )


# --- projects --------------------------------------------------------------------------------


def projects_for(*, actor: Any, stage: str = "") -> QuerySet[Project]:
    """Projects the actor may read: their scope, plus the units where they own a home."""
    base = Project.objects.all()
    qs = scoped(base, actor) | base.filter(_owned(actor))
    if stage:
        qs = qs.filter(stage=stage)
    return qs.select_related("building", "unit", "community").order_by(
        "building__number", "unit__number", "pk"
    )


def projects_with_figures(*, actor: Any, stage: str = "") -> QuerySet[Project]:
    """The list page: raised money and the open vote's ballots, one subquery each."""
    paid = (
        Contribution.objects.filter(project=OuterRef("pk")).values("project")
        .annotate(t=Sum("amount", filter=Q(kind=Contribution.Kind.PAYMENT))
                  - Coalesce(Sum("amount", filter=Q(kind=Contribution.Kind.REFUND)),
                             Value(ZERO), output_field=_MONEY))
        .values("t")
    )
    sources = (
        FundingSource.objects.filter(project=OuterRef("pk")).values("project")
        .annotate(t=Sum("amount")).values("t")
    )
    ballots = (
        Ballot.objects.filter(round__project=OuterRef("pk"), round__status=BallotRound.Status.OPEN)
        .values("round__project").annotate(n=Count("pk")).values("n")
    )
    return projects_for(actor=actor, stage=stage).annotate(
        paid=Coalesce(Subquery(paid, output_field=_MONEY), Value(ZERO), output_field=_MONEY),
        sourced=Coalesce(Subquery(sources, output_field=_MONEY), Value(ZERO),
                         output_field=_MONEY),
        open_ballots=Subquery(ballots),
    ).annotate(raised=F("paid") + F("sourced"))


def access_project(*, actor: Any, project_id: int) -> Project:
    project = projects_for(actor=actor).filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    return project


def project_events(*, project: Project) -> list[StageEvent]:
    return list(project.events.select_related("actor").order_by("on", "pk"))


def project_documents(*, project: Project) -> list[Document]:
    return list(project.documents.select_related("uploaded_by").order_by("uploaded_at", "pk"))


def access_document(*, actor: Any, document_id: int) -> Document:
    doc = Document.objects.filter(pk=document_id).select_related("project").first()
    if doc is None:
        raise NotFound()
    access_project(actor=actor, project_id=doc.project_id)
    return doc


def activities_for(*, actor: Any, kind: str = "", project_id: int | None = None) -> (
    QuerySet[Activity]
):
    qs = scoped(Activity.objects.select_related("project", "recorded_by"), actor)
    if kind:
        qs = qs.filter(kind=kind)
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return qs.order_by("-held_on", "-pk")


def activity_counts(*, community_id: int) -> dict[str, int]:
    rows = Activity.objects.filter(community_id=community_id).aggregate(
        meetings=Count("pk", filter=Q(kind=Activity.Kind.MEETING)),
        site_visits=Count("pk", filter=Q(kind=Activity.Kind.SITE_VISIT)),
    )
    return {"meetings": rows["meetings"], "site_visits": rows["site_visits"]}


def stage_counts(*, community_id: int) -> dict[str, int]:
    rows = Project.objects.filter(community_id=community_id).aggregate(
        in_use=Count("pk", filter=Q(stage=Stage.IN_USE)),
        installing=Count("pk", filter=Q(stage__in=INSTALLING_STAGES)),
        preparing=Count("pk", filter=~Q(stage__in=(*INSTALLING_STAGES, Stage.IN_USE,
                                                   Stage.WITHDRAWN))),
    )
    return {k: int(v) for k, v in rows.items()}


# --- the voters --------------------------------------------------------------------------------


def scope_dwellings(project: Project) -> QuerySet[Dwelling]:
    qs = Dwelling.objects.all()
    if project.unit_id is not None:
        qs = qs.filter(unit_id=project.unit_id)
    else:
        qs = qs.filter(unit__building_id=project.building_id)
    return qs.select_related("unit").order_by("unit__number", "floor", "room")


def suggested_coefficients(project: Project) -> dict[str, str]:
    """The default floor table for the floors of the project's dwellings (a suggestion)."""
    from xingfuli.elevators.services import suggested_coefficients

    return suggested_coefficients(scope_dwellings(project).values_list("floor", flat=True))


@dataclass
class Voter:
    """One person by headcount: the dwellings linked by common owners (one owner of several
    dwellings counts once; co-owners of one dwelling count once; all of a developer's unsold
    dwellings count once), with their summed area."""

    key: int  # the smallest dwelling id of the group
    dwellings: list[Dwelling]
    owners: list[Owner]
    area: Decimal
    takes_shaft: bool = False
    choice: str = ""  # "" = has not voted
    ballot: Ballot | None = None

    @property
    def label(self) -> str:
        return "、".join(d.room for d in self.dwellings)

    @property
    def owner_names(self) -> str:
        return "、".join(o.name for o in self.owners)


@dataclass
class Roll:
    voters: list[Voter]
    by_owner: dict[int, Voter]
    missing_area: list[Dwelling] = field(default_factory=list)
    no_owner: list[Dwelling] = field(default_factory=list)


def voter_roll(project: Project) -> Roll:
    """Who may vote on `project`: three queries, whatever the number of dwellings."""
    dwellings = list(scope_dwellings(project))
    links = list(Ownership.objects.filter(dwelling__in=[d.pk for d in dwellings])
                 .select_related("owner").order_by("owner_id", "dwelling_id"))
    shaft = set(project.shaft_dwellings.values_list("pk", flat=True))
    parent: dict[int, int] = {d.pk: d.pk for d in dwellings}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_of: dict[int, int] = {}
    developer_first: int | None = None
    owners: dict[int, Owner] = {}
    for link in links:
        owners[link.owner_id] = link.owner
        key = link.owner_id
        if key in first_of:
            union(first_of[key], link.dwelling_id)
        else:
            first_of[key] = link.dwelling_id
        if link.owner.is_developer:
            if developer_first is None:
                developer_first = link.dwelling_id
            union(developer_first, link.dwelling_id)
    groups: dict[int, Voter] = {}
    owners_of: dict[int, set[int]] = defaultdict(set)
    for link in links:
        owners_of[find(link.dwelling_id)].add(link.owner_id)
    for d in dwellings:
        root = find(d.pk)
        voter = groups.get(root)
        if voter is None:
            voter = groups[root] = Voter(key=root, dwellings=[], owners=[], area=ZERO)
        voter.dwellings.append(d)
        voter.area += d.area or ZERO
        voter.takes_shaft = voter.takes_shaft or d.pk in shaft
    for root, ids in owners_of.items():
        groups[root].owners = [owners[i] for i in sorted(ids)]
    voters = sorted(groups.values(), key=lambda v: (v.dwellings[0].unit.number,
                                                    v.dwellings[0].floor, v.dwellings[0].room))
    by_owner = {o.pk: v for v in voters for o in v.owners}
    owned = {link.dwelling_id for link in links}
    return Roll(voters=voters, by_owner=by_owner,
                missing_area=[d for d in dwellings if d.area is None],
                no_owner=[d for d in dwellings if d.pk not in owned])


# --- the result --------------------------------------------------------------------------------


def _pct(f: Fraction) -> str:
    value = Decimal(f.numerator) / Decimal(f.denominator) * 100
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def _ratio(part: Decimal | int, whole: Decimal | int) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


@dataclass
class Test:
    """One of the four tests: `part` of `whole` at least `threshold`."""

    name: str
    part: Decimal | int
    whole: Decimal | int
    threshold: Fraction

    @property
    def ratio(self) -> Fraction:
        return _ratio(self.part, self.whole)

    @property
    def passed(self) -> bool:
        return bool(self.whole) and self.ratio >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        r = self.ratio
        return {"name": self.name, "part": str(self.part), "whole": str(self.whole),
                "ratio": f"{r.numerator}/{r.denominator}", "percent": _pct(r),
                "threshold": f"{self.threshold.numerator}/{self.threshold.denominator}",
                "passed": self.passed}


@dataclass
class BallotResult:
    total_area: Decimal
    total_heads: int
    voted_area: Decimal
    voted_heads: int
    yes_area: Decimal
    yes_heads: int
    no_area: Decimal
    no_heads: int
    abstain_area: Decimal
    abstain_heads: int
    tests: list[Test]
    consents: list[Voter]  # voters whose dwelling the shaft takes
    voters: list[Voter]
    incomplete: list[str]  # dwellings without area or owner (the roll is not complete)

    @property
    def participation_passed(self) -> bool:
        return all(t.passed for t in self.tests[:2])

    @property
    def approval_passed(self) -> bool:
        return all(t.passed for t in self.tests[2:])

    @property
    def consents_passed(self) -> bool:
        return all(v.choice == Ballot.Choice.YES for v in self.consents)

    @property
    def passed(self) -> bool:
        return (self.participation_passed and self.approval_passed and self.consents_passed
                and not self.incomplete)

    def as_dict(self) -> dict[str, Any]:
        """Every number used, as strings (the snapshot kept when the vote closes)."""
        return {
            "total_area": str(self.total_area), "total_heads": self.total_heads,
            "voted_area": str(self.voted_area), "voted_heads": self.voted_heads,
            "yes_area": str(self.yes_area), "yes_heads": self.yes_heads,
            "no_area": str(self.no_area), "no_heads": self.no_heads,
            "abstain_area": str(self.abstain_area), "abstain_heads": self.abstain_heads,
            "tests": [t.as_dict() for t in self.tests],
            "participation_passed": self.participation_passed,
            "approval_passed": self.approval_passed,
            "consents": [{"dwellings": v.label, "owners": v.owner_names,
                          "choice": v.choice or None} for v in self.consents],
            "consents_passed": self.consents_passed,
            "incomplete": self.incomplete,
            "voters": [{"dwellings": v.label, "owners": v.owner_names, "area": str(v.area),
                        "takes_shaft": v.takes_shaft, "choice": v.choice or None,
                        "channel": v.ballot.channel if v.ballot else None}
                       for v in self.voters],
            "passed": self.passed,
        }


def tally(roll: Roll, ballots: list[Ballot]) -> BallotResult:
    """The double test (participation ≥ 2/3 of area and of headcount; approval ≥ 3/4 of the
    participating area and headcount) and the required consents, in exact arithmetic."""
    for ballot in sorted(ballots, key=lambda b: (b.cast_at, b.pk)):  # the latest one counts
        voter = roll.by_owner.get(ballot.owner_id)
        if voter is not None:
            voter.choice, voter.ballot = ballot.choice, ballot
    sums: dict[str, list[Any]] = {c: [ZERO, 0] for c in Ballot.Choice.values}
    for v in roll.voters:
        if v.choice:
            sums[v.choice][0] += v.area
            sums[v.choice][1] += 1
    total_area = sum((v.area for v in roll.voters), ZERO)
    total_heads = len(roll.voters)
    voted_area = sum((s[0] for s in sums.values()), ZERO)
    voted_heads = sum(s[1] for s in sums.values())
    yes_area, yes_heads = sums[Ballot.Choice.YES]
    return BallotResult(
        total_area=total_area, total_heads=total_heads, voted_area=voted_area,
        voted_heads=voted_heads, yes_area=yes_area, yes_heads=yes_heads,
        no_area=sums[Ballot.Choice.NO][0], no_heads=sums[Ballot.Choice.NO][1],
        abstain_area=sums[Ballot.Choice.ABSTAIN][0], abstain_heads=sums[Ballot.Choice.ABSTAIN][1],
        tests=[
            Test("participation_area", voted_area, total_area, PARTICIPATION),
            Test("participation_heads", voted_heads, total_heads, PARTICIPATION),
            Test("approval_area", yes_area, voted_area, APPROVAL),
            Test("approval_heads", yes_heads, voted_heads, APPROVAL),
        ],
        consents=[v for v in roll.voters if v.takes_shaft],
        voters=roll.voters,
        incomplete=[d.room for d in roll.missing_area] + [d.room for d in roll.no_owner],
    )


def round_ballots(round_: BallotRound) -> list[Ballot]:
    return list(round_.ballots.select_related("recorded_by").order_by("cast_at", "pk"))


def ballot_result(round_: BallotRound) -> BallotResult:
    return tally(voter_roll(round_.project), round_ballots(round_))


def current_round(project: Project) -> BallotRound | None:
    return project.rounds.order_by("-opened_on", "-pk").first()


# --- money -------------------------------------------------------------------------------------


@dataclass
class ShareRow:
    dwelling: Dwelling
    construction: CostShare | None
    maintenance: CostShare | None
    paid: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def missing(self) -> Decimal:
        due = self.construction.amount if self.construction else ZERO
        return max(due - self.net, ZERO)


@dataclass
class Funding:
    budget: Decimal
    sources: list[FundingSource]
    sources_total: Decimal
    owners_total: Decimal
    paid: Decimal
    refunded: Decimal
    rows: list[ShareRow]
    maintenance_total: Decimal

    @property
    def raised(self) -> Decimal:
        return self.sources_total + self.paid - self.refunded

    @property
    def shortfall(self) -> Decimal:
        return max(self.budget - self.raised, ZERO)

    @property
    def missing(self) -> Decimal:
        return sum((r.missing for r in self.rows), ZERO)


def funding_of(project: Project) -> Funding:
    """Shares, payments and sources of one project: four queries."""
    dwellings = list(scope_dwellings(project))
    shares: dict[tuple[int, str], CostShare] = {
        (s.dwelling_id, s.kind): s for s in project.shares.all()
    }
    sums: dict[tuple[int, str], Decimal] = {
        (r["dwelling_id"], r["kind"]): r["t"]
        for r in project.contributions.values("dwelling_id", "kind").annotate(t=Sum("amount"))
    }
    sources = list(project.sources.order_by("pk"))
    rows = [
        ShareRow(d, shares.get((d.pk, CostShare.Kind.CONSTRUCTION)),
                 shares.get((d.pk, CostShare.Kind.MAINTENANCE)),
                 sums.get((d.pk, Contribution.Kind.PAYMENT), ZERO),
                 sums.get((d.pk, Contribution.Kind.REFUND), ZERO))
        for d in dwellings
    ]
    sources_total = sum((s.amount for s in sources), ZERO)
    return Funding(
        budget=project.budget, sources=sources, sources_total=sources_total,
        owners_total=project.budget - sources_total,
        paid=sum((r.paid for r in rows), ZERO), refunded=sum((r.refunded for r in rows), ZERO),
        rows=rows, maintenance_total=project.maintenance_yearly,
    )


def contributions_of(*, project: Project) -> list[Contribution]:
    return list(project.contributions.select_related("dwelling", "recorded_by")
                .order_by("-on", "-pk"))


def notice_days_left(project: Project, today: dt.date) -> int | None:
    if project.stage != Stage.NOTICE or project.notice_ends_on is None:
        return None
    return max((project.notice_ends_on - today).days, 0)
