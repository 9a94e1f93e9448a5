"""The demo gives the article's numbers from real records: 1000+ youth palace sessions held and
20000+ participant-times this year, with a teacher and a guardian login that work."""

from __future__ import annotations

import pytest

from xingfuli.core.models import Community, Role, User
from xingfuli.dashboard.selectors import community_summary
from xingfuli.demo import loader
from xingfuli.youth import selectors
from xingfuli.youth.demo import GUARDIAN_MOBILE, TEACHER_MOBILE


@pytest.mark.django_db
def test_demo_youth_numbers_and_logins():
    world = loader.build()
    doc = community_summary(Community.objects.get(slug="wanquan"))
    assert doc["youth_activities"] >= 1000
    assert doc["youth_participations"] >= 20000
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
