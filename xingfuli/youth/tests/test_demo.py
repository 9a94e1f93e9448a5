"""The demo gives the article's numbers from real records: 1000+ youth palace sessions held and
20000+ participant-times in the 12 months up to the build (the summary counts the same records
from 1 January), with a teacher and a guardian login that work. Other build dates:
xingfuli/volunteers/tests/test_demo.py."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from xingfuli.core.models import Community, Role, User
from xingfuli.core.scheduling_models import Booking, Session
from xingfuli.dashboard.selectors import community_summary
from xingfuli.demo import loader
from xingfuli.volunteers.demo import year_before
from xingfuli.youth import selectors
from xingfuli.youth.demo import GUARDIAN_MOBILE, TEACHER_MOBILE
from xingfuli.youth.selectors import CHILD_KIND, COURSE_KIND


@pytest.mark.django_db
def test_demo_youth_numbers_and_logins(request):
    # One moment for the build, the recount and the summary: a session that starts while the
    # test runs (a slow run reaches this morning's classes) would be counted by only some.
    frozen = time_machine.travel(timezone.now(), tick=False)
    frozen.start()
    request.addfinalizer(frozen.stop)
    world = loader.build()
    wanquan = Community.objects.get(slug="wanquan")
    now = timezone.now()
    ago = year_before(now)
    sessions = Session.objects.filter(community=wanquan, series__owner_kind=COURSE_KIND,
                                      status="scheduled", starts_at__gte=ago, starts_at__lte=now)
    attended = Booking.objects.filter(session__in=sessions, attendee_kind=CHILD_KIND,
                                      checked_in_at__isnull=False).count()
    assert sessions.count() == world.counts["youth_activities_12_months"] >= 1000
    assert attended == world.counts["youth_participations_12_months"] >= 20000
    doc = community_summary(wanquan)
    assert doc["youth_activities"] == world.counts["youth_activities"]
    assert doc["youth_participations"] == world.counts["youth_participations"]
    other = community_summary(Community.objects.get(slug="guihuawan"))
    assert other["youth_activities"] == other["youth_participations"] == 0

    teacher = User.objects.get(mobile=TEACHER_MOBILE)
    assert teacher.roles.filter(role=Role.YOUTH_TEACHER).exists()
    taught = set(selectors.children_for(actor=teacher).values_list("pk", flat=True))
    assert 0 < len(taught) < selectors.children_for(
        actor=User.objects.get(mobile="13800000002")).count()
    parent = User.objects.get(mobile=GUARDIAN_MOBILE)
    kids = list(selectors.my_children(actor=parent))
    assert kids
    rows = [e for e in selectors.enrolments_of(actor=parent, children=kids)
            if e.course.kind == "programming"]
    assert rows and rows[0].confirmed > 0
