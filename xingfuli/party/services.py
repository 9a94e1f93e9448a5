"""Writes of 党建+网格: party organisations, members (resident and in-service, 双报到), consent
to be shown (亮身份), small wishes (微心愿), and the grid-leader rule.

Service hours of a fulfilled wish are credited once, on confirmation, through the volunteer
station's ledger (`volunteers.services.volunteer_hours_credit`, idempotent on the wish's
reference): there is no second ledger here.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit, crypto
from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import COMMUNITY_ROLES, Community, Role, RoleAssignment, User
from xingfuli.core.notifications import notify
from xingfuli.core.permissions import Capability, has_capability, require
from xingfuli.core.scoping import scoped
from xingfuli.grid.models import Grid
from xingfuli.party.models import PartyMember, PartyOrganisation, Wish
from xingfuli.registry.models import Building, Resident, Tag
from xingfuli.registry.personal import mask_mobile, normalize_mobile
from xingfuli.volunteers import services as volunteers

MAX_WISH_MINUTES = 24 * 60
APPROVED = PartyMember.Status.APPROVED


def wish_ref(wish_id: int) -> str:
    """The reference of a wish's hours in the volunteer ledger (idempotency key)."""
    return f"party.wish#{wish_id}"


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(ErrorCode.INVALID, _("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(ErrorCode.INVALID,
                          _("At most %(n)d characters.") % {"n": limit}, field=field)
    return text


def _skills(skills: Sequence[str]) -> list[str]:
    out = [s.strip()[:30] for s in skills if s and s.strip()]
    if len(out) > 20:
        raise DomainError(ErrorCode.INVALID, _("At most 20 skills."), field="skills")
    return out


def _check_version(obj: PartyOrganisation | PartyMember | Wish, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise DomainError(ErrorCode.CONFLICT,
                          _("Someone else changed this in the meantime. Reload and try again."),
                          field="version")


def _manage(actor: User, community_id: int) -> None:
    require(actor, Capability.MANAGE_VOLUNTEERS, community_id=community_id)


def is_party_member(user: User) -> bool:
    """A user counts as a party member when core records it (`User.is_party_member`) or they are
    a registered (approved) party member of a community here."""
    if user.is_party_member:
        return True
    return PartyMember.objects.filter(user=user, status=APPROVED).exists()


def check_grid_leader(user: User) -> None:
    """The rule 网格长 must be a party member, for the code that assigns the role."""
    if not is_party_member(user):
        raise DomainError(
            ErrorCode.NOT_PARTY_MEMBER,
            _("A grid leader must be a party member: %(name)s is not recorded as one.")
            % {"name": user.name or user.mobile},
            field="user",
        )


# --- organisations -----------------------------------------------------------------------------


def _grids_and_buildings(community_id: int, grid_ids: Sequence[int],
                         building_ids: Sequence[int]) -> tuple[list[Grid], list[Building]]:
    grids = list(Grid.objects.filter(pk__in=grid_ids, community_id=community_id))
    if len(grids) != len(set(grid_ids)):
        raise DomainError(ErrorCode.INVALID, _("Choose grids of this community."),
                          field="grid_ids")
    buildings = list(Building.objects.filter(pk__in=building_ids, community_id=community_id))
    if len(buildings) != len(set(building_ids)):
        raise DomainError(ErrorCode.INVALID, _("Choose buildings of this community."),
                          field="building_ids")
    return grids, buildings


@transaction.atomic
def organisation_create(
    *, actor: User, community_id: int, name: str,
    kind: str = PartyOrganisation.Kind.BRANCH, secretary_id: int | None = None,
    grid_ids: Sequence[int] = (), building_ids: Sequence[int] = (),
) -> PartyOrganisation:
    """The community party committee (one per community) or a branch under it, set up on
    grids and/or buildings."""
    _manage(actor, community_id)
    if kind not in PartyOrganisation.Kind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose committee or branch."), field="kind")
    name = _text(name, "name", 100, required=True)
    committee = PartyOrganisation.objects.filter(
        community_id=community_id, kind=PartyOrganisation.Kind.COMMITTEE).first()
    if kind == PartyOrganisation.Kind.COMMITTEE and committee is not None:
        raise DomainError(ErrorCode.DUPLICATE,
                          _("This community already has its party committee."), field="kind")
    if kind == PartyOrganisation.Kind.BRANCH and committee is None:
        raise DomainError(ErrorCode.INVALID,
                          _("Set up the community party committee first."), field="kind")
    if PartyOrganisation.objects.filter(community_id=community_id, name=name).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("An organisation of this name exists."),
                          field="name")
    secretary = None
    if secretary_id is not None:
        secretary = User.objects.filter(pk=secretary_id, is_active=True).first()
        if secretary is None or not is_party_member(secretary):
            raise DomainError(ErrorCode.INVALID,
                              _("The secretary must be a party member with a login."),
                              field="secretary_id")
    grids, buildings = _grids_and_buildings(community_id, grid_ids, building_ids)
    org = PartyOrganisation.objects.create(
        community_id=community_id, kind=kind, name=name, secretary=secretary,
        parent=committee if kind == PartyOrganisation.Kind.BRANCH else None,
    )
    org.grids.set(grids)
    org.buildings.set(buildings)
    audit.record("party.organisation.created", actor=actor, target=org,
                 grids=[g.pk for g in grids], buildings=[b.pk for b in buildings])
    return org


@transaction.atomic
def organisation_update(
    *, actor: User, organisation_id: int, version: int | None, name: str,
    secretary_id: int | None, grid_ids: Sequence[int] = (), building_ids: Sequence[int] = (),
    active: bool | None = None,
) -> PartyOrganisation:
    """Rename an organisation, change its secretary, the grids and buildings it is set up on,
    and (with `active`) stand it down or bring it back. `version` is the one the editor saw: a
    stale edit is refused and nothing is overwritten. The committee stays active while an
    active branch is under it."""
    locked = PartyOrganisation.objects.select_for_update(of=("self",))
    org = scoped(locked, actor, write=True).filter(pk=organisation_id).first()
    if org is None:
        raise NotFound()
    _manage(actor, org.community_id)
    _check_version(org, version)
    name = _text(name, "name", 100, required=True)
    if active is None:
        active = org.active
    if not active and org.kind == PartyOrganisation.Kind.COMMITTEE and org.branches.filter(
            active=True).exists():
        raise DomainError(ErrorCode.INVALID,
                          _("The committee stays active while a branch under it is active."),
                          field="active")
    if active and org.parent_id is not None and not PartyOrganisation.objects.filter(
            pk=org.parent_id, active=True).exists():
        raise DomainError(ErrorCode.INVALID,
                          _("Bring the community party committee back first."), field="active")
    if PartyOrganisation.objects.filter(community_id=org.community_id, name=name).exclude(
            pk=org.pk).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("An organisation of this name exists."),
                          field="name")
    secretary = None
    if secretary_id is not None:
        secretary = User.objects.filter(pk=secretary_id, is_active=True).first()
        if secretary is None or not is_party_member(secretary):
            raise DomainError(ErrorCode.INVALID,
                              _("The secretary must be a party member with a login."),
                              field="secretary_id")
    grids, buildings = _grids_and_buildings(org.community_id, grid_ids, building_ids)
    was_active = org.active
    org.name, org.secretary, org.active = name, secretary, active
    org.version += 1
    org.save(update_fields=["name", "secretary", "active", "version"])
    org.grids.set(grids)
    org.buildings.set(buildings)
    audit.record("party.organisation.updated", actor=actor, target=org,
                 grids=[g.pk for g in grids], buildings=[b.pk for b in buildings],
                 active=active, was_active=was_active)
    return org


def _branch(community_id: int, branch_id: int) -> PartyOrganisation:
    branch = PartyOrganisation.objects.filter(
        pk=branch_id, community_id=community_id, active=True,
        kind=PartyOrganisation.Kind.BRANCH).first()
    if branch is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a branch of this community."),
                          field="branch_id")
    return branch


# --- members -----------------------------------------------------------------------------------


@transaction.atomic
def member_add(*, actor: User, resident_id: int, branch_id: int) -> PartyMember:
    """Staff link a resident tagged 党员 to their branch."""
    resident = scoped(Resident.objects.select_related("household__dwelling__unit__building"),
                      actor, write=True).filter(pk=resident_id).first()
    if resident is None:
        raise DomainError(ErrorCode.INVALID, _("No such resident."), field="resident_id")
    community_id = resident.household.dwelling.unit.building.community_id
    _manage(actor, community_id)
    if not resident.tags.filter(code=Tag.Code.PARTY_MEMBER).exists():
        raise DomainError(ErrorCode.NOT_PARTY_MEMBER,
                          _("This resident is not tagged as a party member (党员)."),
                          field="resident_id")
    branch = _branch(community_id, branch_id)
    if PartyMember.objects.filter(community_id=community_id, resident=resident).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This resident is already a member here."),
                          field="resident_id")
    if resident.user_id and PartyMember.objects.filter(
            community_id=community_id, user_id=resident.user_id).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This person is already a member here."),
                          field="resident_id")
    member = PartyMember.objects.create(
        community_id=community_id, branch=branch, kind=PartyMember.Kind.RESIDENT,
        status=APPROVED, name=resident.name, user_id=resident.user_id, resident=resident,
        mobile_encrypted=resident.mobile_encrypted, mobile_masked=resident.mobile_masked,
        reviewed_by=actor, reviewed_at=timezone.now(),
    )
    audit.record("party.member.added", actor=actor, target=member, branch=branch.pk)
    return member


@transaction.atomic
def in_service_register(
    *, actor: User, community_id: int, name: str, employer: str, branch_id: int,
    skills: Sequence[str] = (), availability: str = "", mobile: str = "",
) -> PartyMember:
    """双报到: an in-service party member registers with the community; staff review it. A
    second registration while one is pending or approved returns it (a retry is harmless)."""
    if not Community.objects.filter(pk=community_id).exists():
        raise DomainError(ErrorCode.INVALID, _("No such community."), field="community_id")
    name = _text(name, "name", 50, required=True)
    employer = _text(employer, "employer", 100, required=True)
    availability = _text(availability, "availability", 200)
    skill_list = _skills(skills)
    branch = _branch(community_id, branch_id)
    existing = PartyMember.objects.select_for_update(of=("self",)).filter(
        community_id=community_id, user=actor).first()
    if existing is not None and existing.status != PartyMember.Status.REFUSED:
        return existing
    member = existing or PartyMember(community_id=community_id, user=actor,
                                     kind=PartyMember.Kind.IN_SERVICE)
    member.branch, member.name, member.employer = branch, name, employer
    member.skills, member.availability = skill_list, availability
    member.status, member.registered_at = PartyMember.Status.PENDING, timezone.now()
    member.reviewed_by, member.reviewed_at, member.review_note = None, None, ""
    number = normalize_mobile(mobile or actor.mobile)
    member.mobile_encrypted, member.mobile_masked = crypto.encrypt(number), mask_mobile(number)
    if existing is not None:
        member.version += 1
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        return PartyMember.objects.get(community_id=community_id, user=actor)
    audit.record("party.in_service.registered", actor=actor, target=member)
    staff = User.objects.filter(
        roles__community_id=community_id,
        roles__role__in=list(COMMUNITY_ROLES), is_active=True).distinct()
    notify(list(staff), subject=_("An in-service party member registered: %(name)s")
           % {"name": name}, url=f"/party/in-service/{member.pk}/")
    return member


@transaction.atomic
def in_service_review(*, actor: User, member_id: int, approve: bool, note: str = "",
                      version: int | None = None) -> PartyMember:
    """Staff approve or refuse an in-service registration (a refusal says why)."""
    member = scoped(PartyMember.objects.select_for_update(of=("self",)), actor, write=True).filter(
        pk=member_id, kind=PartyMember.Kind.IN_SERVICE).first()
    if member is None:
        raise NotFound()
    _manage(actor, member.community_id)
    _check_version(member, version)
    if member.status != PartyMember.Status.PENDING:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("This registration has already been reviewed."), field="status")
    note = _text(note, "note", 200, required=not approve)
    member.status = APPROVED if approve else PartyMember.Status.REFUSED
    member.reviewed_by, member.reviewed_at, member.review_note = actor, timezone.now(), note
    member.version += 1
    member.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "version"])
    audit.record("party.in_service.reviewed", actor=actor, target=member,
                 approved=approve, note=note)
    if member.user is not None:
        notify([member.user],
               subject=_("Your registration with the community was approved.") if approve
               else _("Your registration with the community was refused: %(note)s")
               % {"note": note}, url="/party/me/")
    return member


@transaction.atomic
def identity_consent_set(*, actor: User, member_id: int, agree: bool) -> PartyMember:
    """亮身份: the member (or staff recording their written consent) agrees to be shown on
    public pages, or withdraws it. Both are kept with their time and audited."""
    member = PartyMember.objects.select_for_update(of=("self",)).filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    if member.user_id != actor.pk and not has_capability(
            actor, Capability.MANAGE_VOLUNTEERS, community_id=member.community_id):
        raise NotFound()
    now = timezone.now()
    member.shows_identity = agree
    if agree:
        member.consent_at, member.consent_revoked_at = now, None
    else:
        member.consent_revoked_at = now
    member.version += 1
    member.save(update_fields=["shows_identity", "consent_at", "consent_revoked_at", "version"])
    audit.record("party.identity.consent" if agree else "party.identity.withdrawn",
                 actor=actor, target=member)
    return member


# --- small wishes ----------------------------------------------------------------------------


def helper_of(user: User, community_id: int) -> bool:
    """Who may claim wishes: a registered party member of the community or one of its
    volunteers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if PartyMember.objects.filter(community_id=community_id, user=user, status=APPROVED).exists():
        return True
    return volunteers.volunteer_of(user, community_id) is not None


@transaction.atomic
def wish_post(*, actor: User, resident_id: int, title: str, detail: str = "",
              idempotency_key: str = "") -> Wish:
    """A resident in a key group posts a small wish (for their household), or staff and grid
    workers post it on their behalf."""
    resident = scoped(Resident.objects.select_related(
        "household__dwelling__unit__building__grid_link"), actor, write=True).filter(
        pk=resident_id, status=Resident.Status.ACTIVE).first()
    if resident is None:
        raise DomainError(ErrorCode.INVALID, _("No such resident."), field="resident_id")
    building = resident.household.dwelling.unit.building
    community_id = building.community_id
    require(actor, Capability.REPORT_REQUEST, community_id=community_id)
    title = _text(title, "title", 100, required=True)
    detail = _text(detail, "detail", 500)
    key = _text(idempotency_key, "idempotency_key", 64)
    if key:
        first = Wish.objects.filter(community_id=community_id, idempotency_key=key).first()
        if first is not None:
            return first
    if not resident.tags.filter(is_key_group=True).exists():
        raise DomainError(ErrorCode.INVALID,
                          _("Small wishes are for residents in a key group (elderly, living "
                            "alone, disability, hardship…)."), field="resident_id")
    link = getattr(building, "grid_link", None)
    try:
        with transaction.atomic():
            wish = Wish.objects.create(
                community_id=community_id, resident=resident,
                grid_id=link.grid_id if link is not None else None, title=title,
                detail=detail, posted_by=actor, idempotency_key=key,
            )
    except IntegrityError:
        return Wish.objects.get(community_id=community_id, idempotency_key=key)
    audit.record("party.wish.posted", actor=actor, target=wish, resident=resident.pk)
    return wish


def _transition(wish: Wish, expected: Wish.Status, message: str) -> None:
    if wish.status != expected:
        raise DomainError(ErrorCode.INVALID_TRANSITION, message, field="status")


@transaction.atomic
def wish_claim(*, actor: User, wish_id: int) -> Wish:
    """One wish, one claimant: the row is locked and the change is conditional on it still
    being open, so two helpers claiming at once leave one claimant and one clear error."""
    wish = Wish.objects.select_for_update(of=("self",)).filter(pk=wish_id).first()
    if wish is None or not helper_of(actor, wish.community_id):
        raise NotFound()
    _transition(wish, Wish.Status.OPEN, _("Someone has already claimed this wish."))
    volunteer = volunteers.volunteer_of(actor, wish.community_id)
    if volunteer is None:  # a party member serving for the first time joins the station
        volunteer = volunteers.volunteer_join(actor=actor, community_id=wish.community_id)
    now = timezone.now()
    changed = Wish.objects.filter(pk=wish.pk, status=Wish.Status.OPEN,
                                  version=wish.version).update(
        status=Wish.Status.CLAIMED, claimed_by=actor, claimant_name=actor.name or actor.mobile,
        volunteer_id=volunteer.pk, claimed_at=now, version=F("version") + 1)
    if changed != 1:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Someone has already claimed this wish."), field="status")
    wish.refresh_from_db()
    audit.record("party.wish.claimed", actor=actor, target=wish)
    if wish.posted_by is not None and wish.posted_by != actor:
        notify([wish.posted_by], subject=_("Your small wish was claimed: %(title)s")
               % {"title": wish.title}, url=f"/party/wishes/{wish.pk}/")
    return wish


@transaction.atomic
def wish_release(*, actor: User, wish_id: int) -> Wish:
    """The claimant gives a claimed wish back to the board."""
    wish = Wish.objects.select_for_update(of=("self",)).filter(pk=wish_id, claimed_by=actor).first()
    if wish is None:
        raise NotFound()
    _transition(wish, Wish.Status.CLAIMED, _("Only a claimed wish can be given back."))
    wish.status, wish.claimed_by, wish.claimant_name = Wish.Status.OPEN, None, ""
    wish.volunteer_id, wish.claimed_at, wish.version = None, None, wish.version + 1
    wish.save(update_fields=["status", "claimed_by", "claimant_name", "volunteer_id",
                             "claimed_at", "version"])
    audit.record("party.wish.released", actor=actor, target=wish)
    return wish


@transaction.atomic
def wish_fulfil(*, actor: User, wish_id: int, minutes: int, note: str = "",
                version: int | None = None) -> Wish:
    """The claimant records that the wish is fulfilled and the actual service time."""
    wish = Wish.objects.select_for_update(of=("self",)).filter(pk=wish_id, claimed_by=actor).first()
    if wish is None:
        raise NotFound()
    _check_version(wish, version)
    _transition(wish, Wish.Status.CLAIMED, _("Only a claimed wish can be fulfilled."))
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_WISH_MINUTES:
        raise DomainError(ErrorCode.INVALID,
                          _("Enter the service time in minutes, from 1 to 1440."),
                          field="minutes")
    wish.status, wish.fulfilled_at, wish.minutes = Wish.Status.FULFILLED, timezone.now(), minutes
    wish.fulfil_note = _text(note, "note", 300)
    wish.version += 1
    wish.save(update_fields=["status", "fulfilled_at", "minutes", "fulfil_note", "version"])
    audit.record("party.wish.fulfilled", actor=actor, target=wish, minutes=minutes)
    return wish


def _certifier(actor: User, wish: Wish) -> User:
    """Who certifies the credited hours in the volunteer ledger: the confirming person when
    they manage the station, otherwise the staff member who posted the wish, otherwise the
    community's first staff member — the residents' committee certifies (志愿服务记录办法)."""
    cid = wish.community_id
    if has_capability(actor, Capability.MANAGE_VOLUNTEERS, community_id=cid):
        return actor
    if wish.posted_by is not None and has_capability(
            wish.posted_by, Capability.MANAGE_VOLUNTEERS, community_id=cid):
        return wish.posted_by
    staff = RoleAssignment.objects.filter(
        community_id=cid, role__in=[Role.COMMUNITY_STAFF, Role.COMMUNITY_ADMIN,
                                    Role.VOLUNTEER_ORGANISER],
        user__is_active=True).select_related("user").order_by("id").first()
    if staff is None:
        raise DomainError(ErrorCode.INVALID,
                          _("The community has no staff to certify the service hours."),
                          field="status")
    return staff.user


@transaction.atomic
def wish_confirm(*, actor: User, wish_id: int, version: int | None = None) -> Wish:
    """The resident (or someone of their household), their grid's staff or community staff
    confirm a fulfilled wish; only then are the helper's hours credited, once."""
    wish = scoped(Wish.objects.select_for_update(of=("self",)), actor, write=True).filter(
        pk=wish_id).select_related("posted_by").first()
    if wish is None:
        raise NotFound()
    _check_version(wish, version)
    _transition(wish, Wish.Status.FULFILLED, _("Only a fulfilled wish can be confirmed."))
    if wish.claimed_by_id == actor.pk:
        raise DomainError(ErrorCode.FORBIDDEN,
                          _("The helper cannot confirm their own wish."), field="status")
    assert wish.volunteer_id is not None and wish.minutes is not None  # noqa: S101 - fulfilled
    record = volunteers.volunteer_hours_credit(
        actor=_certifier(actor, wish), volunteer_id=wish.volunteer_id, minutes=wish.minutes,
        service_date=timezone.localdate(wish.fulfilled_at), service=_("Small wish: %(title)s")
        % {"title": wish.title}, source_ref=wish_ref(wish.pk),
    )
    wish.status, wish.confirmed_by, wish.confirmed_at = (Wish.Status.CONFIRMED, actor,
                                                          timezone.now())
    wish.service_record_id, wish.version = record.pk, wish.version + 1
    wish.save(update_fields=["status", "confirmed_by", "confirmed_at", "service_record_id",
                             "version"])
    audit.record("party.wish.confirmed", actor=actor, target=wish, minutes=wish.minutes,
                 service_record=record.pk)
    if wish.claimed_by is not None:
        notify([wish.claimed_by], subject=_("Thank you: your small wish was confirmed and "
                                            "%(m)d minutes credited.") % {"m": wish.minutes},
               url=f"/party/wishes/{wish.pk}/")
    return wish


@transaction.atomic
def wish_cancel(*, actor: User, wish_id: int, version: int | None = None) -> Wish:
    """Staff, the grid's staff or the resident withdraw a wish not yet fulfilled."""
    wish = scoped(Wish.objects.select_for_update(of=("self",)), actor, write=True).filter(
        pk=wish_id).first()
    if wish is None:
        raise NotFound()
    _check_version(wish, version)
    if wish.status not in (Wish.Status.OPEN, Wish.Status.CLAIMED):
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("A fulfilled wish cannot be cancelled."), field="status")
    wish.status, wish.version = Wish.Status.CANCELLED, wish.version + 1
    wish.save(update_fields=["status", "version"])
    audit.record("party.wish.cancelled", actor=actor, target=wish)
    return wish

