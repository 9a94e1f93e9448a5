"""Services of the deliberation module: lifecycle, the rule of the meeting, scoping and the
link from a request to a topic."""

import datetime as dt

import pytest
from django.utils import timezone

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import AuditEntry, Notification
from xingfuli.deliberation import services
from xingfuli.deliberation.models import (
    Decision,
    HouseholdVote,
    Meeting,
    Topic,
    TopicEvent,
)
from xingfuli.deliberation.tests.factories import (
    drip_topic,
    held_meeting,
    households_in,
    options,
    pavilion,
)
from xingfuli.requests import services as request_services
from xingfuli.requests.models import RequestEvent
from xingfuli.requests.tests.factories import light_out, make_categories

S = Topic.Status


def code_of(call):
    with pytest.raises(DomainError) as e:
        call()
    return e.value.code, e.value.field


# --- the quorum on a real meeting ----------------------------------------------------------


@pytest.fixture
def setup(world):
    pav = pavilion(world)
    topic = drip_topic(world, pav)
    opts = options(world, topic)
    heads = households_in(world.b1, 9)  # with alice's household: 10 households in building 1
    return pav, topic, opts, heads


@pytest.mark.parametrize(("present", "votes_for", "adopted", "quorum_met"), [
    (5, 5, False, False),  # exactly half of 10 present: no quorum
    (6, 4, True, True),  # 6 present, 4 for: more than half of 6
    (6, 3, False, True),  # exactly half of those present is not enough
    (9, 5, True, True),
])
def test_more_than_half_present_and_of_those_present(world, setup, present, votes_for,
                                                    adopted, quorum_met):
    pav, topic, opts, heads = setup
    meeting = held_meeting(world, topic, pav, heads[:present])
    assert meeting.eligible_count == 10
    decision = services.decision_record(
        actor=world.carol, meeting_id=meeting.pk, option_id=opts[2].pk,
        method=Decision.Method.HANDS, votes_for=votes_for,
        votes_against=present - votes_for, abstained=0,
    )
    assert (decision.present, decision.eligible) == (present, 10)
    assert decision.quorum_met is quorum_met and decision.adopted is adopted
    topic.refresh_from_db()
    assert topic.status == (S.DECIDED if adopted else S.DELIBERATED)
    assert (topic.chosen_option_id == opts[2].pk) is adopted


def test_a_stricter_rule_per_topic_and_per_household_votes(world, setup):
    pav, topic, opts, heads = setup
    services.topic_rule_set(actor=world.carol, topic_id=topic.pk, basis="households",
                            quorum_numerator=2, quorum_denominator=3, quorum_inclusive=True,
                            approval_numerator=2, approval_denominator=3,
                            approval_inclusive=True)
    # 7 of 10 households: at least 2/3 present. Votes per household: 4 for, 2 against, 1 silent.
    meeting = held_meeting(world, topic, pav, heads[:7])
    votes = {r.household_id: "for" for r in heads[:4]}
    votes.update({r.household_id: "against" for r in heads[4:6]})
    decision = services.decision_record(actor=world.carol, meeting_id=meeting.pk,
                                        option_id=opts[2].pk, method="ballot",
                                        household_votes=votes)
    # 4/7 < 2/3: not adopted, though more than half.
    assert decision.recording == "households" and decision.votes_for == 4
    assert decision.quorum_met and not decision.adopted and decision.approval_rule == ">=2/3"
    assert HouseholdVote.objects.filter(decision=decision).count() == 6
    votes[heads[6].household_id] = "for"
    decision = services.decision_record(actor=world.carol, meeting_id=meeting.pk,
                                        option_id=opts[2].pk, method="ballot",
                                        household_votes=votes)
    assert decision.votes_for == 5 and decision.adopted  # 5/7 ≥ 2/3


def test_rules_looser_than_the_law_or_votes_beyond_those_present_are_refused(world, setup):
    pav, topic, opts, heads = setup
    before = topic.version
    assert code_of(lambda: services.topic_rule_set(
        actor=world.carol, topic_id=topic.pk, basis="households", quorum_numerator=1,
        quorum_denominator=3, quorum_inclusive=True, approval_numerator=1,
        approval_denominator=2, approval_inclusive=False)) == (ErrorCode.INVALID, "quorum")
    assert code_of(lambda: services.topic_rule_set(
        actor=world.carol, topic_id=topic.pk, basis="households", quorum_numerator=1,
        quorum_denominator=2, quorum_inclusive=False, approval_numerator=1,
        approval_denominator=2, approval_inclusive=True)) == (ErrorCode.INVALID, "approval")
    topic.refresh_from_db()
    assert topic.version == before
    meeting = held_meeting(world, topic, pav, heads[:6])
    assert code_of(lambda: services.decision_record(
        actor=world.carol, meeting_id=meeting.pk, option_id=opts[0].pk, method="hands",
        votes_for=5, votes_against=2, abstained=0)) == (ErrorCode.INVALID, "votes_for")
    assert code_of(lambda: services.decision_record(
        actor=world.carol, meeting_id=meeting.pk, option_id=opts[0].pk, method="hands",
        votes_for=-1, votes_against=2, abstained=0)) == (ErrorCode.INVALID, "votes_for")
    assert not Decision.objects.exists()


def test_residents_basis_counts_every_adult_present(world, setup):
    pav, topic, opts, heads = setup
    services.topic_rule_set(actor=world.carol, topic_id=topic.pk, basis="residents",
                            quorum_numerator=1, quorum_denominator=2, quorum_inclusive=False,
                            approval_numerator=1, approval_denominator=2,
                            approval_inclusive=False)
    meeting = held_meeting(world, topic, pav, heads[:6], representatives=False)
    # Representatives are not needed when residents count; per-household votes are refused.
    assert code_of(lambda: services.decision_record(
        actor=world.carol, meeting_id=meeting.pk, option_id=opts[0].pk, method="ballot",
        household_votes={heads[0].household_id: "for"})) == (ErrorCode.INVALID, "recording")
    d = services.decision_record(actor=world.carol, meeting_id=meeting.pk,
                                 option_id=opts[0].pk, method="hands", votes_for=4,
                                 votes_against=2, abstained=0)
    assert (d.eligible, d.present, d.adopted, d.basis) == (10, 6, True, "residents")


# --- lifecycle -------------------------------------------------------------------------------


def test_the_whole_lifecycle_with_events(world, setup):
    pav, topic, opts, heads = setup
    alice = world.alice
    view = services.view_add(actor=alice, topic_id=topic.pk, text="楼下总是湿的，怕摔跤",
                             option_id=opts[2].pk)
    assert view.household_id == world.h1.pk
    meeting = held_meeting(world, topic, pav, heads[:6])
    services.decision_record(actor=world.carol, meeting_id=meeting.pk, option_id=opts[2].pk,
                             method="hands", votes_for=6, votes_against=0, abstained=0)
    # Alice wrote a view: she is told of the meeting and of the decision.
    subjects = list(Notification.objects.filter(recipient=alice).values_list("subject", flat=True))
    assert any("和风亭" in s for s in subjects) and any("收集再利用" in s for s in subjects)
    topic.refresh_from_db()
    assert code_of(lambda: services.topic_complete(actor=world.carol, topic_id=topic.pk)) == (
        ErrorCode.INVALID_TRANSITION, "status")
    item = services.item_add(actor=world.carol, topic_id=topic.pk, title="安装集水桶",
                             owner_label="物业服务中心水电维修队", owner_id=world.tom.pk)
    topic.refresh_from_db()
    assert topic.status == S.IMPLEMENTING
    services.item_add(actor=world.carol, topic_id=topic.pk, title="绿植浇灌",
                      owner_label="绿化养护队")
    services.item_progress(actor=world.carol, item_id=item.pk, progress=100)
    # One item still open: not done yet.
    assert code_of(lambda: services.topic_complete(actor=world.carol, topic_id=topic.pk))[0] == (
        ErrorCode.INVALID_TRANSITION)
    second = topic.items.get(title="绿植浇灌")
    services.item_progress(actor=world.carol, item_id=second.pk, progress=100, version=1)
    done = services.topic_complete(actor=world.carol, topic_id=topic.pk)
    assert done.status == S.DONE and done.done_at is not None
    trail = list(TopicEvent.objects.filter(topic=topic).values_list("from_status", "to_status"))
    assert trail == [("", "collecting"), ("collecting", "scheduled"),
                     ("scheduled", "deliberated"), ("deliberated", "decided"),
                     ("decided", "implementing"), ("implementing", "done")]
    assert AuditEntry.objects.filter(action="deliberation.topic.complete").count() == 1
    # Nothing changes after done.
    assert code_of(lambda: services.topic_withdraw(actor=world.carol, topic_id=topic.pk,
                                                   reason="x"))[0] == ErrorCode.INVALID_TRANSITION
    assert code_of(lambda: services.view_add(actor=alice, topic_id=topic.pk, text="x"))[0] == (
        ErrorCode.INVALID_TRANSITION)


def test_illegal_moves_are_named_and_change_nothing(world, setup):
    pav, topic, opts, _heads = setup
    assert code_of(lambda: services.item_add(actor=world.carol, topic_id=topic.pk, title="x",
                                             owner_label="y")) == (
        ErrorCode.INVALID_TRANSITION, "status")
    meeting = services.meeting_schedule(actor=world.carol, topic_id=topic.pk,
                                        pavilion_id=pav.pk,
                                        starts_at=timezone.now() + dt.timedelta(days=2))
    # Minutes without any option ticked; and a vote before the minutes.
    assert code_of(lambda: services.meeting_hold(actor=world.carol, meeting_id=meeting.pk,
                                                 minutes="x", option_ids=[])) == (
        ErrorCode.INVALID, "option_ids")
    assert code_of(lambda: services.decision_record(
        actor=world.carol, meeting_id=meeting.pk, option_id=opts[0].pk, method="hands",
        votes_for=1, votes_against=0, abstained=0))[0] == ErrorCode.INVALID_TRANSITION
    # Calling it off goes back to collecting views; a second schedule works.
    services.meeting_cancel(actor=world.carol, meeting_id=meeting.pk, reason="下雨")
    topic.refresh_from_db()
    assert topic.status == S.COLLECTING
    stale = topic.version - 1
    assert code_of(lambda: services.meeting_schedule(
        actor=world.carol, topic_id=topic.pk, pavilion_id=pav.pk,
        starts_at=timezone.now(), version=stale)) == (ErrorCode.CONFLICT, "version")
    services.topic_withdraw(actor=world.carol, topic_id=topic.pk, reason="居民自行解决",
                            version=topic.version)
    topic.refresh_from_db()
    assert topic.status == S.WITHDRAWN


def test_attendance_only_adults_of_the_buildings_once(world, setup):
    pav, topic, _opts, heads = setup
    meeting = services.meeting_schedule(actor=world.carol, topic_id=topic.pk,
                                        pavilion_id=pav.pk,
                                        starts_at=timezone.now() + dt.timedelta(days=1))
    bob = world.residents["bob_r"]  # lives in building 2
    assert code_of(lambda: services.attendance_record(
        actor=world.carol, meeting_id=meeting.pk, resident_id=bob.pk)) == (
        ErrorCode.INVALID, "resident_id")
    services.attendance_record(actor=world.carol, meeting_id=meeting.pk,
                               resident_id=heads[0].pk, represents_household=True)
    assert code_of(lambda: services.attendance_record(
        actor=world.carol, meeting_id=meeting.pk, resident_id=heads[0].pk))[0] == (
        ErrorCode.DUPLICATE)
    from xingfuli.core.testing import make_resident

    child = make_resident(heads[0].household, "小孩", birth=dt.date(2015, 1, 1),
                          relation="child")
    assert code_of(lambda: services.attendance_record(
        actor=world.carol, meeting_id=meeting.pk, resident_id=child.pk)) == (
        ErrorCode.INVALID, "resident_id")
    spouse = make_resident(heads[0].household, "配偶", relation="spouse")
    assert code_of(lambda: services.attendance_record(
        actor=world.carol, meeting_id=meeting.pk, resident_id=spouse.pk,
        represents_household=True)) == (ErrorCode.DUPLICATE, "represents_household")


# --- scoping and rights ------------------------------------------------------------------------


def test_who_may_do_what(world, setup):
    pav, topic, _opts, _heads = setup
    # Outsiders do not even see the topic; grid workers and the street read but do not manage.
    assert code_of(lambda: services.option_add(actor=world.oscar, topic_id=topic.pk,
                                               title="x"))[0] == ErrorCode.NOT_FOUND
    for reader in (world.gina, world.sam):
        assert code_of(lambda r=reader: services.meeting_schedule(
            actor=r, topic_id=topic.pk, pavilion_id=pav.pk,
            starts_at=timezone.now()))[0] == ErrorCode.FORBIDDEN
    assert code_of(lambda: services.view_add(actor=world.gina, topic_id=topic.pk,
                                             text="x"))[0] == ErrorCode.FORBIDDEN
    assert code_of(lambda: services.topic_create(
        actor=world.alice, community_id=world.community.pk, title="x",
        kind="major"))[0] in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN)
    assert code_of(lambda: services.pavilion_create(
        actor=world.oscar, community_id=world.community.pk, name="x"))[0] == ErrorCode.NOT_FOUND
    # A resident proposes and adds options; the proposal tells community staff.
    proposed = services.topic_propose(actor=world.alice, title="楼道堆物", kind="major",
                                      idempotency_key="k1")
    again = services.topic_propose(actor=world.alice, title="楼道堆物", kind="major",
                                   idempotency_key="k1")
    assert proposed.pk == again.pk and proposed.origin == "proposal"
    assert proposed.proposed_by_id == world.alice.pk
    assert Notification.objects.filter(recipient=world.carol, subject__contains="楼道堆物").exists()
    services.option_add(actor=world.alice, topic_id=proposed.pk, title="统一清理")
    # Buildings of another community are refused by name.
    assert code_of(lambda: services.topic_create(
        actor=world.carol, community_id=world.community.pk, title="x", kind="major",
        building_ids=[world.b_other.pk])) == (ErrorCode.INVALID, "building_ids")


def test_bad_input_names_the_field(world, setup):
    _pav, topic, _opts, _heads = setup
    assert code_of(lambda: services.topic_create(
        actor=world.carol, community_id=world.community.pk, title="  ", kind="major")) == (
        ErrorCode.INVALID, "title")
    assert code_of(lambda: services.topic_create(
        actor=world.carol, community_id=world.community.pk, title="x", kind="huge")) == (
        ErrorCode.INVALID, "kind")
    assert code_of(lambda: services.view_add(actor=world.alice, topic_id=topic.pk,
                                             text="")) == (ErrorCode.INVALID, "text")
    assert code_of(lambda: services.option_add(actor=world.alice, topic_id=topic.pk,
                                               title="加装雨棚")) == (ErrorCode.DUPLICATE, "title")
    assert code_of(lambda: services.pavilion_create(
        actor=world.carol, community_id=world.community.pk, name="和风亭")) == (
        ErrorCode.DUPLICATE, "name")


# --- request → topic ---------------------------------------------------------------------------


def test_topic_from_request_links_both_in_one_transaction(world):
    cats = make_categories(world)
    req = light_out(world, cats, title="空调水滴到楼下大门")
    req = request_services.request_accept(actor=world.carol, request_id=req.pk)
    topic = services.topic_from_request(actor=world.carol, request_id=req.pk,
                                        kind="livelihood", note="网格解决不了，拿到议事亭",
                                        idempotency_key="r1")
    assert topic.origin == "request" and topic.source_request_id == req.pk
    assert topic.title == "空调水滴到楼下大门"
    assert list(topic.buildings.values_list("pk", flat=True)) == [world.b1.pk]
    event = RequestEvent.objects.filter(request=req).latest("id")
    assert event.kind == RequestEvent.Kind.REFERRED
    assert event.data == {"topic_id": topic.pk, "topic_title": topic.title}
    # The reporter (alice) is told; a retry with the key returns the same topic.
    assert Notification.objects.filter(recipient=world.alice,
                                       subject__contains=topic.title).exists()
    assert services.topic_from_request(actor=world.carol, request_id=req.pk,
                                       idempotency_key="r1").pk == topic.pk
    # Without the key, a second topic of the same request is refused.
    assert code_of(lambda: services.topic_from_request(
        actor=world.carol, request_id=req.pk)) == (ErrorCode.DUPLICATE, "request_id")


def test_topic_from_request_rolls_back_when_the_request_refuses(world):
    cats = make_categories(world)
    req = light_out(world, cats)
    request_services.request_accept(actor=world.carol, request_id=req.pk)
    # A stale version of the request: the requests module refuses, so no topic is kept.
    assert code_of(lambda: services.topic_from_request(
        actor=world.carol, request_id=req.pk, request_version=1))[0] == ErrorCode.CONFLICT
    assert not Topic.objects.exists()
    # A grid worker may not take a request to the pavilion.
    assert code_of(lambda: services.topic_from_request(
        actor=world.gina, request_id=req.pk))[0] == ErrorCode.FORBIDDEN
    assert not Topic.objects.exists() and not Meeting.objects.exists()
