"""The demo's pavilions and topics: 7 pavilions, every state, the drip water decided and done,
and the summary counting them from the records."""

import pytest
from django.utils import timezone

from xingfuli.core.models import Community, User
from xingfuli.dashboard.selectors import community_summary
from xingfuli.deliberation import selectors, services
from xingfuli.deliberation.models import Pavilion, Topic
from xingfuli.demo import build, reset
from xingfuli.demo.base import RESIDENT_MOBILES, STAFF_MOBILE

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
    collecting = Topic.objects.get(community=wanquan, status="collecting")
    services.view_add(actor=resident, topic_id=collecting.pk, text="同意调整")
    reset()
    assert not Topic.objects.exists() and not Pavilion.objects.exists()
