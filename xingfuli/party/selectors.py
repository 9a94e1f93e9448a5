"""Reads of 党建+网格, scoped by the actor. Public reads (a grid's branch and the members shown
there) include only members who agreed to be shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from xingfuli.core.errors import NotFound
from xingfuli.core.models import Community, Role, RoleAssignment, User
from xingfuli.core.permissions import Capability, has_capability, roles_of
from xingfuli.core.scoping import scoped
from xingfuli.grid.models import Grid
from xingfuli.party.models import PartyMember, PartyOrganisation, Wish
from xingfuli.party.services import APPROVED, helper_of
from xingfuli.registry.models import Building, Resident, Tag
from xingfuli.volunteers.models import ServiceRecord
from xingfuli.volunteers.services import hours_of

BRANCH = PartyOrganisation.Kind.BRANCH


def can_manage(actor: Any, community_id: int) -> bool:
    return has_capability(actor, Capability.MANAGE_VOLUNTEERS, community_id=community_id)


def managed_community(actor: User) -> Community | None:
    for assignment in roles_of(actor):
        if assignment.community_id and can_manage(actor, assignment.community_id):
            return Community.objects.get(pk=assignment.community_id)
    return None


def my_memberships(actor: User) -> list[PartyMember]:
    return list(PartyMember.objects.filter(user=actor).select_related("branch", "community")
                .order_by("id"))


def home_community(actor: User) -> Community | None:
    """The community of the actor's roles, else of their party membership or volunteering."""
    for assignment in roles_of(actor):
        if assignment.community_id:
            return Community.objects.get(pk=assignment.community_id)
    member = PartyMember.objects.filter(user=actor).exclude(
        status=PartyMember.Status.REFUSED).select_related("community").first()
    if member is not None:
        return member.community
    from xingfuli.volunteers.selectors import my_volunteer

    volunteer = my_volunteer(actor=actor)
    return volunteer.community if volunteer is not None else None


def registration_community(actor: User) -> Community | None:
    """The community an in-service member registers with (双报到): their home community, else
    the first one of the installation (a person with no tie here yet)."""
    return home_community(actor) or Community.objects.order_by("id").first()


def branches_to_report_to(*, community_id: int) -> list[PartyOrganisation]:
    """The active branches of a community, offered on the registration form (public names)."""
    return list(PartyOrganisation.objects.filter(community_id=community_id, kind=BRANCH,
                                                 active=True).order_by("id"))


# --- organisations ------------------------------------------------------------------------------


def branches_for(*, actor: User, include_inactive: bool = False) -> QuerySet[PartyOrganisation]:
    """The committee and branches the actor's communities hold, with member counts; those
    stood down only with `include_inactive` (for the staff who may bring them back)."""
    qs = scoped(PartyOrganisation.objects.all(), actor)
    if not include_inactive:
        qs = qs.filter(active=True)
    return (
        qs.select_related("secretary")
        .prefetch_related(Prefetch("grids", queryset=Grid.objects.order_by("sequence")),
                          Prefetch("buildings", queryset=Building.objects.order_by("id")))
        .annotate(member_count=Count("members", filter=Q(members__status=APPROVED)))
        .order_by("kind", "id")
    )


def access_organisation(*, actor: User, organisation_id: int) -> PartyOrganisation:
    """One organisation; one stood down exists only for those who manage the station."""
    org = branches_for(actor=actor, include_inactive=True).filter(pk=organisation_id).first()
    if org is None or (not org.active and not can_manage(actor, org.community_id)):
        raise NotFound()
    return org


def access_managed_organisation(*, actor: User, organisation_id: int) -> PartyOrganisation:
    """An organisation the actor may edit (create/edit pages): others get a 404."""
    org = access_organisation(actor=actor, organisation_id=organisation_id)
    if not can_manage(actor, org.community_id):
        raise NotFound()
    return org


@dataclass
class OrganisationChoices:
    """What an organisation form offers: the community's grids and buildings (each building
    with its grid) and the party members with a login who may be secretary."""

    grids: list[Grid]
    buildings: list[Building]
    secretaries: list[User]
    has_committee: bool

    @property
    def kinds(self) -> list[str]:
        """What may be created: the committee first, then branches under it."""
        return [BRANCH] if self.has_committee else [PartyOrganisation.Kind.COMMITTEE]


def organisation_choices(*, actor: User, community_id: int,
                         keep_secretary_id: int | None = None) -> OrganisationChoices:
    """Four queries. The secretary must be a party member with a login (the service's rule):
    an approved member here, or a person with a role here whom core records as one.
    `keep_secretary_id`: the current secretary stays in the list (the service judges)."""
    if not can_manage(actor, community_id):
        raise NotFound()
    grids = list(Grid.objects.filter(community_id=community_id).order_by("sequence", "id"))
    buildings = sorted(
        Building.objects.filter(community_id=community_id).select_related("grid_link__grid"),
        key=lambda b: (len(b.number), b.number, b.pk))
    members = PartyMember.objects.filter(community_id=community_id, status=APPROVED,
                                         user__isnull=False).values("user_id")
    wanted = Q(pk__in=members) | Q(is_party_member=True, roles__community_id=community_id)
    if keep_secretary_id is not None:
        wanted |= Q(pk=keep_secretary_id)
    secretaries = list(User.objects.filter(is_active=True).filter(wanted).distinct()
                       .order_by("name", "id"))
    has_committee = PartyOrganisation.objects.filter(
        community_id=community_id, kind=PartyOrganisation.Kind.COMMITTEE).exists()
    return OrganisationChoices(grids, buildings, secretaries, has_committee)


def can_add_members(actor: User, organisation: PartyOrganisation) -> bool:
    """Staff add resident members to an active branch when they may also see the registry
    (the volunteer organiser manages the station but does not see residents)."""
    return (organisation.kind == BRANCH and organisation.active
            and can_manage(actor, organisation.community_id)
            and has_capability(actor, Capability.VIEW_REGISTRY,
                               community_id=organisation.community_id))


def member_candidates(*, actor: User, organisation: PartyOrganisation, q: str,
                      limit: int = 20) -> list[Resident]:
    """Residents tagged 党员 whom staff may add to a branch: matching `q` (a name, pinyin
    initials or the last four digits of a mobile number, as the registry's search), in the
    actor's scope, not yet a member here. Nothing for an empty query."""
    from xingfuli.registry.selectors import residents_for

    community_id = organisation.community_id
    if not (q or "").strip() or not can_add_members(actor, organisation):
        return []
    taken = PartyMember.objects.filter(community_id=community_id,
                                       resident__isnull=False).values("resident_id")
    return list(
        residents_for(actor, q=q).filter(
            household__dwelling__unit__building__community_id=community_id,
            tags__code=Tag.Code.PARTY_MEMBER)
        .exclude(pk__in=taken)[:limit]
    )


def branch_members(*, actor: User, organisation: PartyOrganisation) -> list[PartyMember]:
    """Members of a branch: every registered member for those who manage the station; for
    others only the members who agreed to be shown."""
    qs = PartyMember.objects.filter(branch=organisation, status=APPROVED)
    if not can_manage(actor, organisation.community_id):
        qs = qs.filter(shows_identity=True)
    return list(qs.order_by("kind", "name", "id"))


def branches_of_grid(grid: Grid) -> list[PartyOrganisation]:
    """The branches set up in a grid or on one of its buildings."""
    return list(
        PartyOrganisation.objects.filter(active=True, kind=BRANCH).filter(
            Q(grids=grid) | Q(buildings__grid_link__grid=grid)).select_related("secretary")
        .distinct().order_by("id")
    )


def building_party(*, building_id: int) -> list[PartyOrganisation]:
    """The active branches of a building: set up on the building itself (`on_building`) or on
    the grid it is in (`on_grid`; `grid_name` names that grid), with their secretary and
    `member_count` (registered members). One query, whatever the number of branches or
    members."""
    through_buildings = PartyOrganisation.buildings.through.objects
    through_grids = PartyOrganisation.grids.through.objects
    on_building = through_buildings.filter(partyorganisation_id=OuterRef("pk"),
                                           building_id=building_id)
    on_grid = through_grids.filter(partyorganisation_id=OuterRef("pk"),
                                   grid__building_links__building_id=building_id)
    grid_name = Grid.objects.filter(building_links__building_id=building_id).values("name")
    members = (PartyMember.objects.filter(branch_id=OuterRef("pk"), status=APPROVED)
               .order_by().values("branch_id").annotate(n=Count("id")).values("n"))
    return list(
        PartyOrganisation.objects.filter(active=True, kind=BRANCH)
        .annotate(on_building=Exists(on_building), on_grid=Exists(on_grid),
                  grid_name=Subquery(grid_name[:1]),
                  member_count=Coalesce(Subquery(members), 0))
        .filter(Q(on_building=True) | Q(on_grid=True))
        .select_related("secretary")
        .order_by("-on_building", "id")
    )


@dataclass
class GridParty:
    grid: Grid
    branches: list[PartyOrganisation]
    members: list[PartyMember]  # only those who agreed to be shown (亮身份)


def grid_party(*, grid_id: int) -> GridParty:
    """The public notice of a grid: its branch(es) and the party members who serve there and
    agreed to be shown. Three queries, whatever the number of members."""
    grid = Grid.objects.select_related("community").filter(pk=grid_id).first()
    if grid is None:
        raise NotFound()
    branches = branches_of_grid(grid)
    members = list(
        PartyMember.objects.filter(branch__in=[b.pk for b in branches], status=APPROVED,
                                   shows_identity=True)
        .order_by("kind", "name", "id")
    )
    return GridParty(grid, branches, members)


# --- members -----------------------------------------------------------------------------------


def members_for(*, actor: User, status: str | None = APPROVED,
                kind: str | None = None) -> QuerySet[PartyMember]:
    qs = scoped(PartyMember.objects.all(), actor).select_related("branch", "resident")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("branch_id", "name", "id")


def access_member(*, actor: User, member_id: int) -> PartyMember:
    found = scoped(PartyMember.objects.select_related("branch", "reviewed_by"), actor).filter(
        pk=member_id).first()
    if found is None:
        own = PartyMember.objects.select_related("branch").filter(pk=member_id,
                                                                  user=actor).first()
        if own is None:
            raise NotFound()
        return own
    return found


def grid_leaders_breaking_rule(*, actor: User, community_id: int) -> list[RoleAssignment]:
    """Grid leaders who are not party members (neither in core's record nor registered here):
    REPORTED for staff to act on, never changed. Each carries `grid_name`."""
    if not can_manage(actor, community_id):
        raise NotFound()
    members = PartyMember.objects.filter(status=APPROVED, user__isnull=False).values("user_id")
    leaders = (
        RoleAssignment.objects.filter(role=Role.GRID_LEADER, community_id=community_id,
                                      user__is_party_member=False)
        .exclude(user_id__in=members).select_related("user").order_by("scope_id", "id")
    )
    rows = list(leaders)
    names = dict(Grid.objects.filter(pk__in=[r.scope_id for r in rows]).values_list("pk",
                                                                                      "name"))
    for row in rows:
        row.grid_name = names.get(row.scope_id or 0, "")  # type: ignore[attr-defined]
    return rows


# --- wishes --------------------------------------------------------------------------------


def wishes_for(*, actor: User, status: str | None = None) -> QuerySet[Wish]:
    """Wishes the actor may see: by their scope (staff, grid staff, the resident's household),
    plus, for helpers (party members and volunteers), the board of their communities."""
    helper_communities = [
        m.community_id for m in PartyMember.objects.filter(user=actor, status=APPROVED)]
    from xingfuli.volunteers.models import Volunteer

    helper_communities += list(Volunteer.objects.filter(user=actor, active=True)
                               .values_list("community_id", flat=True))
    qs = scoped(Wish.objects.all(), actor)
    if helper_communities:
        qs = qs | Wish.objects.filter(community_id__in=helper_communities).filter(
            Q(status=Wish.Status.OPEN) | Q(claimed_by=actor))
    qs = qs.select_related("resident__household__dwelling__unit__building", "grid")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-posted_at", "-id")


def wish_residents(*, actor: User, q: str = "", limit: int = 20) -> list[Resident]:
    """Residents a wish may be posted for by the actor: active, in a key group, in their write
    scope (their own household for a resident), whose name contains `q`."""
    return list(
        scoped(Resident.objects.all(), actor, write=True)
        .filter(status=Resident.Status.ACTIVE, tags__is_key_group=True, name__contains=q)
        .distinct().select_related("household__dwelling__unit__building")
        .order_by("name", "id")[:limit]
    )


def access_wish(*, actor: User, wish_id: int) -> Wish:
    wish = wishes_for(actor=actor).filter(pk=wish_id).first()
    if wish is None:
        raise NotFound()
    return wish


def can_claim(actor: User, wish: Wish) -> bool:
    return wish.status == Wish.Status.OPEN and helper_of(actor, wish.community_id)


def can_cancel(actor: User, wish: Wish) -> bool:
    """As `services.wish_cancel`: a wish not yet fulfilled, by those who may change it (staff,
    the resident's grid staff, the resident's household)."""
    return (wish.status in (Wish.Status.OPEN, Wish.Status.CLAIMED)
            and scoped(Wish.objects.filter(pk=wish.pk), actor, write=True).exists())


def can_confirm(actor: User, wish: Wish) -> bool:
    return (wish.status == Wish.Status.FULFILLED and wish.claimed_by_id != actor.pk
            and scoped(Wish.objects.filter(pk=wish.pk), actor, write=True).exists())


# --- statistics ---------------------------------------------------------------------------------


@dataclass
class PartyStatistics:
    branches: int
    members: int
    in_service_registered: int
    in_service_pending: int
    wishes_posted: int
    wishes_claimed: int
    wishes_fulfilled: int
    wishes_confirmed: int
    member_hours: Decimal


def member_minutes(*, community_id: int, year: int | None = None) -> int:
    """Approved service minutes, in the station's ledger, of the community's registered party
    members (by their login or their resident record)."""
    members = PartyMember.objects.filter(community_id=community_id, status=APPROVED)
    users = members.filter(user__isnull=False).values("user_id")
    residents = members.filter(resident__isnull=False).values("resident_id")
    records = ServiceRecord.objects.filter(
        community_id=community_id, status=ServiceRecord.Status.APPROVED).filter(
        Q(volunteer__user_id__in=users) | Q(volunteer__resident_id__in=residents))
    if year is not None:
        records = records.filter(service_date__year=year)
    return int(records.aggregate(m=Sum("minutes", default=0))["m"])


def statistics(*, actor: User, community_id: int, year: int | None = None) -> PartyStatistics:
    """Branches, members, in-service registrations, this year's wishes by state and the members'
    service hours this year: four queries over the records."""
    if not (can_manage(actor, community_id)
            or has_capability(actor, Capability.VIEW_DASHBOARD, community_id=community_id)):
        raise NotFound()
    year = year or timezone.localdate().year
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    end = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    branches = PartyOrganisation.objects.filter(community_id=community_id, kind=BRANCH,
                                                active=True).count()
    m = PartyMember.objects.filter(community_id=community_id).aggregate(
        members=Count("id", filter=Q(status=APPROVED)),
        in_service=Count("id", filter=Q(status=APPROVED, kind=PartyMember.Kind.IN_SERVICE)),
        pending=Count("id", filter=Q(status=PartyMember.Status.PENDING,
                                     kind=PartyMember.Kind.IN_SERVICE)),
    )
    done = [Wish.Status.FULFILLED, Wish.Status.CONFIRMED]
    w = Wish.objects.filter(community_id=community_id, posted_at__gte=start,
                            posted_at__lt=end).aggregate(
        posted=Count("id"),
        claimed=Count("id", filter=Q(claimed_at__isnull=False)),
        fulfilled=Count("id", filter=Q(status__in=done)),
        confirmed=Count("id", filter=Q(status=Wish.Status.CONFIRMED)),
    )
    return PartyStatistics(
        branches=branches, members=m["members"], in_service_registered=m["in_service"],
        in_service_pending=m["pending"], wishes_posted=w["posted"],
        wishes_claimed=w["claimed"], wishes_fulfilled=w["fulfilled"],
        wishes_confirmed=w["confirmed"],
        member_hours=hours_of(member_minutes(community_id=community_id, year=year)),
    )
