"""Many clients at once (issue 8): no over-booking, no lost vote, no lost update.

Each call goes through the module's own services in its own thread and connection, all released
together (xingfuli.core.testing.run_at_once). On PostgreSQL the losers wait on the row lock; on
SQLite they are retried as a client would. Run on both:

    python -m pytest -q -p no:randomly tests/reliability/test_concurrency.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python -m pytest -q -p no:randomly \
        tests/reliability/test_concurrency.py
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import partial

import pytest
from django.utils import timezone

from xingfuli.core import scheduling as sch
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import build_world, make_user, run_at_once
from xingfuli.deliberation import services as deliberation
from xingfuli.deliberation.models import Decision, HouseholdVote, Topic
from xingfuli.deliberation.tests.factories import (
    drip_topic,
    held_meeting,
    households_in,
    options,
    pavilion,
)
from xingfuli.elevators import selectors as elevator_selectors
from xingfuli.elevators import services as elevators
from xingfuli.elevators.models import Ballot
from xingfuli.elevators.tests.factories import owner_login, owners_for, project_at, unit_with
from xingfuli.requests import services as requests
from xingfuli.requests.models import Request, RequestEvent
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched
from xingfuli.volunteers import services as volunteers

pytestmark = pytest.mark.django_db(transaction=True)

S = Request.Status


def _errors(results: list[object]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]


def _unexpected(results: list[object]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)]


# --- (a) the last places of one volunteer activity ------------------------------------------


def test_many_residents_sign_up_for_the_last_places_at_once():
    world = build_world()
    start = timezone.now() + dt.timedelta(days=2)
    activity = volunteers.activity_create(
        actor=world.vera, community_id=world.community.pk, title="重阳节包饺子",
        starts_at=start, ends_at=start + dt.timedelta(hours=2), place="活动室", capacity=5,
    )
    session = sch.Session.objects.get(series__module="volunteers", series__owner_id=activity.pk)
    early = [make_user(f"早到{i}") for i in range(3)]
    for user in early:
        assert volunteers.activity_sign_up(actor=user, session_id=session.pk).status == "confirmed"
    # Two places left, ten residents at once, one of them pressing the button twice.
    crowd = [make_user(f"居民{i}") for i in range(10)]
    calls = [partial(volunteers.activity_sign_up, actor=u, session_id=session.pk) for u in crowd]
    calls.append(partial(volunteers.activity_sign_up, actor=crowd[0], session_id=session.pk))
    results = run_at_once(calls)

    assert not _unexpected(results), results
    duplicates = _errors(results)
    assert len(duplicates) == 1 and duplicates[0].code == ErrorCode.DUPLICATE  # type: ignore[attr-defined]
    bookings = [r for r in results if isinstance(r, sch.Booking)]
    assert sorted(b.status for b in bookings) == ["confirmed"] * 2 + ["waitlisted"] * 8
    rows = sch.Booking.objects.filter(session=session)
    assert rows.filter(status="confirmed").count() == 5  # never more than the places
    assert rows.filter(status="waitlisted").count() == 8
    assert rows.count() == 13  # each resident once
    assert Counter(rows.values_list("contact_id", flat=True)).most_common(1)[0][1] == 1
    occupancy = sch.occupancy([session.pk])[session.pk]
    assert (occupancy.confirmed, occupancy.free) == (5, 0)
    # The waiting list is a strict order: positions 1..8, none shared.
    waiting = rows.filter(status="waitlisted")
    assert sorted(sch.waitlist_position(b) or 0 for b in waiting) == list(range(1, 9))


# --- (b) one elevator ballot ----------------------------------------------------------------


def test_many_owners_vote_in_one_ballot_at_once():
    world = build_world()
    building, dwellings = unit_with(world, ["60.00"] * 8)
    owners = owners_for(world, dwellings)
    project = project_at(world, building)
    users = [owner_login(world, o, d, name=f"业主{i}")
             for i, (o, d) in enumerate(zip(owners, dwellings, strict=True))]
    elevators.round_open(actor=world.carol, project_id=project.pk)
    yes, no = Ballot.Choice.YES, Ballot.Choice.NO

    calls = [partial(elevators.ballot_cast_online, actor=u, project_id=project.pk,
                     choice=yes if i < 6 else no) for i, u in enumerate(users[:7])]
    # The eighth owner votes online while the staff record a paper ballot for them: one counts.
    calls.append(partial(elevators.ballot_cast_online, actor=users[7], project_id=project.pk,
                         choice=no))
    calls.append(partial(elevators.ballot_record_paper, actor=world.carol,
                         project_id=project.pk, owner_id=owners[7].pk, choice=yes,
                         paper_number="P-8"))
    # The first owner taps twice: an online ballot may be cast again, it still counts once.
    calls.append(partial(elevators.ballot_cast_online, actor=users[0], project_id=project.pk,
                         choice=yes))
    results = run_at_once(calls)

    assert not _unexpected(results), results
    refused = _errors(results)
    assert len(refused) == 1 and refused[0].code == ErrorCode.DUPLICATE  # type: ignore[attr-defined]
    ballots = Ballot.objects.filter(round__project=project)
    assert ballots.count() == 8  # every owner counted, each exactly once
    assert sorted(ballots.values_list("owner_id", flat=True)) == sorted(o.pk for o in owners)
    eighth = ballots.get(owner=owners[7])
    assert (eighth.channel, eighth.choice) == (
        (Ballot.Channel.ONLINE, no) if isinstance(results[8], DomainError)
        else (Ballot.Channel.PAPER, yes)
    )
    assert ballots.get(owner=owners[0]).choice == yes
    result = elevator_selectors.ballot_result(project.rounds.get())
    assert result.voted_heads == 8
    assert result.yes_heads == 6 + (eighth.choice == yes)
    # Every ballot that stood is in the audit log once per successful call.
    casts = AuditEntry.objects.filter(action__in=["elevators.ballot.cast",
                                                  "elevators.ballot.recorded"]).count()
    assert casts == len(results) - len(refused)


def test_two_staff_record_the_vote_of_one_meeting_at_once():
    world = build_world()
    pav = pavilion(world)
    topic = drip_topic(world, pav)
    opts = options(world, topic)
    heads = households_in(world.b1, 9)
    meeting = held_meeting(world, topic, pav, heads[:7])
    votes = {r.household_id: "for" for r in heads[:7]}
    # Carol and Adam both enter the sheet of the same show of hands, each for another option:
    # the first adopted decision decides the topic; the other is refused, nothing doubled.
    results = run_at_once([
        partial(deliberation.decision_record, actor=actor, meeting_id=meeting.pk,
                option_id=option.pk, method=Decision.Method.HANDS, household_votes=votes)
        for actor, option in ((world.carol, opts[0]), (world.adam, opts[1]))
    ])
    assert not _unexpected(results), results
    (refused,) = _errors(results)
    assert refused.code == ErrorCode.INVALID_TRANSITION  # type: ignore[attr-defined]
    (decision,) = [r for r in results if isinstance(r, Decision)]
    assert Decision.objects.filter(meeting=meeting).count() == 1
    assert HouseholdVote.objects.filter(decision__meeting=meeting).count() == 7
    topic.refresh_from_db()
    assert topic.status == Topic.Status.DECIDED
    assert topic.chosen_option_id == decision.option_id


# --- (c) several staff on one work order ----------------------------------------------------


def _consistent(req: Request) -> None:
    """The request's state is the one its last event moved it to, its version counts them."""
    req.refresh_from_db()
    events = list(RequestEvent.objects.filter(request=req).order_by("pk"))
    moved = [e for e in events if e.to_status]
    assert moved[-1].to_status == req.status, [(e.kind, e.to_status) for e in events]
    assert req.version == len(events), (req.version, [(e.kind, e.to_status) for e in events])


def test_two_dispatchers_and_a_cancel_on_one_request_at_once():
    world = build_world()
    cats = make_categories(world)
    req = light_out(world, cats)
    requests.request_accept(actor=world.carol, request_id=req.pk)
    req.refresh_from_db()
    version = req.version
    # Two dispatchers send it to different teams from the same page (same version), while the
    # grid worker cancels it: exactly one of the three acts, the others are told to reload.
    results = run_at_once([
        partial(requests.request_dispatch, actor=world.dora, request_id=req.pk,
                team_id=world.repair_team.pk, assignee_id=world.tom.pk, version=version),
        partial(requests.request_dispatch, actor=world.carol, request_id=req.pk,
                team_id=world.cleaning_team.pk, assignee_id=world.tina.pk, version=version),
        partial(requests.request_cancel, actor=world.gina, request_id=req.pk,
                reason="居民说灯已经好了", version=version),
    ])
    assert not _unexpected(results), results
    winners = [r for r in results if isinstance(r, Request)]
    losers = _errors(results)
    assert len(winners) == 1 and len(losers) == 2, results
    assert all(e.code == ErrorCode.CONFLICT and e.field == "version"  # type: ignore[attr-defined]
               for e in losers)
    req.refresh_from_db()
    assert req.version == version + 1
    assert req.status == winners[0].status
    if req.status == S.DISPATCHED:
        assert (req.team_id, req.assignee_id) == (winners[0].team_id, winners[0].assignee_id)
    else:
        assert req.status == S.CANCELLED
    _consistent(req)


def test_follow_ups_and_dispatches_without_a_version_never_lose_an_update():
    world = build_world()
    cats = make_categories(world)
    # Without a version (the API lets a client leave it out) the row lock still serialises the
    # calls: each acts on the state the previous one left.
    req = light_out(world, cats)
    requests.request_accept(actor=world.carol, request_id=req.pk)
    results = run_at_once([
        partial(requests.request_dispatch, actor=world.dora, request_id=req.pk,
                team_id=world.repair_team.pk, assignee_id=world.tom.pk),
        partial(requests.request_dispatch, actor=world.carol, request_id=req.pk,
                team_id=world.cleaning_team.pk, assignee_id=world.tina.pk),
    ])
    assert not _errors(results), results
    req.refresh_from_db()
    dispatches = list(RequestEvent.objects.filter(request=req, kind="dispatched").order_by("pk"))
    assert len(dispatches) == 2  # both recorded, in order: a re-dispatch, not a lost one
    assert dispatches[1].data["previous_team"] == dispatches[0].data["team"]
    assert req.team_id == dispatches[1].data["team"]
    _consistent(req)

    # Two follow-up calls of one resolved request at once: one is recorded, the other refused.
    done = to_dispatched(world, light_out(world, cats, title="楼道灯不亮"), assignee=world.tom)
    requests.request_resolve(actor=world.tom, request_id=done.pk, note="换了灯泡")
    results = run_at_once([
        partial(requests.request_follow_up, actor=world.alice, request_id=done.pk,
                satisfaction="satisfied"),
        partial(requests.request_follow_up, actor=world.gina, request_id=done.pk,
                satisfaction="unsatisfied", comment="还是不亮"),
    ])
    assert not _unexpected(results), results
    (refused,) = _errors(results)
    assert refused.code == ErrorCode.INVALID_TRANSITION  # type: ignore[attr-defined]
    done.refresh_from_db()
    (winner,) = [r for r in results if isinstance(r, Request)]
    assert done.status == winner.status in {S.FOLLOWED_UP, S.DISPATCHED}
    follow_ups = RequestEvent.objects.filter(request=done, kind__in=["followed_up", "reopened"])
    assert follow_ups.count() == 1
    _consistent(done)
