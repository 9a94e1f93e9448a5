"""The referred (street) level reaches someone: the street's officers are told and may hand the
request back down with a reason, or reply; they gain no other write access."""

import pytest

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import Notification
from xingfuli.requests import services
from xingfuli.requests.models import Level, Request, RequestEvent
from xingfuli.requests.services import Action
from xingfuli.requests.tests.factories import make_categories

S = Request.Status


@pytest.fixture
def cats(world):
    return make_categories(world)


def _policy_question(world, cats) -> Request:
    req = services.request_submit(
        actor=world.gina, category_id=cats.policy.pk, title="低保政策咨询",
        channel=Request.Channel.PHONE_TO_GRID, place="社区服务站",
        reporter_resident_id=world.residents["alice_r"].pk,
    )
    return services.request_accept(actor=world.carol, request_id=req.pk)


def _referred(world, cats) -> Request:
    req = _policy_question(world, cats)
    Notification.objects.all().delete()
    return services.request_escalate(actor=world.carol, request_id=req.pk, to_level="referred",
                                     reason="需要街道民政科答复")


def _forbidden(call):
    with pytest.raises(DomainError) as e:
        call()
    assert e.value.code == ErrorCode.FORBIDDEN


def test_referral_up_tells_the_streets_officers_and_the_resident(world, cats):
    req = _referred(world, cats)
    assert req.level == Level.REFERRED
    subjects = {(n.recipient_id, n.subject) for n in Notification.objects.all()}
    assert subjects == {
        (world.sam.pk, f"Request {req.number} now needs you (referred to the street or a "
                       f"department (上报))."),
        (world.alice.pk, f"Your request {req.number} was passed on to the street or a "
                         f"department."),
    }
    # oscar is staff of another community; carol referred it herself
    assert not Notification.objects.filter(recipient__in=[world.oscar, world.carol]).exists()


def test_a_street_officer_cannot_dispatch_or_resolve_at_community_level(world, cats):
    req = _policy_question(world, cats)
    assert services.allowed_actions(actor=world.sam, req=req) == []
    _forbidden(lambda: services.request_dispatch(actor=world.sam, request_id=req.pk,
                                                 team_id=world.repair_team.pk,
                                                 assignee_id=world.tom.pk))
    _forbidden(lambda: services.request_resolve(actor=world.sam, request_id=req.pk, note="x"))
    _forbidden(lambda: services.request_deescalate(actor=world.sam, request_id=req.pk,
                                                   to_level="grid", reason="x"))
    _forbidden(lambda: services.request_reply(actor=world.sam, request_id=req.pk, note="x"))
    req.refresh_from_db()
    assert (req.status, req.level, req.version) == (S.ACCEPTED, Level.COMMUNITY, 2)


def test_a_street_officer_hands_a_referred_request_back_down_and_nothing_else(world, cats):
    req = _referred(world, cats)
    assert services.allowed_actions(actor=world.sam, req=req) == [Action.DEESCALATE]
    _forbidden(lambda: services.request_dispatch(actor=world.sam, request_id=req.pk,
                                                 team_id=world.repair_team.pk,
                                                 assignee_id=world.tom.pk))
    _forbidden(lambda: services.request_resolve(actor=world.sam, request_id=req.pk, note="x"))
    _forbidden(lambda: services.request_close(actor=world.sam, request_id=req.pk, note="x"))
    # staff of another community of the street do not even see it
    with pytest.raises(DomainError) as e:
        services.request_deescalate(actor=world.oscar, request_id=req.pk,
                                    to_level="community", reason="x")
    assert e.value.code == ErrorCode.NOT_FOUND
    Notification.objects.all().delete()
    back = services.request_deescalate(actor=world.sam, request_id=req.pk,
                                       to_level="community", reason="属社区可办事项，请社区答复")
    assert (back.level, back.status) == (Level.COMMUNITY, S.ACCEPTED)
    event = RequestEvent.objects.filter(request=req).latest("id")
    assert (event.kind, event.actor_id, event.from_level, event.to_level, event.note) == (
        "deescalated", world.sam.pk, "referred", "community", "属社区可办事项，请社区答复")
    assert {world.carol.pk, world.adam.pk} <= set(
        Notification.objects.values_list("recipient_id", flat=True))
    # Back at community level the officer can do nothing more.
    assert services.allowed_actions(actor=world.sam, req=back) == []


def test_a_street_officer_records_a_reply_and_the_community_is_told(world, cats):
    req = _referred(world, cats)
    Notification.objects.all().delete()
    done = services.request_reply(actor=world.sam, request_id=req.pk,
                                  note="已转民政科，三日内答复", version=req.version)
    assert (done.level, done.status, done.version) == (Level.REFERRED, S.ACCEPTED,
                                                       req.version + 1)
    event = RequestEvent.objects.filter(request=req).latest("id")
    assert (event.kind, event.actor_id, event.note) == ("replied", world.sam.pk,
                                                        "已转民政科，三日内答复")
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {world.carol.pk, world.adam.pk}
    with pytest.raises(DomainError) as e:
        services.request_reply(actor=world.sam, request_id=req.pk, note="  ")
    assert e.value.field == "note"
    with pytest.raises(DomainError) as e:
        services.request_reply(actor=world.sam, request_id=req.pk, note="x",
                               version=req.version)
    assert e.value.code == ErrorCode.CONFLICT
    # Community staff do not reply as the street.
    _forbidden(lambda: services.request_reply(actor=world.carol, request_id=req.pk, note="x"))


def test_the_street_officer_acts_through_the_request_page(world, cats, login):
    req = _referred(world, cats)
    client = login(world.sam)
    page = client.get(f"/requests/{req.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="act-deescalate"' in html and 'id="reply"' in html
    assert 'id="act-dispatch"' not in html and 'id="act-resolve"' not in html
    r = client.post(f"/requests/{req.pk}/reply/", {"note": "街道已受理", "version": req.version})
    assert r.status_code == 302
    req.refresh_from_db()
    r = client.post(f"/requests/{req.pk}/act/deescalate/", {
        "deescalate-version": req.version, "deescalate-to_level": "community",
        "deescalate-reason": "请社区办理"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.level == Level.COMMUNITY
    assert list(RequestEvent.objects.filter(request=req).values_list("kind", flat=True))[-2:] \
        == ["replied", "deescalated"]
    # At community level: no reply form, and posting one is refused.
    assert 'id="reply"' not in client.get(f"/requests/{req.pk}/").content.decode()
    assert client.post(f"/requests/{req.pk}/reply/", {"note": "x"}).status_code == 403
    assert client.post(f"/requests/{req.pk}/act/dispatch/", {
        "dispatch-version": req.version, "dispatch-team_id": world.repair_team.pk,
        "dispatch-assignee_id": world.tom.pk}).status_code == 403
