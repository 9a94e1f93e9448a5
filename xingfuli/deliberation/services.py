"""Writes of the deliberation module (一亭): pavilions, topics, views and options, meetings,
attendance, decisions and implementation.

Who may do what:
- community staff and admins (MANAGE_DELIBERATION) run everything of their community;
- a resident proposes a topic, adds views and options to the topics of their community;
- everybody else reads (topics are deliberated in the open) and changes nothing.

A topic's state changes only through `_move`, by the one table `TRANSITIONS`; each change is a
`TopicEvent` and an audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.notifications import notify
from xingfuli.core.permissions import Capability, has_capability, require
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.deliberation.models import (
    Attendance,
    Decision,
    HouseholdVote,
    ImplementationItem,
    Meeting,
    Option,
    Pavilion,
    Topic,
    TopicEvent,
    TopicView,
)
from xingfuli.deliberation.rules import Share, check
from xingfuli.registry.models import Building, Household, Resident

S = Topic.Status
ADULT_AGE = 18  # 居委会组织法 Art. 9 counts adult residents (年满十八周岁)


# --- the one table of a topic's states --------------------------------------------------------


class Action:
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    HOLD = "hold"
    DECIDE = "decide"
    IMPLEMENT = "implement"
    COMPLETE = "complete"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    targets: frozenset[str]


TRANSITIONS: dict[str, Transition] = {
    # A meeting is scheduled; after a meeting without a decision, another one.
    Action.SCHEDULE: Transition(frozenset({S.COLLECTING, S.DELIBERATED}),
                                frozenset({S.SCHEDULED})),
    # The meeting is called off: back to collecting views (or deliberated, if one was held).
    Action.UNSCHEDULE: Transition(frozenset({S.SCHEDULED}),
                                  frozenset({S.COLLECTING, S.DELIBERATED})),
    Action.HOLD: Transition(frozenset({S.SCHEDULED}), frozenset({S.DELIBERATED})),
    # Only a vote that meets both tests decides; a failed vote leaves the topic deliberated.
    Action.DECIDE: Transition(frozenset({S.DELIBERATED}), frozenset({S.DECIDED})),
    Action.IMPLEMENT: Transition(frozenset({S.DECIDED}), frozenset({S.IMPLEMENTING})),
    Action.COMPLETE: Transition(frozenset({S.IMPLEMENTING}), frozenset({S.DONE})),
    Action.WITHDRAW: Transition(frozenset({S.COLLECTING, S.SCHEDULED, S.DELIBERATED}),
                                frozenset({S.WITHDRAWN})),
}
ACTION_LABELS = {
    Action.SCHEDULE: gettext_lazy("schedule a meeting"),
    Action.UNSCHEDULE: gettext_lazy("call off the meeting"),
    Action.HOLD: gettext_lazy("record the meeting"),
    Action.DECIDE: gettext_lazy("record the decision"),
    Action.IMPLEMENT: gettext_lazy("start implementation"),
    Action.COMPLETE: gettext_lazy("mark as done"),
    Action.WITHDRAW: gettext_lazy("withdraw"),
}
# While these, residents may still add views; options only before the meeting is held.
VIEWS_OPEN = frozenset({S.COLLECTING, S.SCHEDULED, S.DELIBERATED})
OPTIONS_OPEN = frozenset({S.COLLECTING, S.SCHEDULED})
RULE_OPEN = frozenset({S.COLLECTING, S.SCHEDULED, S.DELIBERATED})
ITEMS_OPEN = frozenset({S.DECIDED, S.IMPLEMENTING})


def can_move(topic: Topic, action: str) -> bool:
    return topic.status in TRANSITIONS[action].sources


def _move(topic: Topic, action: str, *, actor: User, to: str | None = None,
          note: str = "") -> None:
    """Change the (locked) topic's state by the table, with an event and an audit entry."""
    transition = TRANSITIONS[action]
    target = to or next(iter(transition.targets))
    if topic.status not in transition.sources or target not in transition.targets:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("The topic is “%(status)s”: you cannot %(action)s now.")
            % {"status": topic.get_status_display(), "action": ACTION_LABELS[action]},
            field="status",
        )
    before = topic.status
    topic.status = target
    topic.version += 1
    now = timezone.now()
    fields = ["status", "version"]
    if target == S.DECIDED:
        topic.decided_at = now
        fields.append("decided_at")
    if target == S.DONE:
        topic.done_at = now
        fields.append("done_at")
    topic.save(update_fields=[*fields, "chosen_option"] if target == S.DECIDED else fields)
    TopicEvent.objects.create(topic=topic, action=action, from_status=before, to_status=target,
                              actor=actor, note=note, at=now)
    audit.record(f"deliberation.topic.{action}", actor=actor, target=topic,
                 from_status=before, to_status=target)


# --- small helpers ----------------------------------------------------------------------------


def _text(value: str | None, *, field: str, max_length: int, required: bool = False,
          message: str | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID, message or _("This is required."), field=field)
    if len(value) > max_length:
        raise DomainError(ErrorCode.INVALID,
                          _("At most %(n)s characters, please.") % {"n": max_length},
                          field=field)
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise DomainError(ErrorCode.INVALID, _("Remove the control characters."), field=field)
    return value


def _choice(value: str, choices: Iterable[str], *, field: str, message: str) -> str:
    if value not in set(choices):
        raise DomainError(ErrorCode.INVALID, message, field=field)
    return value


def _check_version(obj: Any, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("Someone else changed this in the meantime. Reload the page and try again."),
            field="version",
        )


def _community_for_managing(actor: User, community_id: int) -> Community:
    found = scoped(Community.objects.all(), actor).filter(pk=community_id).first()
    if found is None:
        raise NotFound()
    require(actor, Capability.MANAGE_DELIBERATION, community_id=found.pk)
    if not scoped(Community.objects.filter(pk=found.pk), actor, write=True).exists():
        raise Forbidden()
    return found


def _topic_for_managing(actor: User, topic_id: int, *, lock: bool = True) -> Topic:
    """Seen but not managed is a 403; not even seen is a 404."""
    seen = scoped(Topic.objects.all(), actor).filter(pk=topic_id).values_list(
        "community_id", flat=True).first()
    if seen is None:
        raise NotFound()
    require(actor, Capability.MANAGE_DELIBERATION, community_id=seen)
    qs = scoped(Topic.objects.all(), actor, write=True).filter(pk=topic_id)
    topic = (qs.select_for_update(of=("self",)) if lock else qs).first()
    if topic is None:
        raise Forbidden()
    return topic


def _topic_for_reading(actor: User, topic_id: int, *, lock: bool = False) -> Topic:
    qs = scoped(Topic.objects.all(), actor).filter(pk=topic_id)
    topic = (qs.select_for_update(of=("self",)) if lock else qs).first()
    if topic is None:
        raise NotFound()
    return topic


def _resident_household(actor: User, community_id: int) -> Household | None:
    """The actor's own household in the community (a resident login), if any."""
    households = scope_of(actor).households
    if not households:
        return None
    return Household.objects.filter(
        pk__in=households, dwelling__unit__building__community_id=community_id
    ).first()


def _buildings(community_id: int, ids: Iterable[int], *, field: str = "building_ids") -> (
    list[Building]
):
    wanted = {int(i) for i in ids}
    found = list(Building.objects.filter(pk__in=wanted, community_id=community_id))
    unknown = wanted - {b.pk for b in found}
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            _("These buildings are not in the community: %(ids)s")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))},
            field=field,
        )
    return found


def _pavilion_of(community_id: int, pavilion_id: int | None) -> Pavilion | None:
    if pavilion_id is None:
        return None
    pavilion = Pavilion.objects.filter(pk=pavilion_id, community_id=community_id,
                                       active=True).first()
    if pavilion is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a pavilion of the community in use."),
                          field="pavilion_id")
    return pavilion


def _share(numerator: int, denominator: int, inclusive: bool, *, field: str) -> Share:
    try:
        return Share(int(numerator), int(denominator), bool(inclusive))
    except (TypeError, ValueError):
        raise DomainError(
            ErrorCode.INVALID,
            _("A share is a fraction between 0 and 1, like 1/2 or 2/3."), field=field,
        ) from None


# --- pavilions --------------------------------------------------------------------------------


@transaction.atomic
def pavilion_create(*, actor: User, community_id: int, name: str, location: str = "",
                    building_ids: Iterable[int] = ()) -> Pavilion:
    community = _community_for_managing(actor, community_id)
    name = _text(name, field="name", max_length=50, required=True,
                 message=_("Give the pavilion a name."))
    if Pavilion.objects.filter(community=community, name=name).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("Another pavilion has this name."),
                          field="name")
    pavilion = Pavilion.objects.create(
        community=community, name=name,
        location=_text(location, field="location", max_length=200),
    )
    pavilion.buildings.set(_buildings(community.pk, building_ids))
    audit.record("deliberation.pavilion.created", actor=actor, target=pavilion, name=name)
    return pavilion


@transaction.atomic
def pavilion_update(*, actor: User, pavilion_id: int, name: str, location: str = "",
                    building_ids: Iterable[int] = (), active: bool = True,
                    version: int | None = None) -> Pavilion:
    seen = scoped(Pavilion.objects.all(), actor).filter(pk=pavilion_id).values_list(
        "community_id", flat=True).first()
    if seen is None:
        raise NotFound()
    require(actor, Capability.MANAGE_DELIBERATION, community_id=seen)
    pavilion = scoped(Pavilion.objects.select_for_update(of=("self",)), actor, write=True).filter(
        pk=pavilion_id).first()
    if pavilion is None:
        raise Forbidden()
    _check_version(pavilion, version)
    name = _text(name, field="name", max_length=50, required=True,
                 message=_("Give the pavilion a name."))
    if Pavilion.objects.filter(community_id=pavilion.community_id, name=name).exclude(
            pk=pavilion.pk).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("Another pavilion has this name."),
                          field="name")
    pavilion.name = name
    pavilion.location = _text(location, field="location", max_length=200)
    pavilion.active = active
    pavilion.version += 1
    pavilion.save(update_fields=["name", "location", "active", "version"])
    pavilion.buildings.set(_buildings(pavilion.community_id, building_ids))
    audit.record("deliberation.pavilion.updated", actor=actor, target=pavilion, name=name)
    return pavilion


# --- topics -------------------------------------------------------------------------------------


def _new_topic(*, actor: User, community_id: int, title: str, description: str, kind: str,
               origin: str, building_ids: Iterable[int], pavilion_id: int | None,
               idempotency_key: str, **extra: Any) -> Topic:
    title = _text(title, field="title", max_length=200, required=True,
                  message=_("Say in a few words what the matter is."))
    description = _text(description, field="description", max_length=5000)
    kind = _choice(kind, Topic.Kind.values, field="kind",
                   message=_("Choose 大事, 实事 or 难事."))
    topic = Topic.objects.create(
        community_id=community_id, title=title, description=description, kind=kind,
        origin=origin, pavilion=_pavilion_of(community_id, pavilion_id), created_by=actor,
        idempotency_key=idempotency_key, **extra,
    )
    buildings = _buildings(community_id, building_ids)
    topic.buildings.set(buildings)
    TopicEvent.objects.create(topic=topic, action="create", from_status="",
                              to_status=topic.status, actor=actor, at=topic.created_at)
    audit.record("deliberation.topic.created", actor=actor, target=topic, origin=origin,
                 kind=kind)
    return topic


def _replay(actor: User, key: str) -> Topic | None:
    key = _text(key, field="idempotency_key", max_length=64)
    if not key:
        return None
    return Topic.objects.filter(created_by=actor, idempotency_key=key).first()


@transaction.atomic
def topic_create(*, actor: User, community_id: int, title: str, kind: str,
                 origin: str = Topic.Origin.PROPOSAL, description: str = "",
                 building_ids: Iterable[int] = (), pavilion_id: int | None = None,
                 source_visit_id: int | None = None, idempotency_key: str = "") -> Topic:
    """Staff record a topic: a resident's proposal, or matters found on a household visit.

    Requests become topics through `topic_from_request`, which links both."""
    community = _community_for_managing(actor, community_id)
    first = _replay(actor, idempotency_key)
    if first is not None:
        return first
    origin = _choice(origin, [Topic.Origin.PROPOSAL, Topic.Origin.VISIT], field="origin",
                     message=_("A topic comes from a proposal or a household visit; a request "
                               "becomes a topic from the request's page."))
    visit_id = None
    if source_visit_id is not None:
        from xingfuli.grid.selectors import access_visit

        try:
            visit = access_visit(actor=actor, visit_id=source_visit_id)
        except NotFound:
            raise DomainError(ErrorCode.INVALID, _("No such household visit."),
                              field="source_visit_id") from None
        visit_id = visit.pk
    return _new_topic(actor=actor, community_id=community.pk, title=title,
                      description=description, kind=kind, origin=origin,
                      building_ids=building_ids, pavilion_id=pavilion_id,
                      idempotency_key=idempotency_key.strip(), source_visit_id=visit_id)


@transaction.atomic
def topic_propose(*, actor: User, title: str, description: str = "",
                  kind: str = Topic.Kind.LIVELIHOOD, building_ids: Iterable[int] = (),
                  community_id: int | None = None, idempotency_key: str = "") -> Topic:
    """A resident proposes a matter for the pavilion; community staff are told."""
    households = Household.objects.filter(pk__in=scope_of(actor).households)
    if community_id is not None:
        households = households.filter(dwelling__unit__building__community_id=community_id)
    household = households.select_related("dwelling__unit__building").first()
    if household is None:
        raise Forbidden(_("Only residents of the community may propose a topic."))
    first = _replay(actor, idempotency_key)
    if first is not None:
        return first
    building = household.dwelling.unit.building
    topic = _new_topic(actor=actor, community_id=building.community_id, title=title,
                       description=description, kind=kind, origin=Topic.Origin.PROPOSAL,
                       building_ids=building_ids, pavilion_id=None,
                       idempotency_key=idempotency_key.strip(), proposed_by=actor)
    _tell_staff(topic, _("A resident proposed a topic: %(title)s") % {"title": topic.title})
    return topic


@transaction.atomic
def topic_from_request(*, actor: User, request_id: int, title: str = "",
                       kind: str = Topic.Kind.LIVELIHOOD, description: str = "",
                       building_ids: Iterable[int] | None = None,
                       pavilion_id: int | None = None, note: str = "",
                       request_version: int | None = None,
                       idempotency_key: str = "") -> Topic:
    """Turn a request the grid or community could not settle into a topic, and link both.

    One transaction: the topic is created and the requests module records the referral on
    the request (an event) and tells its reporter. If either fails, neither is kept.
    """
    from xingfuli.requests import selectors as request_selectors
    from xingfuli.requests import services as request_services

    first = _replay(actor, idempotency_key)
    if first is not None:
        return first
    req = request_selectors.access_request(actor=actor, request_id=request_id)
    community = _community_for_managing(actor, req.community_id)
    if Topic.objects.filter(source_request_id=req.pk).exclude(status=S.WITHDRAWN).exists():
        raise DomainError(ErrorCode.DUPLICATE,
                          _("This request is already a deliberation topic."),
                          field="request_id")
    if building_ids is None:
        building_ids = [req.building_id] if req.building_id else []
    topic = _new_topic(
        actor=actor, community_id=community.pk, title=title or req.title,
        description=description or req.description, kind=kind, origin=Topic.Origin.REQUEST,
        building_ids=building_ids, pavilion_id=pavilion_id,
        idempotency_key=idempotency_key.strip(), source_request=req,
    )
    request_services.request_refer_to_topic(
        actor=actor, request_id=req.pk, topic_id=topic.pk, topic_title=topic.title,
        note=_text(note, field="note", max_length=2000), version=request_version,
    )
    return topic


@transaction.atomic
def topic_update(*, actor: User, topic_id: int, title: str, kind: str, description: str = "",
                 building_ids: Iterable[int] = (), pavilion_id: int | None = None,
                 version: int | None = None) -> Topic:
    topic = _topic_for_managing(actor, topic_id)
    _check_version(topic, version)
    if topic.status in (S.DONE, S.WITHDRAWN):
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("A topic that is done or withdrawn is not changed any more."),
                          field="status")
    topic.title = _text(title, field="title", max_length=200, required=True,
                        message=_("Say in a few words what the matter is."))
    topic.description = _text(description, field="description", max_length=5000)
    topic.kind = _choice(kind, Topic.Kind.values, field="kind",
                         message=_("Choose 大事, 实事 or 难事."))
    topic.pavilion = _pavilion_of(topic.community_id, pavilion_id)
    topic.version += 1
    topic.save(update_fields=["title", "description", "kind", "pavilion", "version"])
    topic.buildings.set(_buildings(topic.community_id, building_ids))
    audit.record("deliberation.topic.updated", actor=actor, target=topic)
    return topic


@transaction.atomic
def topic_rule_set(*, actor: User, topic_id: int, basis: str, quorum_numerator: int,
                   quorum_denominator: int, quorum_inclusive: bool, approval_numerator: int,
                   approval_denominator: int, approval_inclusive: bool,
                   version: int | None = None) -> Topic:
    """The quorum and approval rule of this topic (default: the law's more than half)."""
    topic = _topic_for_managing(actor, topic_id)
    _check_version(topic, version)
    if topic.status not in RULE_OPEN:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("The rule cannot change once the topic is decided."),
                          field="status")
    basis = _choice(basis, Topic.Basis.values, field="basis",
                    message=_("Count adult residents or household representatives."))
    quorum = _share(quorum_numerator, quorum_denominator, quorum_inclusive, field="quorum")
    approval = _share(approval_numerator, approval_denominator, approval_inclusive,
                      field="approval")
    for share, field in ((quorum, "quorum"), (approval, "approval")):
        if share.fraction < Share(1, 2).fraction or (share.fraction == 1 and not share.inclusive):
            raise DomainError(
                ErrorCode.INVALID,
                _("The law asks for more than half: a rule may be stricter, not looser, and "
                  "“more than all” can never be met."),
                field=field,
            )
        if share.fraction == Share(1, 2).fraction and share.inclusive:
            raise DomainError(
                ErrorCode.INVALID,
                _("Exactly half is not more than half: choose “more than 1/2”."), field=field,
            )
    topic.quorum_basis = basis
    topic.quorum_numerator, topic.quorum_denominator = quorum.numerator, quorum.denominator
    topic.quorum_inclusive = quorum.inclusive
    topic.approval_numerator = approval.numerator
    topic.approval_denominator = approval.denominator
    topic.approval_inclusive = approval.inclusive
    topic.version += 1
    topic.save()
    audit.record("deliberation.topic.rule_set", actor=actor, target=topic, basis=basis,
                 quorum=quorum.code, approval=approval.code)
    return topic


def quorum_share(topic: Topic) -> Share:
    return Share(topic.quorum_numerator, topic.quorum_denominator, topic.quorum_inclusive)


def approval_share(topic: Topic) -> Share:
    return Share(topic.approval_numerator, topic.approval_denominator, topic.approval_inclusive)


@transaction.atomic
def topic_withdraw(*, actor: User, topic_id: int, reason: str,
                   version: int | None = None) -> Topic:
    topic = _topic_for_managing(actor, topic_id)
    _check_version(topic, version)
    reason = _text(reason, field="reason", max_length=2000, required=True,
                   message=_("Say why the topic is withdrawn."))
    _move(topic, Action.WITHDRAW, actor=actor, note=reason)
    Meeting.objects.filter(topic=topic, status=Meeting.Status.SCHEDULED).update(
        status=Meeting.Status.CANCELLED)
    return topic


@transaction.atomic
def topic_complete(*, actor: User, topic_id: int, note: str = "",
                   version: int | None = None) -> Topic:
    """Done: every implementation item has reached 100%."""
    topic = _topic_for_managing(actor, topic_id)
    _check_version(topic, version)
    if topic.status == S.IMPLEMENTING and ImplementationItem.objects.filter(
            topic=topic, progress__lt=100).exists():
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Some implementation items are not finished yet."),
                          field="status")
    _move(topic, Action.COMPLETE, actor=actor, note=_text(note, field="note", max_length=2000))
    _tell_participants(topic, _("Done: %(title)s") % {"title": topic.title})
    return topic


# --- views and options -----------------------------------------------------------------------


@transaction.atomic
def view_add(*, actor: User, topic_id: int, text: str, option_id: int | None = None,
             household_id: int | None = None, idempotency_key: str = "") -> TopicView:
    """A resident's view on a topic of their community; staff may write down a household's
    view (said on a visit or at the door) for it."""
    topic = _topic_for_reading(actor, topic_id, lock=True)
    key = _text(idempotency_key, field="idempotency_key", max_length=64)
    if key:
        first = TopicView.objects.filter(author=actor, topic=topic, idempotency_key=key).first()
        if first is not None:
            return first
    staff = has_capability(actor, Capability.MANAGE_DELIBERATION,
                           community_id=topic.community_id) and scoped(
        Topic.objects.filter(pk=topic.pk), actor, write=True).exists()
    household: Household | None
    if staff:
        household = None
        if household_id is not None:
            household = scoped(Household.objects.all(), actor, write=True).filter(
                pk=household_id, dwelling__unit__building__community_id=topic.community_id
            ).first()
            if household is None:
                raise DomainError(ErrorCode.INVALID, _("No such household in the community."),
                                  field="household_id")
    else:
        household = _resident_household(actor, topic.community_id)
        if household is None:
            raise Forbidden(_("Only residents of the community and its staff add views."))
    if topic.status not in VIEWS_OPEN:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Views are no longer collected on this topic."), field="text")
    text = _text(text, field="text", max_length=2000, required=True,
                 message=_("Write your view."))
    option = None
    if option_id is not None:
        option = Option.objects.filter(pk=option_id, topic=topic).first()
        if option is None:
            raise DomainError(ErrorCode.INVALID, _("Choose one of this topic's options."),
                              field="option_id")
    view = TopicView.objects.create(topic=topic, author=actor, household=household,
                                    option=option, text=text, idempotency_key=key)
    audit.record("deliberation.view.added", actor=actor, target=view,
                 community_id=topic.community_id, topic=topic.pk)
    return view


@transaction.atomic
def option_add(*, actor: User, topic_id: int, title: str, description: str = "") -> Option:
    topic = _topic_for_reading(actor, topic_id, lock=True)
    staff = has_capability(actor, Capability.MANAGE_DELIBERATION,
                           community_id=topic.community_id) and scoped(
        Topic.objects.filter(pk=topic.pk), actor, write=True).exists()
    if not staff and _resident_household(actor, topic.community_id) is None:
        raise Forbidden(_("Only residents of the community and its staff add options."))
    if topic.status not in OPTIONS_OPEN:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Options are added before the meeting is held."), field="title")
    title = _text(title, field="title", max_length=200, required=True,
                  message=_("Say what the option is."))
    if Option.objects.filter(topic=topic, title=title).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This option is already on the list."),
                          field="title")
    option = Option.objects.create(
        topic=topic, title=title, proposed_by=actor,
        description=_text(description, field="description", max_length=2000),
    )
    audit.record("deliberation.option.added", actor=actor, target=option,
                 community_id=topic.community_id, topic=topic.pk)
    return option


# --- meetings ------------------------------------------------------------------------------------


def _meeting_for_managing(actor: User, meeting_id: int) -> tuple[Meeting, Topic]:
    topic_id = scoped(Meeting.objects.all(), actor).filter(pk=meeting_id).values_list(
        "topic_id", flat=True).first()
    if topic_id is None:
        raise NotFound()
    topic = _topic_for_managing(actor, topic_id)  # locks the topic first, then the meeting
    meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting_id)
    return meeting, topic


@transaction.atomic
def meeting_schedule(*, actor: User, topic_id: int, pavilion_id: int | None,
                     starts_at: dt.datetime, agenda: str = "", version: int | None = None,
                     idempotency_key: str = "") -> Meeting:
    topic = _topic_for_managing(actor, topic_id)
    key = _text(idempotency_key, field="idempotency_key", max_length=64)
    if key:
        first = Meeting.objects.filter(topic=topic, idempotency_key=key).first()
        if first is not None:
            return first
    _check_version(topic, version)
    pavilion = _pavilion_of(topic.community_id, pavilion_id or topic.pavilion_id)
    if pavilion is None:
        raise DomainError(ErrorCode.INVALID, _("Choose the pavilion where the meeting is held."),
                          field="pavilion_id")
    if starts_at is None or timezone.is_naive(starts_at):
        raise DomainError(ErrorCode.INVALID, _("Give the date and time of the meeting."),
                          field="starts_at")
    meeting = Meeting.objects.create(
        topic=topic, pavilion=pavilion, starts_at=starts_at,
        agenda=_text(agenda, field="agenda", max_length=5000), created_by=actor,
        idempotency_key=key,
    )
    if topic.pavilion_id is None:
        topic.pavilion = pavilion
        topic.save(update_fields=["pavilion"])
    _move(topic, Action.SCHEDULE, actor=actor,
          note=timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"))
    audit.record("deliberation.meeting.scheduled", actor=actor, target=meeting,
                 community_id=topic.community_id, topic=topic.pk)
    local = timezone.localtime(starts_at)
    _tell_participants(topic, _("Meeting at %(pavilion)s on %(when)s: %(title)s") % {
        "pavilion": pavilion.name, "when": f"{local:%Y-%m-%d %H:%M}", "title": topic.title})
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: User, meeting_id: int, reason: str) -> Meeting:
    meeting, topic = _meeting_for_managing(actor, meeting_id)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Only a scheduled meeting can be called off."), field="status")
    reason = _text(reason, field="reason", max_length=2000, required=True,
                   message=_("Say why the meeting is called off."))
    meeting.status = Meeting.Status.CANCELLED
    meeting.version += 1
    meeting.save(update_fields=["status", "version"])
    held_before = Meeting.objects.filter(topic=topic, status=Meeting.Status.HELD).exists()
    _move(topic, Action.UNSCHEDULE, actor=actor, note=reason,
          to=S.DELIBERATED if held_before else S.COLLECTING)
    return meeting


def eligible_count(*, topic: Topic, basis: str, on: dt.date) -> int:
    """Who may attend, from the registry: the adult residents living in the buildings
    concerned (the whole community when none are named), or their households."""
    adult_born_by = on.replace(year=on.year - ADULT_AGE) if not (
        on.month == 2 and on.day == 29) else on.replace(year=on.year - ADULT_AGE, day=28)
    residents = Resident.objects.filter(
        status=Resident.Status.ACTIVE, birth_date__lte=adult_born_by,
        household__dwelling__unit__building__community_id=topic.community_id,
    )
    building_ids = list(topic.buildings.values_list("pk", flat=True))
    if building_ids:
        residents = residents.filter(household__dwelling__unit__building_id__in=building_ids)
    if basis == Topic.Basis.HOUSEHOLDS:
        return residents.values("household_id").distinct().count()
    return residents.count()


def present_count(*, meeting: Meeting, basis: str) -> int:
    rows = Attendance.objects.filter(meeting=meeting)
    if basis == Topic.Basis.HOUSEHOLDS:
        return rows.filter(represents_household=True).count()
    return rows.count()


@transaction.atomic
def attendance_record(*, actor: User, meeting_id: int, resident_id: int,
                      represents_household: bool = False,
                      method: str = Attendance.Method.PAPER) -> Attendance:
    """Staff write down a paper sign-in: a resident, perhaps as the household's representative."""
    meeting, topic = _meeting_for_managing(actor, meeting_id)
    if meeting.status == Meeting.Status.CANCELLED or topic.status != S.SCHEDULED:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Attendance is recorded for a meeting not yet recorded as held."),
                          field="resident_id")
    method = _choice(method, Attendance.Method.values, field="method",
                     message=_("Choose how the person signed in."))
    resident = scoped(Resident.objects.select_related("household__dwelling__unit"), actor,
                      write=True).filter(
        pk=resident_id, status=Resident.Status.ACTIVE,
        household__dwelling__unit__building__community_id=topic.community_id,
    ).first()
    if resident is None:
        raise DomainError(ErrorCode.INVALID, _("No such resident living in the community."),
                          field="resident_id")
    on = timezone.localtime(meeting.starts_at).date()
    if (on.year - resident.birth_date.year
            - ((on.month, on.day) < (resident.birth_date.month, resident.birth_date.day))
            < ADULT_AGE):
        raise DomainError(ErrorCode.INVALID,
                          _("Only adults count at a residents' meeting."), field="resident_id")
    building_ids = set(topic.buildings.values_list("pk", flat=True))
    if building_ids and resident.household.dwelling.unit.building_id not in building_ids:
        raise DomainError(
            ErrorCode.INVALID,
            _("This resident does not live in the buildings the topic concerns."),
            field="resident_id",
        )
    if Attendance.objects.filter(meeting=meeting, resident=resident).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This resident is already signed in."),
                          field="resident_id")
    if represents_household and Attendance.objects.filter(
            meeting=meeting, household_id=resident.household_id,
            represents_household=True).exists():
        raise DomainError(ErrorCode.DUPLICATE,
                          _("This household already has a representative here."),
                          field="represents_household")
    row = Attendance.objects.create(
        meeting=meeting, household_id=resident.household_id, resident=resident,
        represents_household=represents_household, method=method, recorded_by=actor,
    )
    audit.record("deliberation.attendance.recorded", actor=actor, target=row,
                 community_id=topic.community_id, meeting=meeting.pk)
    return row


@transaction.atomic
def attendance_remove(*, actor: User, attendance_id: int) -> None:
    meeting_id = scoped(Attendance.objects.all(), actor).filter(pk=attendance_id).values_list(
        "meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound()
    meeting, topic = _meeting_for_managing(actor, meeting_id)
    if topic.status != S.SCHEDULED or meeting.status != Meeting.Status.SCHEDULED:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("The attendance of a held meeting is not changed."),
                          field="attendance_id")
    Attendance.objects.filter(pk=attendance_id).delete()
    audit.record("deliberation.attendance.removed", actor=actor, target_type="attendance",
                 target_id=attendance_id, community_id=topic.community_id)


@transaction.atomic
def meeting_hold(*, actor: User, meeting_id: int, minutes: str,
                 option_ids: Iterable[int] = (), version: int | None = None) -> Meeting:
    """The meeting took place: its minutes and the options discussed. Who could attend is
    counted from the registry now and kept with the meeting."""
    meeting, topic = _meeting_for_managing(actor, meeting_id)
    _check_version(meeting, version)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("This meeting is not waiting to be recorded."), field="status")
    minutes = _text(minutes, field="minutes", max_length=20000, required=True,
                    message=_("Write the minutes of the meeting."))
    wanted = {int(i) for i in option_ids}
    options = list(Option.objects.filter(topic=topic, pk__in=wanted))
    if len(options) != len(wanted):
        raise DomainError(ErrorCode.INVALID, _("Choose among this topic's options."),
                          field="option_ids")
    if not options:
        raise DomainError(ErrorCode.INVALID, _("Tick the options that were discussed."),
                          field="option_ids")
    meeting.status = Meeting.Status.HELD
    meeting.minutes = minutes
    meeting.held_at = timezone.now()
    meeting.eligible_count = eligible_count(topic=topic, basis=topic.quorum_basis,
                                            on=timezone.localtime(meeting.starts_at).date())
    meeting.version += 1
    meeting.save(update_fields=["status", "minutes", "held_at", "eligible_count", "version"])
    meeting.options_discussed.set(options)
    _move(topic, Action.HOLD, actor=actor)
    audit.record("deliberation.meeting.held", actor=actor, target=meeting,
                 community_id=topic.community_id, eligible=meeting.eligible_count)
    return meeting


# --- decisions --------------------------------------------------------------------------------


@transaction.atomic
def decision_record(*, actor: User, meeting_id: int, option_id: int, method: str,
                    votes_for: int | None = None, votes_against: int | None = None,
                    abstained: int | None = None,
                    household_votes: Mapping[int, str] | None = None, note: str = "",
                    version: int | None = None) -> Decision:
    """The vote on one option at a held meeting, as counts or per household, checked by the
    topic's rule (by default: more than half present, more than half of those present). A
    vote that passes both tests decides the topic; one that fails is kept and shown."""
    meeting, topic = _meeting_for_managing(actor, meeting_id)
    _check_version(topic, version)
    if meeting.status != Meeting.Status.HELD or meeting.eligible_count is None:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Record the meeting (minutes) before its vote."), field="status")
    if topic.status != S.DELIBERATED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("The topic is “%(status)s”: you cannot %(action)s now.")
            % {"status": topic.get_status_display(), "action": ACTION_LABELS[Action.DECIDE]},
            field="status",
        )
    method = _choice(method, Decision.Method.values, field="method",
                     message=_("Choose show of hands or ballot."))
    option = meeting.options_discussed.filter(pk=option_id).first()
    if option is None:
        raise DomainError(ErrorCode.INVALID, _("Choose an option discussed at the meeting."),
                          field="option_id")
    basis = topic.quorum_basis
    present = present_count(meeting=meeting, basis=basis)
    rows: list[HouseholdVote] = []
    if household_votes is not None:
        if basis != Topic.Basis.HOUSEHOLDS:
            raise DomainError(
                ErrorCode.INVALID,
                _("Votes per household are recorded when household representatives count."),
                field="recording",
            )
        represented = set(Attendance.objects.filter(
            meeting=meeting, represents_household=True).values_list("household_id", flat=True))
        for household_id, choice in household_votes.items():
            if int(household_id) not in represented:
                raise DomainError(
                    ErrorCode.INVALID,
                    _("Household %(id)s had no representative at the meeting.")
                    % {"id": household_id}, field="household_votes",
                )
            _choice(choice, HouseholdVote.Choice.values, field="household_votes",
                    message=_("A household votes for, against or abstains."))
            rows.append(HouseholdVote(household_id=int(household_id), choice=choice))
        counts = {c: sum(1 for r in rows if r.choice == c) for c in HouseholdVote.Choice.values}
        votes_for, votes_against, abstained = (
            counts[HouseholdVote.Choice.FOR], counts[HouseholdVote.Choice.AGAINST],
            counts[HouseholdVote.Choice.ABSTAIN],
        )
        recording = Decision.Recording.HOUSEHOLDS
    else:
        numbers = {"votes_for": votes_for, "votes_against": votes_against,
                   "abstained": abstained}
        for field, value in numbers.items():
            if value is None or not isinstance(value, int) or value < 0:
                raise DomainError(ErrorCode.INVALID,
                                  _("Give a whole number, 0 or more."), field=field)
        assert votes_for is not None and votes_against is not None  # noqa: S101
        assert abstained is not None  # noqa: S101
        recording = Decision.Recording.COUNTS
    if votes_for + votes_against + abstained > present:
        raise DomainError(
            ErrorCode.INVALID,
            _("%(votes)s votes but only %(present)s present: the votes cannot exceed those "
              "present.") % {"votes": votes_for + votes_against + abstained,
                             "present": present},
            field="votes_for",
        )
    result = check(eligible=meeting.eligible_count, present=present, votes_for=votes_for,
                   votes_against=votes_against, abstained=abstained,
                   quorum=quorum_share(topic), approval=approval_share(topic))
    decision = Decision.objects.create(
        topic=topic, meeting=meeting, option=option, method=method, recording=recording,
        basis=basis, eligible=result.eligible, present=present, votes_for=votes_for,
        votes_against=votes_against, abstained=abstained, quorum_rule=result.quorum.code,
        approval_rule=result.approval.code, quorum_met=result.quorum_met,
        adopted=result.adopted, note=_text(note, field="note", max_length=2000),
        recorded_by=actor,
    )
    for row in rows:
        row.decision = decision
    HouseholdVote.objects.bulk_create(rows)
    audit.record("deliberation.decision.recorded", actor=actor, target=decision,
                 community_id=topic.community_id, option=option.pk, adopted=result.adopted,
                 eligible=result.eligible, present=present, votes_for=votes_for)
    if result.adopted:
        topic.chosen_option = option
        _move(topic, Action.DECIDE, actor=actor, note=option.title)
        _tell_participants(topic, _("Decided: %(title)s — %(option)s")
                           % {"title": topic.title, "option": option.title})
    return decision


# --- implementation -----------------------------------------------------------------------------


def _progress(value: Any, *, field: str = "progress") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 100 or str(value).strip() not in (str(number), f"{number}.0"):
        raise DomainError(ErrorCode.INVALID, _("Progress is a whole number from 0 to 100."),
                          field=field)
    return number


@transaction.atomic
def item_add(*, actor: User, topic_id: int, title: str, owner_label: str,
             owner_id: int | None = None, request_id: int | None = None,
             renovation_id: int | None = None, elevator_project_id: int | None = None,
             due_on: dt.date | None = None,
             idempotency_key: str = "") -> ImplementationItem:
    """A piece of work of the decision; the first one starts the implementation."""
    topic = _topic_for_managing(actor, topic_id)
    key = _text(idempotency_key, field="idempotency_key", max_length=64)
    if key:
        first = ImplementationItem.objects.filter(topic=topic, idempotency_key=key).first()
        if first is not None:
            return first
    if topic.status not in ITEMS_OPEN:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Implementation items follow a decision."), field="status")
    title = _text(title, field="title", max_length=200, required=True,
                  message=_("Say what is to be done."))
    owner_label = _text(owner_label, field="owner_label", max_length=100, required=True,
                        message=_("Say who is responsible (a team or an office)."))
    owner = None
    if owner_id is not None:
        from xingfuli.core.models import RoleAssignment

        owner = User.objects.filter(
            pk=owner_id, is_active=True,
            pk__in=RoleAssignment.objects.filter(community_id=topic.community_id).exclude(
                role="resident").values("user_id"),
        ).first()
        if owner is None:
            raise DomainError(ErrorCode.INVALID,
                              _("The owner is someone working in the community."),
                              field="owner_id")
    links: dict[str, Any] = {}
    if request_id is not None:
        from xingfuli.requests import selectors as request_selectors

        try:
            req = request_selectors.access_request(actor=actor, request_id=request_id)
        except NotFound:
            req = None
        if req is None or req.community_id != topic.community_id:
            raise DomainError(ErrorCode.INVALID, _("No such request in the community."),
                              field="request_id")
        links["request"] = req
    if renovation_id is not None:
        from xingfuli.property.selectors import projects_for

        project = projects_for(actor=actor).filter(pk=renovation_id,
                                                   community_id=topic.community_id).first()
        if project is None:
            raise DomainError(ErrorCode.INVALID, _("No such renovation project."),
                              field="renovation_id")
        links["renovation"] = project
    if elevator_project_id is not None:
        from xingfuli.elevators import selectors as elevator_selectors

        elevator = elevator_selectors.projects_for(actor=actor).filter(
            pk=elevator_project_id, community_id=topic.community_id).first()
        if elevator is None:
            raise DomainError(ErrorCode.INVALID, _("No such elevator project in the community."),
                              field="elevator_project_id")
        links["elevator_project"] = elevator
    if due_on is not None and due_on < dt.date(2000, 1, 1):
        raise DomainError(ErrorCode.INVALID, _("Give a real due date."), field="due_on")
    item = ImplementationItem.objects.create(
        topic=topic, title=title, owner=owner, owner_label=owner_label, due_on=due_on,
        idempotency_key=key, **links,
    )
    audit.record("deliberation.item.added", actor=actor, target=item,
                 community_id=topic.community_id, topic=topic.pk)
    if topic.status == S.DECIDED:
        _move(topic, Action.IMPLEMENT, actor=actor, note=title)
    return item


@transaction.atomic
def item_progress(*, actor: User, item_id: int, progress: int, note: str = "",
                  version: int | None = None) -> ImplementationItem:
    topic_id = scoped(ImplementationItem.objects.all(), actor).filter(pk=item_id).values_list(
        "topic_id", flat=True).first()
    if topic_id is None:
        raise NotFound()
    topic = _topic_for_managing(actor, topic_id)
    item = ImplementationItem.objects.select_for_update(of=("self",)).get(pk=item_id)
    _check_version(item, version)
    if topic.status != S.IMPLEMENTING:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Progress is recorded while the topic is being implemented."),
                          field="progress")
    item.progress = _progress(progress)
    item.progress_note = _text(note, field="note", max_length=200)
    item.done_on = timezone.localdate() if item.progress == 100 else None
    item.version += 1
    item.save(update_fields=["progress", "progress_note", "done_on", "version"])
    audit.record("deliberation.item.progress", actor=actor, target=item,
                 community_id=topic.community_id, progress=item.progress)
    return item


# --- who is told --------------------------------------------------------------------------------


def _tell_staff(topic: Topic, subject: str) -> None:
    from xingfuli.core.models import RoleAssignment

    staff = User.objects.filter(
        is_active=True, pk__in=RoleAssignment.objects.filter(
            community_id=topic.community_id,
            role__in=["community_staff", "community_admin"]).values("user_id"),
    )
    notify(list(staff), subject=subject, url=f"/deliberation/topics/{topic.pk}/")


def _tell_participants(topic: Topic, subject: str) -> None:
    """The proposer and everyone who wrote a view (once each)."""
    ids = set(TopicView.objects.filter(topic=topic).values_list("author_id", flat=True))
    if topic.proposed_by_id:
        ids.add(topic.proposed_by_id)
    if not ids:
        return
    notify(list(User.objects.filter(pk__in=ids, is_active=True)),
           subject=subject, url=f"/deliberation/topics/{topic.pk}/")

