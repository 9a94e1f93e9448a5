"""The demo's pavilions and topics: 7 pavilions, every state, the drip water decided and done,
and the summary counting them from the records."""

import pytest
from django.test import Client
from django.utils import timezone

from xingfuli.core.models import Community, User
from xingfuli.dashboard.selectors import community_summary
from xingfuli.deliberation import selectors, services
from xingfuli.deliberation.models import ImplementationItem, Pavilion, Topic
from xingfuli.demo import build, reset
from xingfuli.demo.base import RESIDENT_MOBILES, STAFF_MOBILE
from xingfuli.elevators.models import INSTALLING_STAGES
from xingfuli.requests.models import RequestEvent

pytestmark = pytest.mark.django_db


def test_demo_pavilions_and_topics():
    build()
    wanquan = Community.objects.get(slug="wanquan")
    summary = community_summary(wanquan)
    assert summary["pavilions"] == 7 == Pavilion.objects.filter(community=wanquan).count()
    year = timezone.localdate().year
    decided = [t for t in Topic.objects.filter(community=wanquan, decided_at__isnull=False)
               if timezone.localtime(t.decided_at).year == year]
    assert summary["topics_decided_year"] == len(decided) >= 1
    assert set(Topic.objects.filter(community=wanquan).values_list("status", flat=True)) == set(
        Topic.Status.values)
    drip = Topic.objects.get(community=wanquan, title__contains="空调")
    assert drip.status == "done" and drip.chosen_option is not None
    assert drip.chosen_option.title.startswith("把空调水统一收集")
    notice = selectors.public_notice(topic_id=drip.pk)
    assert notice.check.adopted and notice.progress == 100 and len(notice.options) == 3
    assert notice.check.present == drip.meetings.get().attendance.count()
    # The staff login runs it; the resident login adds a view to the topic collecting views.
    staff = User.objects.get(mobile=STAFF_MOBILE)
    assert selectors.can_manage(staff, wanquan.pk)
    resident = User.objects.get(mobile=RESIDENT_MOBILES[0])
    collecting = Topic.objects.get(community=wanquan, status="collecting",
                                   origin=Topic.Origin.PROPOSAL)
    services.view_add(actor=resident, topic_id=collecting.pk, text="同意调整")

    # One topic comes from a request, through the service the request page uses: linked both
    # ways (the request's referral event names the topic).
    [from_request] = Topic.objects.filter(community=wanquan, origin=Topic.Origin.REQUEST)
    req = from_request.source_request
    assert req is not None and req.community_id == wanquan.pk
    assert from_request.status == "collecting" and from_request.title == req.title
    referral = RequestEvent.objects.get(request=req, kind=RequestEvent.Kind.REFERRED)
    assert referral.data["topic_id"] == from_request.pk
    # Implementation items link a request, the renovation project and an elevator project of
    # the community, and the pages show the links both ways.
    items = ImplementationItem.objects.filter(topic__community=wanquan)
    linked_request = items.get(request__isnull=False)
    linked_renovation = items.get(renovation__isnull=False)
    linked_elevator = items.select_related("elevator_project", "topic").get(
        elevator_project__isnull=False)
    assert linked_request.request is not None and linked_renovation.renovation is not None
    assert linked_request.request.community_id == wanquan.pk
    assert linked_renovation.renovation.community_id == wanquan.pk
    elevator = linked_elevator.elevator_project
    assert elevator is not None
    assert elevator.community_id == wanquan.pk and elevator.stage in INSTALLING_STAGES
    assert elevator.building in linked_elevator.topic.buildings.all()
    client = Client()
    client.force_login(staff)
    page = client.get(f"/deliberation/topics/{linked_elevator.topic_id}/").content.decode()
    assert f'href="/elevators/{elevator.pk}/"' in page
    page = client.get(f"/elevators/{elevator.pk}/").content.decode()
    assert f'href="/deliberation/topics/{linked_elevator.topic_id}/"' in page
    reset()
    assert not Topic.objects.exists() and not Pavilion.objects.exists()
