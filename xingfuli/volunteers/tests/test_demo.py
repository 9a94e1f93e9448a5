"""The demo holds the article's year of the station and the youth palace whatever the day it is
built: 52 activities held and 1000+ youth sessions with 20000+ participant-times in the 12 months
up to the build, counted here from the records; the summary's "this year" keys are the same
records counted from 1 January. Built with the clock at 15 March and at 1 January."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from xingfuli.core.models import Community, User
from xingfuli.core.scheduling_models import Booking, Session
from xingfuli.dashboard.selectors import community_summary
from xingfuli.demo import loader
from xingfuli.volunteers import selectors
from xingfuli.volunteers.demo import ORGANISER_MOBILE, VOLUNTEER_MOBILE, year_before
from xingfuli.volunteers.models import ServiceRecord, Volunteer
from xingfuli.volunteers.summary import activities_held
from xingfuli.youth.selectors import CHILD_KIND, COURSE_KIND

SH = dt.timezone(dt.timedelta(hours=8))


def held_between(community: Community, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """Youth sessions held and participant-times between two moments, from the rows."""
    sessions = Session.objects.filter(community=community, series__owner_kind=COURSE_KIND,
                                      status="scheduled", starts_at__gte=start,
                                      starts_at__lte=end)
    attended = Booking.objects.filter(session__in=sessions, attendee_kind=CHILD_KIND,
                                      checked_in_at__isnull=False)
    return sessions.count(), attended.count()


def check_the_year(world) -> None:
    wanquan = Community.objects.get(slug="wanquan")
    now = timezone.now()
    ago = year_before(now)
    # The article's numbers over the 12 months up to the build, from the rows.
    assert activities_held(wanquan.pk, ago, now) == 52
    assert world.counts["volunteer_activities_held"] == 52
    youth_held, youth_attended = held_between(wanquan, ago, now)
    assert youth_held >= 1000 and youth_attended >= 20000
    assert (youth_held, youth_attended) == (world.counts["youth_activities_12_months"],
                                            world.counts["youth_participations_12_months"])
    # The summary's "this year" keys: the same rows counted from 1 January.
    doc = community_summary(wanquan)
    year_start = dt.datetime(timezone.localdate(now).year, 1, 1, tzinfo=SH)
    assert doc["activities_year"] == activities_held(wanquan.pk, year_start, now)
    assert (doc["youth_activities"], doc["youth_participations"]) == held_between(
        wanquan, year_start, now)
    assert doc["volunteer_teams"] == 12

    # The demo volunteer login served, has hours and a claim; residents signed up as the live
    # code signs them up (their login) or came as walk-ins recorded by staff.
    me = Volunteer.objects.get(user__mobile=VOLUNTEER_MOBILE)
    mine = Booking.objects.filter(attendee_kind="volunteers.volunteer", attendee_id=me.pk)
    assert mine.filter(checked_out_at__isnull=False).exists()
    assert mine.filter(session__starts_at__gt=now, status="confirmed").exists()
    assert selectors.volunteer_record(volunteer=me).minutes > 0
    assert ServiceRecord.objects.filter(volunteer=me, source="claim").count() == 2
    kinds = set(Booking.objects.filter(community=wanquan, session__series__module="volunteers")
                .values_list("attendee_kind", flat=True))
    assert kinds <= {"volunteers.volunteer", "core.user", "registry.resident"}
    for b in Booking.objects.filter(community=wanquan, attendee_kind="core.user"):
        assert b.contact_id == b.attendee_id and not b.walk_in
    assert not Booking.objects.filter(community=wanquan, attendee_kind="registry.resident",
                                      walk_in=False).exists()
    assert User.objects.filter(mobile=ORGANISER_MOBILE).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("moment", [dt.datetime(2026, 3, 15, 10, tzinfo=SH),
                                    dt.datetime(2027, 1, 1, 9, tzinfo=SH)],
                         ids=["15-march", "1-january"])
def test_demo_holds_the_articles_year_on_any_build_date(moment):
    # Time stands still: a session starting between the build and the recount would be counted
    # by one of them only.
    with time_machine.travel(moment, tick=False):
        world = loader.build()
        check_the_year(world)
