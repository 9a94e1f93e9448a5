"""Writes of the requests module: intake, the life of a work order, SLA and breaches.

Every state change goes through `_act`: it locks the request, checks the caller's version, the
transition table (`TRANSITIONS`) and who may take the action (`_may`), then the action updates
the derived fields and `_record` appends one event and an audit entry in the same transaction.
Notifications are rows written in that transaction and delivered after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from xingfuli.core import audit, crypto
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import (
    COMMUNITY_ROLES,
    GRID_ROLES,
    Community,
    Role,
    RoleAssignment,
    User,
)
from xingfuli.core.notifications import notify, notify_mobile
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.core.uploads import reencode_image
from xingfuli.grid.models import Grid, GridBuilding
from xingfuli.property.models import ServiceTeam, TeamMember
from xingfuli.registry.models import Building, Dwelling, Resident, Unit
from xingfuli.registry.personal import mask_mobile, normalize_mobile
from xingfuli.requests import selectors
from xingfuli.requests.models import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    Category,
    Level,
    Request,
    RequestCounter,
    RequestEvent,
    RequestPhoto,
    SlaPolicy,
)
from xingfuli.requests.sla import sla_add, sla_due, sla_elapsed

S = Request.Status
K = RequestEvent.Kind
MAX_PHOTOS = 9


class Action(StrEnum):
    ACCEPT = "accept"
    DISPATCH = "dispatch"
    TAKE = "take"
    ON_SITE = "on_site"
    RESOLVE = "resolve"
    FOLLOW_UP = "follow_up"
    CLOSE = "close"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    CANCEL = "cancel"
    ESCALATE = "escalate"
    DEESCALATE = "deescalate"
    PAUSE = "pause"
    RESUME = "resume"
    REFER_TO_TOPIC = "refer_to_topic"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    # The statuses the action may lead to; empty: the status stays as it is.
    targets: frozenset[str] = frozenset()


_WORKING = frozenset({S.ACCEPTED, S.DISPATCHED, S.ON_SITE})

# The one table of legal state changes.
TRANSITIONS: dict[Action, Transition] = {
    Action.ACCEPT: Transition(frozenset({S.SUBMITTED}), frozenset({S.ACCEPTED})),
    Action.DISPATCH: Transition(frozenset({S.ACCEPTED, S.DISPATCHED}),
                                frozenset({S.DISPATCHED})),
    Action.TAKE: Transition(frozenset({S.DISPATCHED})),
    Action.ON_SITE: Transition(frozenset({S.ACCEPTED, S.DISPATCHED}), frozenset({S.ON_SITE})),
    Action.RESOLVE: Transition(_WORKING, frozenset({S.RESOLVED})),
    # Satisfied: followed up; unsatisfied: reopened (back to the team, or to the handler).
    Action.FOLLOW_UP: Transition(frozenset({S.RESOLVED}),
                                 frozenset({S.FOLLOWED_UP, S.DISPATCHED, S.ACCEPTED})),
    # Closing without a follow-up is allowed when the resident cannot be reached.
    Action.CLOSE: Transition(frozenset({S.FOLLOWED_UP, S.RESOLVED}), frozenset({S.CLOSED})),
    Action.REJECT: Transition(frozenset({S.SUBMITTED, S.ACCEPTED}), frozenset({S.REJECTED})),
    Action.MARK_DUPLICATE: Transition(frozenset({S.SUBMITTED, S.ACCEPTED}),
                                      frozenset({S.DUPLICATE})),
    Action.CANCEL: Transition(frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED}),
                              frozenset({S.CANCELLED})),
    Action.ESCALATE: Transition(frozenset(OPEN_STATUSES)),
    Action.DEESCALATE: Transition(frozenset(OPEN_STATUSES)),
    Action.PAUSE: Transition(_WORKING),
    Action.RESUME: Transition(_WORKING),
    # A matter the grid or community cannot settle alone goes to a deliberation topic; the
    # request stays open and the topic's outcome resolves it.
    Action.REFER_TO_TOPIC: Transition(frozenset(OPEN_STATUSES)),
}
# While paused (waiting for the resident) only these actions apply.
_WHILE_PAUSED = frozenset({Action.RESUME, Action.CANCEL, Action.ESCALATE, Action.DEESCALATE})

def action_label(action: Action) -> str:
    names = {
        Action.ACCEPT: _("accept"),
        Action.DISPATCH: _("dispatch"),
        Action.TAKE: _("take"),
        Action.ON_SITE: _("mark on site"),
        Action.RESOLVE: _("resolve"),
        Action.FOLLOW_UP: _("follow up"),
        Action.CLOSE: _("close"),
        Action.REJECT: _("reject"),
        Action.MARK_DUPLICATE: _("mark as a duplicate"),
        Action.CANCEL: _("cancel"),
        Action.ESCALATE: _("escalate"),
        Action.DEESCALATE: _("hand back down"),
        Action.PAUSE: _("pause"),
        Action.RESUME: _("resume"),
        Action.REFER_TO_TOPIC: _("take to a deliberation topic"),
    }
    return names[action]


# --- who may do what -----------------------------------------------------------------------

# What a street officer may do with a request referred to the street (and nothing else: the
# street's scope stays read-only everywhere else). A reply is `request_reply`.
STREET_ACTIONS = frozenset({Action.DEESCALATE})


def is_street_officer_for(actor: User, req: Request) -> bool:
    """Whether the actor is an officer of the street of the request's community and the request
    is referred to the street (上报)."""
    if req.level != Level.REFERRED:
        return False
    streets = scope_of(actor).streets
    return bool(streets) and Community.objects.filter(
        pk=req.community_id, street_id__in=streets
    ).exists()


def _writable(actor: User, req: Request) -> bool:
    return scoped(Request.objects.filter(pk=req.pk), actor, write=True).exists() or (
        is_street_officer_for(actor, req)
    )


def _may(actor: User, req: Request, action: Action) -> bool:
    """Whether `actor` may take `action` on `req` (the request is in their write scope)."""
    scope = scope_of(actor)
    community = req.community_id

    def cap(c: Capability) -> bool:
        return has_capability(actor, c, community_id=community)

    staff = scope.everything or community in scope.communities
    grid_handler = req.grid_id is not None and req.grid_id in scope.grids and (
        req.level == Level.GRID
    )
    handler = (staff or grid_handler) and cap(Capability.HANDLE_REQUEST)
    dispatcher = (staff or community in scope.dispatch) and cap(Capability.DISPATCH_REQUEST)
    in_team = req.team_id is not None and (scope.everything or req.team_id in scope.teams)
    worker = in_team and cap(Capability.HANDLE_JOB)
    assigned_worker = worker and req.assignee_id == actor.pk
    reporter = req.reporter_user_id is not None and req.reporter_user_id == actor.pk
    rules: dict[Action, bool] = {
        Action.ACCEPT: handler or dispatcher,
        Action.DISPATCH: dispatcher,
        # From the pool, or the member a job was assigned to accepts it (once per dispatch).
        Action.TAKE: worker and req.assignee_id in (None, actor.pk),
        Action.ON_SITE: handler or assigned_worker,
        Action.RESOLVE: handler or assigned_worker,
        Action.FOLLOW_UP: handler or reporter,
        Action.CLOSE: handler,
        Action.REJECT: handler or dispatcher,
        Action.MARK_DUPLICATE: handler or dispatcher,
        Action.CANCEL: handler or reporter,
        Action.ESCALATE: handler,
        Action.DEESCALATE: (staff and cap(Capability.HANDLE_REQUEST))
        or is_street_officer_for(actor, req),
        Action.PAUSE: handler or assigned_worker,
        Action.RESUME: handler or assigned_worker,
        Action.REFER_TO_TOPIC: handler and cap(Capability.MANAGE_DELIBERATION),
    }
    return rules[action]


def allowed_actions(*, actor: User, req: Request) -> list[Action]:
    """The actions the actor may take on the request now (for pages and the API)."""
    return allowed_actions_many(actor=actor, reqs=[req])[req.pk]


def allowed_actions_many(*, actor: User, reqs: Sequence[Request]) -> dict[int, list[Action]]:
    """`allowed_actions` of each request, by id, in a fixed number of queries however many
    (a team board, a list): the write scope in one, the jobs the actor accepted in another."""
    if not reqs:
        return {}
    writable = set(scoped(Request.objects.filter(pk__in=[r.pk for r in reqs]), actor,
                          write=True).values_list("pk", flat=True))
    accepted = selectors.accepted_jobs(assignee_id=actor.pk, jobs=[
        r for r in reqs
        if r.assignee_id == actor.pk and r.status in TRANSITIONS[Action.TAKE].sources
    ])
    return {
        r.pk: _allowed(actor, r, accepted=r.pk in accepted)
        if r.pk in writable or is_street_officer_for(actor, r) else []
        for r in reqs
    }


def _allowed(actor: User, req: Request, *, accepted: bool) -> list[Action]:
    """The actions of a request in the actor's write scope (`accepted`: the actor is its
    assignee and has taken or accepted the job since it was dispatched)."""
    out: list[Action] = []
    for action, transition in TRANSITIONS.items():
        if req.status not in transition.sources:
            continue
        if req.paused_at is not None and action not in _WHILE_PAUSED:
            continue
        if req.paused_at is None and action == Action.RESUME:
            continue
        if action == Action.ESCALATE and req.level == LEVEL_ORDER[-1]:
            continue
        if action == Action.DEESCALATE and req.level == LEVEL_ORDER[0]:
            continue
        if action == Action.REFER_TO_TOPIC:
            continue  # started from the deliberation module, which creates the topic
        if action == Action.TAKE and accepted:
            continue  # the assignee has accepted it already
        if _may(actor, req, action):
            out.append(action)
    return out


def may_refer_to_topic(*, actor: User, req: Request) -> bool:
    """Whether the actor may take the request to a deliberation topic now (the deliberation
    module's page does it; the request page links there)."""
    return (
        req.status in TRANSITIONS[Action.REFER_TO_TOPIC].sources
        and scoped(Request.objects.filter(pk=req.pk), actor, write=True).exists()
        and _may(actor, req, Action.REFER_TO_TOPIC)
    )


# --- the one way a state changes ----------------------------------------------------------


def _act(actor: User, request_id: int, action: Action, version: int | None) -> Request:
    """Lock the request and check version, transition and rights for `action`."""
    req = (
        scoped(Request.objects.select_for_update(of=("self",)), actor, write=True)
        .filter(pk=request_id)
        .first()
    )
    if req is None and action in STREET_ACTIONS:
        # An officer of the street acts on a request referred up to the street.
        req = (
            scoped(Request.objects.select_for_update(of=("self",)), actor)
            .filter(pk=request_id, level=Level.REFERRED).first()
        )
        if req is not None and not is_street_officer_for(actor, req):
            req = None
    if req is None:
        if scoped(Request.objects.filter(pk=request_id), actor).exists():
            raise Forbidden()
        raise NotFound()
    if version is not None and req.version != version:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("Someone else changed this request in the meantime. Reload it and try again."),
            field="version",
        )
    transition = TRANSITIONS[action]
    if req.status not in transition.sources:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("You cannot %(action)s a request that is %(status)s.")
            % {"action": action_label(action), "status": req.get_status_display()},
            field="action",
        )
    if req.paused_at is not None and action not in _WHILE_PAUSED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("The request is paused, waiting for the resident: resume it before you "
              "%(action)s it.") % {"action": action_label(action)},
            field="action",
        )
    if not _may(actor, req, action):
        raise Forbidden()
    return req


def _record(
    req: Request,
    *,
    actor: User | None,
    kind: str,
    to_status: str | None = None,
    to_level: str | None = None,
    note: str = "",
    now: dt.datetime | None = None,
    **data: Any,
) -> RequestEvent:
    """Append the event, move the request to its new status/level and save it (version + 1)."""
    now = now or timezone.now()
    from_status, from_level = req.status, req.level
    if to_status is not None:
        req.status = to_status
    if to_level is not None:
        req.level = to_level
    req.version += 1
    req.save()
    event = RequestEvent.objects.create(
        request=req, at=now, actor=actor, kind=kind, from_status=from_status,
        to_status=req.status, from_level=from_level, to_level=req.level, note=note, data=data,
    )
    audit.record(
        f"requests.request.{kind}", actor=actor, target=req, community_id=req.community_id,
        number=req.number, from_status=from_status, to_status=req.status,
        from_level=from_level, to_level=req.level, **data,
    )
    return event


def _text(value: str, field: str, limit: int, *, required: bool = False,
          message: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(ErrorCode.INVALID, message or _("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(
            ErrorCode.INVALID,
            _("At most %(n)s characters, please.") % {"n": limit},
            field=field,
        )
    return text


def _attach_photos(event: RequestEvent, photos: Sequence[tuple[str, File[Any]]]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise DomainError(
            ErrorCode.INVALID, _("At most %(n)s photos.") % {"n": MAX_PHOTOS}, field="photos"
        )
    for kind, image in photos:
        if kind not in RequestPhoto.Kind.values:
            raise DomainError(ErrorCode.INVALID, _("Say whether each photo is from before or "
                                                   "after the work."), field="photos")
        # Decoded and written again: no EXIF (a home's GPS position), nothing but pixels.
        RequestPhoto.objects.create(event=event, image=reencode_image(image, field="photos"),
                                    kind=kind)


# --- notifications -------------------------------------------------------------------------


def request_url(req: Request) -> str:
    """The request's page (a logged-in resident sees their own request there)."""
    return reverse("requests:detail", args=[req.pk])


def _tell_reporter(req: Request, subject: str, body: str = "", *,
                   user: User | None = None) -> None:
    """Notify the resident who asked, once: their login (in the app), or else, for a caller
    recorded by name and mobile only, a text message to that number (the SMS channel).

    `user`: the reporter's User when the caller has it loaded."""
    url = request_url(req)
    if req.reporter_user_id is None:
        if req.reporter_mobile_encrypted:
            mobile = crypto.decrypt(req.reporter_mobile_encrypted)
            if mobile:
                notify_mobile(mobile, subject=subject, body=body or req.title, url=url)
        return
    if user is None or user.pk != req.reporter_user_id:
        user = User.objects.filter(pk=req.reporter_user_id, is_active=True).first()
    if user is not None and user.is_active:
        notify([user], subject=subject, body=body or req.title, url=url)


def _when(at: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(at), "Y-m-d H:i")


def responsible_people(req: Request) -> list[User]:
    """Who answers for the request now: its assignee, else its team, else the handlers of its
    level (the grid's staff, or the community's staff)."""
    if req.assignee_id is not None:
        return list(User.objects.filter(pk=req.assignee_id, is_active=True))
    if req.team_id is not None and req.status in {S.DISPATCHED, S.ON_SITE}:
        return list(User.objects.filter(
            is_active=True,
            team_memberships__team_id=req.team_id, team_memberships__on_duty=True,
        ).distinct())
    return level_handlers(req)


def street_officers(req: Request) -> list[User]:
    """The officers of the street the request's community belongs to."""
    return list(User.objects.filter(
        is_active=True, roles__role=Role.STREET_OFFICER,
        roles__street__communities__id=req.community_id,
    ).distinct())


def level_handlers(req: Request) -> list[User]:
    """The grid's staff for a grid-level request, the street's officers for a referred one
    (the community's staff when the street has none), else the community's staff."""
    if req.level == Level.REFERRED:
        officers = street_officers(req)
        if officers:
            return officers
    roles = RoleAssignment.objects.filter(community_id=req.community_id)
    if req.level == Level.GRID and req.grid_id is not None:
        roles = roles.filter(role__in=GRID_ROLES, scope_id=req.grid_id)
    else:
        roles = roles.filter(role__in=COMMUNITY_ROLES)
    return list(User.objects.filter(is_active=True, roles__in=roles).distinct())


def _tell_responsible(req: Request, subject: str, *, exclude: User | None = None) -> None:
    people = [u for u in responsible_people(req) if exclude is None or u.pk != exclude.pk]
    if people:
        notify(people, subject=subject, body=req.title, url=request_url(req))


# --- intake --------------------------------------------------------------------------------


def number_prefix(community: Community) -> str:
    initials = "".join(lazy_pinyin(community.name, style=Style.FIRST_LETTER, errors="ignore"))
    return (initials[:2] or community.slug[:2]).upper()


def _next_number(community: Community, year: int) -> str:
    """The next number of the community's year, in one statement (UPDATE … RETURNING).

    The row lock is held until the caller commits, so numbers have no gaps or repeats.
    """
    table, last = (connection.ops.quote_name(n) for n in (RequestCounter._meta.db_table, "last"))
    # Identifiers quoted by the backend, values as parameters.
    sql = (f"UPDATE {table} SET {last} = {last} + 1 "  # noqa: S608
           f"WHERE community_id = %s AND year = %s RETURNING {last}")
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [community.pk, year])
            row = cursor.fetchone()
        if row is not None:
            return f"{number_prefix(community)}-{year}-{row[0]:06d}"
        try:  # the year's first request: start the counter (a racing first one retries)
            with transaction.atomic():
                RequestCounter.objects.create(community=community, year=year, last=1)
        except IntegrityError:
            continue
        return f"{number_prefix(community)}-{year}-{1:06d}"
    raise RuntimeError("request counter row vanished")  # pragma: no cover - never deleted


@transaction.atomic
def request_submit(
    *,
    actor: User,
    category_id: int,
    title: str,
    channel: str,
    type: str = Request.Type.HELP,
    description: str = "",
    community_id: int | None = None,
    dwelling_id: int | None = None,
    building_id: int | None = None,
    unit_id: int | None = None,
    unit_number: int | None = None,
    floor: int | None = None,
    place: str = "",
    grid_id: int | None = None,
    reporter_resident_id: int | None = None,
    reporter_name: str = "",
    reporter_mobile: str = "",
    photos: Sequence[tuple[str, File[Any]]] = (),
    idempotency_key: str = "",
) -> Request:
    """Record a request (for oneself or on a resident's behalf).

    Level, team and SLA come from the category. A retry with the same idempotency key returns
    the first request. The unit (单元) is the dwelling's, or `unit_id` / `unit_number` of the
    building (an error names the field when it is not one of the building's units).
    """
    if not has_capability(actor, Capability.REPORT_REQUEST):
        raise Forbidden()
    idempotency_key = _text(idempotency_key, "idempotency_key", 64)
    if idempotency_key:
        first = Request.objects.filter(recorded_by=actor, idempotency_key=idempotency_key).first()
        if first is not None:
            return first
    scope = scope_of(actor)
    is_staff_side = bool(scope.everything or scope.communities or scope.grids)

    # Where.
    dwelling: Dwelling | None = None
    building: Building | None = None
    resident_self: Resident | None = None
    if not is_staff_side:
        resident_self = Resident.objects.filter(
            user=actor, status=Resident.Status.ACTIVE
        ).select_related("household", "user").first()
        if resident_self is None:
            raise Forbidden()
    if dwelling_id is not None:
        dqs = Dwelling.objects.select_related("unit__building")
        if is_staff_side:
            dqs = scoped(dqs, actor, write=True)
        else:  # a resident reports about their own home
            dqs = dqs.filter(households__residents__user=actor)
        dwelling = dqs.filter(pk=dwelling_id).first()
        if dwelling is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a dwelling you may report for."),
                              field="dwelling_id")
        building = dwelling.unit.building
        unit_id, unit_number = dwelling.unit_id, None
        if floor is None:
            floor = dwelling.floor
    elif building_id is not None:
        bqs = Building.objects.all()
        if is_staff_side:
            bqs = scoped(bqs, actor, write=True)
        else:  # a resident may report about any building of their community
            bqs = bqs.filter(community_id__in=scope.member_of)
        building = bqs.filter(pk=building_id).first()
        if building is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a building you may report for."),
                              field="building_id")
    unit: Unit | None = None
    if unit_id is not None or unit_number is not None:
        field = "unit_id" if unit_id is not None else "unit"
        if building is None:
            raise DomainError(ErrorCode.INVALID, _("Choose the building of the unit."),
                              field="building_id")
        unit = selectors.unit_in_building(building=building, unit_id=unit_id,
                                          unit_number=unit_number, field=field)
    place = _text(place, "place", 200)
    if building is None and not place:
        raise DomainError(
            ErrorCode.INVALID,
            _("Say where: choose a building or a home, or describe the public place."),
            field="place",
        )
    if floor is not None and building is not None and not 1 <= floor <= building.floors:
        raise DomainError(ErrorCode.INVALID, _("This building has floors 1 to %(n)s.")
                          % {"n": building.floors}, field="floor")

    # Which community and grid.
    grid: Grid | None = None
    if building is not None:
        community_pk = building.community_id
        link = GridBuilding.objects.filter(building=building).select_related("grid").first()
        grid = link.grid if link else None
    else:
        if community_id is None:
            candidates = (
                set(scope.communities) | {g.community_id for g in
                                          Grid.objects.filter(pk__in=scope.grids)}
                | set(scope.member_of)
            )
            if len(candidates) != 1:
                raise DomainError(ErrorCode.INVALID, _("Choose the community."),
                                  field="community_id")
            community_id = next(iter(candidates))
        community_pk = community_id
        if grid_id is not None:
            grid = scoped(Grid.objects.all(), actor).filter(
                pk=grid_id, community_id=community_pk
            ).first()
            if grid is None:
                raise DomainError(ErrorCode.INVALID, _("Choose a grid of the community."),
                                  field="grid_id")
        else:
            own = [g for g in Grid.objects.filter(pk__in=scope.grids, community_id=community_pk)]
            grid = own[0] if len(own) == 1 else None
    community = Community.objects.filter(pk=community_pk).first()
    if community is None or not has_capability(
        actor, Capability.REPORT_REQUEST, community_id=community.pk
    ):
        raise NotFound()

    # What.
    category = Category.objects.filter(
        pk=category_id, community=community, active=True
    ).select_related("sla_policy").first()
    if category is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a category."), field="category_id")
    if type not in Request.Type.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a type."), field="type")
    if channel not in Request.Channel.values:
        raise DomainError(ErrorCode.INVALID, _("Choose how the request came in."),
                          field="channel")
    if not is_staff_side and channel != Request.Channel.SELF_REPORT:
        raise DomainError(ErrorCode.INVALID, _("Choose how the request came in."),
                          field="channel")
    title = _text(title, "title", 200, required=True,
                  message=_("Say in a few words what the problem is."))
    description = _text(description, "description", 5000)

    # Who.
    resident: Resident | None = resident_self
    if reporter_resident_id is not None and is_staff_side:
        resident = scoped(Resident.objects.all(), actor).filter(
            pk=reporter_resident_id, status=Resident.Status.ACTIVE
        ).select_related("household", "user").first()
        if resident is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a resident you may report for."),
                              field="reporter_resident_id")
    reporter_name = _text(reporter_name or (resident.name if resident else ""),
                          "reporter_name", 50)
    mobile = normalize_mobile(reporter_mobile, field="reporter_mobile") if (
        reporter_mobile or "").strip() else ""

    now = timezone.now()
    req = Request(
        community=community, category=category, type=type, channel=channel, title=title,
        description=description, dwelling=dwelling, building=building, unit=unit, floor=floor,
        place=place, grid=grid, reporter_resident=resident,
        reporter_household=resident.household if resident else None,
        reporter_user=resident.user if resident and resident.user_id else None,
        reporter_name=reporter_name, reporter_mobile_encrypted=crypto.encrypt(mobile),
        reporter_mobile_masked=mask_mobile(mobile) if mobile else "",
        recorded_by=actor, level=category.default_level, status=S.SUBMITTED,
        sla_policy=category.sla_policy, submitted_at=now, idempotency_key=idempotency_key,
        number="",
    )
    if category.sla_policy is not None:
        response, resolution = sla_due(category.sla_policy, now)
        req.due_response_at, req.due_resolution_at = response.at, resolution.at
    req.number = _next_number(community, timezone.localtime(now).year)
    try:
        with transaction.atomic():
            req.save()
    except IntegrityError:
        first = (
            Request.objects.filter(recorded_by=actor, idempotency_key=idempotency_key).first()
            if idempotency_key else None
        )
        if first is None:
            raise
        return first
    event = RequestEvent.objects.create(
        request=req, at=now, actor=actor, kind=K.SUBMITTED, to_status=req.status,
        to_level=req.level, data={"channel": channel},
    )
    _attach_photos(event, photos)
    audit.record("requests.request.submitted", actor=actor, target=req,
                 community_id=community.pk, number=req.number, channel=channel,
                 category=category.code)
    # The resident hears it was received: a self-reporter too, and a caller without a login
    # by text message.
    _tell_reporter(req, _("We have your request %(number)s.") % {"number": req.number},
                   user=req.reporter_user)
    _tell_responsible(req, _("New request %(number)s") % {"number": req.number},
                      exclude=actor)
    return req


# --- the life of a request ------------------------------------------------------------------


def _responded(req: Request, now: dt.datetime) -> None:
    if req.responded_at is None:
        req.responded_at = now
        if req.due_response_at is not None and now > req.due_response_at:
            req.response_breached = True


@transaction.atomic
def request_accept(*, actor: User, request_id: int, note: str = "",
                   version: int | None = None) -> Request:
    req = _act(actor, request_id, Action.ACCEPT, version)
    now = timezone.now()
    req.accepted_at = now
    _record(req, actor=actor, kind=K.ACCEPTED, to_status=S.ACCEPTED,
            note=_text(note, "note", 2000), now=now)
    _tell_reporter(req, _("Your request %(number)s was accepted.") % {"number": req.number})
    return req


def _team_member(team: ServiceTeam, user_id: int) -> User:
    member = TeamMember.objects.filter(team=team, user_id=user_id,
                                       user__is_active=True).select_related("user").first()
    if member is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a member of the team."),
                          field="assignee_id")
    return member.user


@transaction.atomic
def request_dispatch(
    *,
    actor: User,
    request_id: int,
    team_id: int | None = None,
    assignee_id: int | None = None,
    note: str = "",
    version: int | None = None,
) -> Request:
    """Send the request to a service team (the category's default, or one chosen by hand).

    Inside the team: assigned mode needs a member chosen by the dispatcher; pool mode leaves it
    for a member to take (unless one is chosen); round-robin picks the next member on duty.
    """
    req = _act(actor, request_id, Action.DISPATCH, version)
    if team_id is None:
        team_id = Category.objects.filter(pk=req.category_id).values_list(
            "default_team_id", flat=True
        ).first()
    team = ServiceTeam.objects.filter(
        pk=team_id, center__community_id=req.community_id, active=True
    ).first() if team_id is not None else None
    if team is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a service team of the community."),
                          field="team_id")
    assignee: User | None = None
    if assignee_id is not None:
        assignee = _team_member(team, assignee_id)
    elif team.dispatch_mode == ServiceTeam.DispatchMode.ASSIGNED:
        raise DomainError(ErrorCode.INVALID,
                          _("This team's jobs are assigned by the dispatcher: choose a member."),
                          field="assignee_id")
    elif team.dispatch_mode == ServiceTeam.DispatchMode.ROUND_ROBIN:
        from xingfuli.property.services import team_next_assignee

        assignee = team_next_assignee(team=team)  # None: nobody on duty, the pool takes it
    now = timezone.now()
    previous_team = req.team_id
    req.team, req.assignee = team, assignee
    req.dispatched_at = now
    _record(req, actor=actor, kind=K.DISPATCHED, to_status=S.DISPATCHED,
            note=_text(note, "note", 2000), now=now, team=team.pk,
            assignee=assignee.pk if assignee else None, mode=team.dispatch_mode,
            previous_team=previous_team)
    _tell_responsible(req, _("New job %(number)s: %(title)s")
                      % {"number": req.number, "title": req.title}, exclude=actor)
    _tell_reporter(req, _("Your request %(number)s was sent to %(team)s.")
                   % {"number": req.number, "team": team.name})
    return req


@transaction.atomic
def request_take(*, actor: User, request_id: int, version: int | None = None) -> Request:
    """A team member takes a job from the team's pool, or accepts one assigned to them."""
    req = _act(actor, request_id, Action.TAKE, version)
    if req.assignee_id == actor.pk:
        if job_accepted(req):
            raise DomainError(ErrorCode.INVALID_TRANSITION,
                              _("You have already accepted this job."), field="action")
        _record(req, actor=actor, kind=K.ACKNOWLEDGED, assignee=actor.pk)
        return req
    req.assignee = actor
    _record(req, actor=actor, kind=K.TAKEN, assignee=actor.pk)
    return req


def job_accepted(req: Request) -> bool:
    """Whether the assignee has taken or accepted the job since it was last dispatched."""
    return req.assignee_id is not None and req.pk in selectors.accepted_jobs(
        assignee_id=req.assignee_id, jobs=[req])


@transaction.atomic
def request_on_site(*, actor: User, request_id: int, note: str = "",
                    photos: Sequence[tuple[str, File[Any]]] = (),
                    version: int | None = None) -> Request:
    req = _act(actor, request_id, Action.ON_SITE, version)
    now = timezone.now()
    _responded(req, now)
    event = _record(req, actor=actor, kind=K.ON_SITE, to_status=S.ON_SITE,
                    note=_text(note, "note", 2000), now=now)
    _attach_photos(event, photos)
    _tell_reporter(req, _("Someone is on site for your request %(number)s.")
                   % {"number": req.number})
    return req


@transaction.atomic
def request_resolve(
    *,
    actor: User,
    request_id: int,
    note: str,
    photos: Sequence[tuple[str, File[Any]]] = (),
    version: int | None = None,
) -> Request:
    req = _act(actor, request_id, Action.RESOLVE, version)
    note = _text(note, "note", 2000, required=True, message=_("Say what was done."))
    now = timezone.now()
    _responded(req, now)
    req.resolved_at = now
    req.resolution_seconds = max(0, int((now - req.submitted_at).total_seconds()))
    if req.due_resolution_at is not None and now > req.due_resolution_at:
        req.resolution_breached = True
    event = _record(req, actor=actor, kind=K.RESOLVED, to_status=S.RESOLVED, note=note,
                    now=now, photos=len(photos))
    _attach_photos(event, photos)
    _tell_reporter(req, _("Your request %(number)s was resolved. Are you satisfied?")
                   % {"number": req.number})
    return req


@transaction.atomic
def request_follow_up(
    *,
    actor: User,
    request_id: int,
    satisfaction: str,
    comment: str = "",
    version: int | None = None,
) -> Request:
    """回访: satisfied or basically satisfied → followed up; unsatisfied → reopened."""
    req = _act(actor, request_id, Action.FOLLOW_UP, version)
    if satisfaction not in Request.Satisfaction.values:
        raise DomainError(ErrorCode.INVALID, _("Choose how satisfied the resident is."),
                          field="satisfaction")
    comment = _text(comment, "comment", 2000)
    now = timezone.now()
    req.satisfaction = satisfaction
    req.followed_up_at = now
    if satisfaction != Request.Satisfaction.UNSATISFIED:
        _record(req, actor=actor, kind=K.FOLLOWED_UP, to_status=S.FOLLOWED_UP, note=comment,
                now=now, satisfaction=satisfaction)
        return req
    back = S.DISPATCHED if req.team_id is not None else S.ACCEPTED
    req.resolved_at = None
    req.resolution_seconds = None
    previous_due = req.due_resolution_at
    _reopen_target(req, now)
    _record(req, actor=actor, kind=K.REOPENED, to_status=back, note=comment, now=now,
            satisfaction=satisfaction,
            previous_due=previous_due.isoformat() if previous_due else None,
            due=req.due_resolution_at.isoformat() if req.due_resolution_at else None)
    _tell_responsible(req, _("Request %(number)s was reopened: the resident is not satisfied.")
                      % {"number": req.number}, exclude=actor)
    if req.due_resolution_at is not None:
        body = _("We will come back to it. We aim to resolve it by %(when)s.") % {
            "when": _when(req.due_resolution_at)}
    else:
        body = _("We will come back to it.")
    _tell_reporter(req, _("Your request %(number)s is reopened.") % {"number": req.number},
                   body)
    return req


def _reopen_target(req: Request, now: dt.datetime) -> None:
    """A reopened request gets a fresh resolution target from its category's SLA, counted from
    the reopening (the old one has usually passed by the follow-up). A breach already recorded
    stays recorded (the KPIs count it late); the request is not marked or escalated again."""
    policy = req.sla_policy
    if policy is None:
        policy = SlaPolicy.objects.filter(categories__pk=req.category_id).first()
    if policy is None:
        return
    req.due_resolution_at = sla_add(policy.clock, now, policy.resolution_target).at


@transaction.atomic
def request_close(*, actor: User, request_id: int, note: str = "",
                  version: int | None = None) -> Request:
    req = _act(actor, request_id, Action.CLOSE, version)
    note = _text(note, "note", 2000)
    if req.status == S.RESOLVED and not note:
        raise DomainError(ErrorCode.INVALID,
                          _("Say why the request is closed without a follow-up."), field="note")
    now = timezone.now()
    req.closed_at = now
    _record(req, actor=actor, kind=K.CLOSED, to_status=S.CLOSED, note=note, now=now)
    _tell_reporter(req, _("Your request %(number)s is closed.") % {"number": req.number})
    return req


@transaction.atomic
def request_reject(*, actor: User, request_id: int, reason: str,
                   version: int | None = None) -> Request:
    """Not dispatched: for courts or petitions, unlawful, out of scope (say which)."""
    req = _act(actor, request_id, Action.REJECT, version)
    reason = _text(reason, "reason", 2000, required=True,
                   message=_("Say why the request is not taken up."))
    _record(req, actor=actor, kind=K.REJECTED, to_status=S.REJECTED, note=reason)
    _tell_reporter(req, _("Your request %(number)s was not taken up.") % {"number": req.number},
                   reason)
    return req


@transaction.atomic
def request_mark_duplicate(*, actor: User, request_id: int, original_id: int, note: str = "",
                           version: int | None = None) -> Request:
    """A repeat with no new facts: the caller is told the progress of the original."""
    req = _act(actor, request_id, Action.MARK_DUPLICATE, version)
    original = scoped(Request.objects.all(), actor).filter(
        pk=original_id, community_id=req.community_id
    ).exclude(pk=req.pk).exclude(status=S.DUPLICATE).first()
    if original is None:
        raise DomainError(ErrorCode.INVALID, _("Choose the original request."),
                          field="original_id")
    req.duplicate_of = original
    _record(req, actor=actor, kind=K.DUPLICATE, to_status=S.DUPLICATE,
            note=_text(note, "note", 2000), original=original.pk, original_number=original.number)
    _tell_reporter(req, _("Your request %(number)s is already being handled as %(original)s "
                          "(%(status)s).") % {"number": req.number, "original": original.number,
                                              "status": original.get_status_display()})
    return req


@transaction.atomic
def request_cancel(*, actor: User, request_id: int, reason: str,
                   version: int | None = None) -> Request:
    req = _act(actor, request_id, Action.CANCEL, version)
    reason = _text(reason, "reason", 2000, required=True,
                   message=_("Say why the request is cancelled."))
    req.paused_at = None
    _record(req, actor=actor, kind=K.CANCELLED, to_status=S.CANCELLED, note=reason)
    if req.reporter_user_id != actor.pk:
        _tell_reporter(req, _("Your request %(number)s was cancelled.")
                       % {"number": req.number}, reason)
    return req


def _level_change(actor: User | None, req: Request, to_level: str, reason: str,
                  kind: str, now: dt.datetime | None = None, **data: Any) -> RequestEvent:
    event = _record(req, actor=actor, kind=kind, to_level=to_level, note=reason, now=now, **data)
    _tell_responsible(req, _("Request %(number)s now needs you (%(level)s).")
                      % {"number": req.number, "level": req.get_level_display()},
                      exclude=actor)
    return event


@transaction.atomic
def request_escalate(*, actor: User, request_id: int, to_level: str, reason: str,
                     version: int | None = None) -> Request:
    """大事社区帮: grid → community → street or a department, with the reason."""
    req = _act(actor, request_id, Action.ESCALATE, version)
    if to_level not in LEVEL_ORDER or LEVEL_ORDER.index(to_level) <= LEVEL_ORDER.index(req.level):
        raise DomainError(ErrorCode.INVALID, _("Choose a higher level than the present one."),
                          field="to_level")
    reason = _text(reason, "reason", 2000, required=True,
                   message=_("Say why the request goes up."))
    _level_change(actor, req, to_level, reason, K.ESCALATED)
    _tell_reporter(req, _escalated_words(req))
    return req


def _escalated_words(req: Request) -> str:
    if req.level == Level.REFERRED:
        return _("Your request %(number)s was passed on to the street or a department.") % {
            "number": req.number}
    return _("Your request %(number)s is now handled by the community.") % {
        "number": req.number}


@transaction.atomic
def request_deescalate(*, actor: User, request_id: int, to_level: str, reason: str,
                       version: int | None = None) -> Request:
    req = _act(actor, request_id, Action.DEESCALATE, version)
    if to_level not in LEVEL_ORDER or LEVEL_ORDER.index(to_level) >= LEVEL_ORDER.index(req.level):
        raise DomainError(ErrorCode.INVALID, _("Choose a lower level than the present one."),
                          field="to_level")
    if to_level == Level.GRID and req.grid_id is None:
        raise DomainError(ErrorCode.INVALID, _("This request has no grid to hand it to."),
                          field="to_level")
    reason = _text(reason, "reason", 2000, required=True,
                   message=_("Say why the request goes back down."))
    _level_change(actor, req, to_level, reason, K.DEESCALATED)
    return req


def may_reply(*, actor: User, req: Request) -> bool:
    """Whether the actor may record a reply on the request: an officer of the street while it
    is referred to the street, and the request is open."""
    return req.status in OPEN_STATUSES and is_street_officer_for(actor, req)


@transaction.atomic
def request_reply(*, actor: User, request_id: int, note: str,
                  version: int | None = None) -> Request:
    """The street's (or a department's) reply on a request referred to it: an event with the
    note; the community's staff are told. The status and level stay as they are."""
    req = (
        scoped(Request.objects.select_for_update(of=("self",)), actor)
        .filter(pk=request_id).first()
    )
    if req is None:
        raise NotFound()
    if not may_reply(actor=actor, req=req):
        raise Forbidden()
    if version is not None and req.version != version:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("Someone else changed this request in the meantime. Reload it and try again."),
            field="version",
        )
    note = _text(note, "note", 2000, required=True, message=_("Write the reply."))
    _record(req, actor=actor, kind=K.REPLIED, note=note)
    community_staff = User.objects.filter(
        is_active=True, roles__community_id=req.community_id, roles__role__in=COMMUNITY_ROLES,
    ).exclude(pk=actor.pk).distinct()
    people = list(community_staff)
    if people:
        notify(people, subject=_("The street replied on request %(number)s.")
               % {"number": req.number}, body=note[:500], url=request_url(req))
    return req


@transaction.atomic
def request_refer_to_topic(*, actor: User, request_id: int, topic_id: int, topic_title: str,
                           note: str = "", version: int | None = None) -> Request:
    """Link the request to the deliberation topic made of it (called by the deliberation module).

    The request stays open at its level; the event names the topic, and the reporter is told.
    """
    req = _act(actor, request_id, Action.REFER_TO_TOPIC, version)
    note = _text(note, "note", 2000)
    _record(req, actor=actor, kind=K.REFERRED, note=note, topic_id=topic_id,
            topic_title=topic_title[:200])
    _tell_reporter(req, _("Your request %(number)s goes to a deliberation topic: %(topic)s")
                   % {"number": req.number, "topic": topic_title[:200]})
    return req


@transaction.atomic
def request_pause(*, actor: User, request_id: int, reason: str,
                  version: int | None = None) -> Request:
    """Stop the SLA clock while waiting for the resident (away, cannot be reached…)."""
    req = _act(actor, request_id, Action.PAUSE, version)
    reason = _text(reason, "reason", 2000, required=True,
                   message=_("Say what you are waiting for."))
    now = timezone.now()
    req.paused_at = now
    _record(req, actor=actor, kind=K.PAUSED, note=reason, now=now)
    _tell_reporter(req, _("We need you for your request %(number)s: %(note)s")
                   % {"number": req.number, "note": reason[:120]}, reason)
    return req


@transaction.atomic
def request_resume(*, actor: User, request_id: int, note: str = "",
                   version: int | None = None) -> Request:
    """Restart the clock; the due times not yet met move on by the time paused."""
    req = _act(actor, request_id, Action.RESUME, version)
    now = timezone.now()
    assert req.paused_at is not None  # noqa: S101 - guaranteed by the transition check
    clock = req.sla_policy.clock if req.sla_policy is not None else "24x7"
    extension = sla_elapsed(clock, req.paused_at, now)
    if req.responded_at is None and req.due_response_at is not None:
        req.due_response_at = sla_add(clock, req.due_response_at, extension).at
    if req.resolved_at is None and req.due_resolution_at is not None:
        req.due_resolution_at = sla_add(clock, req.due_resolution_at, extension).at
    req.paused_seconds += int(extension.total_seconds())
    req.paused_at = None
    _record(req, actor=actor, kind=K.RESUMED, note=_text(note, "note", 2000), now=now,
            paused_seconds=int(extension.total_seconds()))
    return req


# --- SLA breaches ---------------------------------------------------------------------------


def requests_breaches_process(*, now: dt.datetime | None = None) -> int:
    """Mark requests past their due times (response and resolution separately), escalate
    each one level and notify the people now responsible. Returns how many were marked."""
    now = now or timezone.now()
    candidates = Request.objects.filter(status__in=OPEN_STATUSES, paused_at__isnull=True)
    late_response = candidates.filter(
        response_breached=False, responded_at__isnull=True, due_response_at__lt=now
    )
    late_resolution = candidates.filter(resolution_breached=False, due_resolution_at__lt=now)
    ids = sorted(set(late_response.values_list("pk", flat=True))
                 | set(late_resolution.values_list("pk", flat=True)))
    marked = 0
    for pk in ids:
        with transaction.atomic():
            if _breach_one(pk, now):
                marked += 1
    return marked


def _breach_one(pk: int, now: dt.datetime) -> bool:
    req = Request.objects.select_for_update(of=("self",)).filter(
        pk=pk, status__in=OPEN_STATUSES, paused_at__isnull=True
    ).first()
    if req is None:
        return False
    response = (not req.response_breached and req.responded_at is None
                and req.due_response_at is not None and req.due_response_at < now)
    resolution = (not req.resolution_breached and req.due_resolution_at is not None
                  and req.due_resolution_at < now)
    if not (response or resolution):
        return False
    req.response_breached = req.response_breached or response
    req.resolution_breached = req.resolution_breached or resolution
    what = [w for w, late in (("response", response), ("resolution", resolution)) if late]
    _record(req, actor=None, kind=K.BREACHED, now=now, late=what)
    index = LEVEL_ORDER.index(req.level)
    if index + 1 < len(LEVEL_ORDER):
        _record(req, actor=None, kind=K.ESCALATED, to_level=LEVEL_ORDER[index + 1],
                note=_("Deadline missed."), now=now, automatic=True)
    people = {u.pk: u for u in responsible_people(req) + level_handlers(req)}
    if people:
        notify(list(people.values()),
               subject=_("Request %(number)s is past its deadline (%(level)s).")
               % {"number": req.number, "level": req.get_level_display()}, body=req.title,
               url=request_url(req))
    # One message to the resident for the breach and its escalation: an apology and what to
    # expect now (the category's resolution target again, from now).
    expect = None
    if req.sla_policy is not None:
        expect = sla_add(req.sla_policy.clock, now, req.sla_policy.resolution_target).at
    body = (_("It now goes to: %(level)s. We expect to resolve it by %(when)s.")
            % {"level": req.get_level_display(), "when": _when(expect)} if expect
            else _("It now goes to: %(level)s.") % {"level": req.get_level_display()})
    _tell_reporter(req, _("Sorry: your request %(number)s missed its deadline.")
                   % {"number": req.number}, body)
    return True

