"""The security scene: the test world plus one object of every kind a URL can name, all of
them in household h1 / grid 1 / building 1 of 万泉街社区 (or in h2 where a module keeps its
objects with a family), so that most personas of the matrix are OUT of scope for them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from xingfuli.core import scheduling as sch
from xingfuli.core.models import Role, User
from xingfuli.core.testing import World, grant, make_user


@dataclass
class Scene:
    world: World
    bob: User  # resident of h2 (the "other household")
    ids: dict[str, Any] = field(default_factory=dict)


def build_scene(world: World) -> Scene:
    # bob_r lives in h2 and has no login: give him one.
    bob = make_user("李博")
    bob_r = world.residents["bob_r"]
    bob_r.user = bob
    bob_r.save(update_fields=["user"])
    grant(bob, Role.RESIDENT, community=world.community, scope_id=world.h2.pk)
    ids: dict[str, Any] = {}
    _registry(world, ids)
    _grid(world, ids)
    _property(world, ids)
    _requests(world, ids)
    _deliberation(world, ids)
    _elevators(world, ids)
    _canteen(world, ids)
    _volunteers(world, ids)
    _youth(world, ids)
    _survey(world, ids)
    return Scene(world=world, bob=bob, ids=ids)


def _survey(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.survey import services

    run = services.run_open(actor=w.carol, community_id=w.community.pk, period="2026Q4")
    ids["survey:run_id"] = run.pk


def _registry(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.registry.models import ImportJob

    ids["building_id"] = w.b1.pk
    ids["dwelling_id"] = w.h1.dwelling_id
    ids["household_id"] = w.h1.pk
    ids["resident_id"] = w.residents["alice_r"].pk
    job = ImportJob.objects.create(community=w.community, created_by=w.carol)
    ids["job_id"] = job.pk
    ids["street_id"] = w.street.pk
    ids["district_id"] = w.district.pk


def _grid(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.grid import services
    from xingfuli.grid.tests.factories import visit

    ids["grid_id"] = w.grid1.pk
    ids["visit_id"] = visit(w.gina, w.h1).pk
    ids["user_id"] = w.gina.pk
    shift = services.duty_shift_set(actor=w.carol, community=w.community,
                                    date=timezone.localdate(), person=w.gina)
    ids["shift_id"] = shift.pk
    ids["community"] = w.community.slug
    ids["sequence"] = w.grid1.sequence


def _property(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.property import services
    from xingfuli.property.models import TeamMember

    ids["center_id"] = w.center.pk
    ids["team_id"] = w.repair_team.pk
    ids["member_id"] = TeamMember.objects.get(user=w.tom).pk
    fund = services.fund_create(actor=w.adam, community=w.community, name="维修基金",
                                source="街道", amount="10000")
    project = services.project_create(actor=w.adam, fund_id=fund.pk, name="楼道刷新",
                                      budget="5000", building_ids=[w.b1.pk])
    item = services.item_add(actor=w.adam, project_id=project.pk, building_id=w.b1.pk,
                             kind="painting")
    ids["property:project_id"] = project.pk
    ids["property:item_id"] = item.pk


def _requests(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.requests.models import Open311Client, RequestPhoto
    from xingfuli.requests.tests.factories import light_out, make_categories

    cats = make_categories(w)
    req = light_out(w, cats)
    ids["request_id"] = req.pk
    ids["number"] = req.number
    ids["code"] = cats.lighting.code
    ids["action"] = "accept"
    photo = RequestPhoto.objects.filter(event__request=req).first()
    ids["photo_id"] = photo.pk if photo else 999_999
    client = Open311Client.objects.filter(community=w.community).first()
    ids["token"] = "no-such-token"
    ids["requests_client"] = client


def _deliberation(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.deliberation import services
    from xingfuli.deliberation.tests.factories import drip_topic, pavilion

    pav = pavilion(w)
    topic = drip_topic(w, pav)
    meeting = services.meeting_schedule(
        actor=w.carol, topic_id=topic.pk, pavilion_id=pav.pk,
        starts_at=timezone.now() + dt.timedelta(days=1), agenda="1. 空调滴水",
    )
    ids["pavilion_id"] = pav.pk
    ids["topic_id"] = topic.pk
    ids["meeting_id"] = meeting.pk
    ids["deliberation:item_id"] = 999_999  # an implementation item needs a decided topic


def _elevators(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.elevators.models import Document
    from xingfuli.elevators.tests.factories import project_at, unit_with

    building, _ = unit_with(w, ["60.00"] * 4)
    project = project_at(w, building)
    ids["elevators:project_id"] = project.pk
    doc = Document.objects.filter(project=project).first()
    ids["document_id"] = doc.pk if doc else 999_999


def _canteen(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.canteen import services
    from xingfuli.canteen.tests.factories import make_kit, publish_week

    kit = make_kit(w)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    menu = publish_week(kit, w.cathy, monday)
    orders = services.orders_book(actor=w.cathy, diner_id=kit.alice_d.pk,
                                  days=[monday + dt.timedelta(days=1)], service="dine_in")
    ids["canteen_id"] = kit.canteen.pk
    ids["menu_id"] = menu.pk
    ids["diner_id"] = kit.alice_d.pk
    ids["order_id"] = orders[0].pk
    ids["year"] = today.year
    ids["month"] = today.month
    ids["run_id"] = 999_999
    ids["delivery_id"] = 999_999


def _volunteers(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.volunteers import services

    start = timezone.now() + dt.timedelta(days=2)
    activity = services.activity_create(
        actor=w.vera, community_id=w.community.pk, title="重阳义剪", kind="festival",
        festival="重阳节", starts_at=start, ends_at=start + dt.timedelta(hours=3),
        place="社区广场", capacity=30, roles=[sch.RoleNeed("barber", "理发师", 4)],
    )
    session = sch.Session.objects.get(series=sch.series_for_owner(activity))
    booking = services.activity_sign_up(actor=w.alice, session_id=session.pk)
    volunteer_user = make_user("志愿者甲")
    volunteer = services.volunteer_join(actor=volunteer_user, community_id=w.community.pk)
    record = services.claim_submit(actor=volunteer_user, community_id=w.community.pk,
                                   service="上门探访", service_date=timezone.localdate(),
                                   minutes=60)
    ids["activity_id"] = activity.pk
    ids["volunteers:session_id"] = session.pk
    ids["volunteers:booking_id"] = booking.pk
    ids["volunteer_id"] = volunteer.pk
    ids["record_id"] = record.pk
    ids["direction"] = "in"
    ids["volunteers:team_id"] = services.team_create(
        actor=w.vera, community_id=w.community.pk, name="文体服务队").pk
    served = services.claim_submit(actor=volunteer_user, community_id=w.community.pk,
                                   service="送餐", service_date=timezone.localdate(), minutes=30)
    services.claim_decide(actor=w.vera, record_id=served.pk, approve=True)
    ids["volunteers:request_id"] = services.correction_ask(
        actor=volunteer_user, record_id=served.pk, minutes=45, reason="少记了一刻钟").pk


def _youth(w: World, ids: dict[str, Any]) -> None:
    from xingfuli.youth import services
    from xingfuli.youth.models import Guardian
    from xingfuli.youth.tests.factories import build_youth

    y = build_youth(w)
    bookings = services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk,
                              consent=True)
    ids["course_id"] = y.coding.pk
    ids["child_id"] = y.kid.pk
    ids["guardian_id"] = Guardian.objects.filter(child=y.kid).first().pk  # type: ignore[union-attr]
    ids["youth:session_id"] = bookings[0].session_id
    ids["youth:booking_id"] = bookings[0].pk


@pytest.fixture
def scene(world: World) -> Scene:
    return build_scene(world)
