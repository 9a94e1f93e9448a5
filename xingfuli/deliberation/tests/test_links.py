"""Implementation items link a request, a renovation project or an elevator project: each link is
a real row of the topic's community that the actor may see, shown as a hyperlink both ways."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.deliberation import services
from xingfuli.deliberation.models import ImplementationItem, Topic
from xingfuli.deliberation.tests.factories import households_in
from xingfuli.elevators.tests.factories import project_at, unit_with
from xingfuli.property.models import Fund, RenovationProject
from xingfuli.requests.tests.factories import light_out, make_categories

pytestmark = pytest.mark.django_db


def decided_topic(actor, community, building) -> Topic:
    """A topic of `community` decided at a meeting of five households of `building`."""
    pav = services.pavilion_create(actor=actor, community_id=community.pk, name="议事亭",
                                   location="楼下", building_ids=[building.pk])
    topic = services.topic_create(actor=actor, community_id=community.pk, title="楼道照明改造",
                                  kind=Topic.Kind.LIVELIHOOD, building_ids=[building.pk],
                                  pavilion_id=pav.pk)
    option = services.option_add(actor=actor, topic_id=topic.pk, title="换声控灯")
    heads = households_in(building, 5, prefix=f"L{community.pk}-")
    meeting = services.meeting_schedule(actor=actor, topic_id=topic.pk, pavilion_id=pav.pk,
                                        starts_at=timezone.now() + dt.timedelta(days=1))
    for r in heads:
        services.attendance_record(actor=actor, meeting_id=meeting.pk, resident_id=r.pk,
                                   represents_household=True)
    services.meeting_hold(actor=actor, meeting_id=meeting.pk, minutes="讨论",
                          option_ids=[option.pk])
    services.decision_record(actor=actor, meeting_id=meeting.pk, option_id=option.pk,
                             method="hands", votes_for=len(heads), votes_against=0, abstained=0)
    topic.refresh_from_db()
    assert topic.status == Topic.Status.DECIDED
    return topic


def renovation_of(community) -> RenovationProject:
    fund = Fund.objects.create(community=community, name="老旧小区改造专项资金", source="区住建委",
                               amount=Decimal("50000.00"))
    return RenovationProject.objects.create(community=community, fund=fund, name="楼道灯改造",
                                            budget=Decimal("20000.00"))


@pytest.fixture
def ours(world):
    """Carol's decided topic, and a request, a renovation and an elevator project of her
    community."""
    cats = make_categories(world)
    request = light_out(world, cats)
    building, _dwellings = unit_with(world, ["60.00", "70.00"])
    return {
        "topic": decided_topic(world.carol, world.community, world.b1),
        "request": request,
        "renovation": renovation_of(world.community),
        "elevator": project_at(world, building),
    }


def test_an_item_links_a_request_a_renovation_and_an_elevator_project(world, ours, login):
    topic = ours["topic"]
    item = services.item_add(
        actor=world.carol, topic_id=topic.pk, title="更换楼道灯", owner_label="水电维修队",
        request_id=ours["request"].pk, renovation_id=ours["renovation"].pk,
        elevator_project_id=ours["elevator"].pk,
    )
    item.refresh_from_db()
    assert (item.request_id, item.renovation_id, item.elevator_project_id) == (
        ours["request"].pk, ours["renovation"].pk, ours["elevator"].pk)
    # The topic page links each of them.
    page = login(world.carol).get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert f'href="/requests/{ours["request"].pk}/"' in page
    assert f'href="/property/projects/{ours["renovation"].pk}/"' in page
    assert f'<a href="/elevators/{ours["elevator"].pk}/">{ours["elevator"].name}</a>' in page
    # The elevator project page links back to the topic.
    page = login(world.carol).get(f"/elevators/{ours['elevator'].pk}/").content.decode()
    assert f'<a href="/deliberation/topics/{topic.pk}/">{topic.title}</a>' in page
    # The API gives the project's id and name.
    body = login(world.carol).get(f"/api/v1/deliberation/topics/{topic.pk}").json()
    [out] = body["items"]
    assert out["elevator_project_id"] == ours["elevator"].pk
    assert out["elevator_project"] == ours["elevator"].name


def test_the_form_offers_the_communitys_elevator_projects_and_links_one(world, ours, login):
    topic = ours["topic"]
    client = login(world.carol)
    page = client.get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert f'<option value="{ours["elevator"].pk}">{ours["elevator"].name}</option>' in page
    response = client.post(f"/deliberation/topics/{topic.pk}/item/", {
        "title": "协调加装电梯", "owner_label": "社区居委会",
        "elevator_project_id": str(ours["elevator"].pk), "idempotency_key": "k1"})
    assert response.status_code == 302
    assert ImplementationItem.objects.get(topic=topic).elevator_project == ours["elevator"]
    # A number that names no project of the community: the field is named, nothing is added.
    response = client.post(f"/deliberation/topics/{topic.pk}/item/", {
        "title": "另一项", "owner_label": "社区居委会", "elevator_project_id": "999999",
        "idempotency_key": "k2"})
    assert response.status_code == 400
    [error] = re.findall(r'<p class="errorlist" role="alert" id="error-item">(.*?)</p>',
                         response.content.decode())
    assert "elevator_project_id" in error
    assert ImplementationItem.objects.filter(topic=topic).count() == 1


@pytest.mark.parametrize("link", ["request", "renovation", "elevator"])
def test_a_link_to_another_communitys_row_is_refused_and_nothing_changes(world, ours, link):
    """Oscar, staff of the other community, cannot link carol's community's rows to his topic;
    carol cannot link a row that does not exist."""
    theirs = decided_topic(world.oscar, world.other, world.b_other)
    field = {"request": "request_id", "renovation": "renovation_id",
             "elevator": "elevator_project_id"}[link]
    for actor, topic, pk in ((world.oscar, theirs, ours[link].pk),
                             (world.carol, ours["topic"], 999_999)):
        links: dict[str, Any] = {field: pk}
        with pytest.raises(DomainError) as exc:
            services.item_add(actor=actor, topic_id=topic.pk, title="x", owner_label="y",
                              **links)
        assert (exc.value.code, exc.value.field) == (ErrorCode.INVALID, field)
        assert str(exc.value.message)
        topic.refresh_from_db()
        assert topic.status == Topic.Status.DECIDED and not topic.items.exists()
