"""The requests section of the public summary, counted from the records."""

from xingfuli.dashboard.selectors import community_summary
from xingfuli.requests import services
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched


def test_summary_counts_matters_resolved_and_rates(world):
    cats = make_categories(world)
    done = light_out(world, cats, key="a")
    light_out(world, cats, key="b")  # still open
    to_dispatched(world, done, assignee=world.tom)
    services.request_on_site(actor=world.tom, request_id=done.pk)
    services.request_resolve(actor=world.tom, request_id=done.pk, note="换了灯泡")
    services.request_follow_up(actor=world.carol, request_id=done.pk, satisfaction="satisfied")
    services.request_close(actor=world.carol, request_id=done.pk)

    doc = community_summary(world.community)
    assert doc["matters_resolved_year"] == 1
    assert doc["requests_open"] == 1
    assert doc["resolution_rate"] == 0.5  # one of two taken up
    assert doc["satisfaction_rate"] == 1.0
    assert doc["response_rate"] == 0.5
    other = community_summary(world.other)
    assert other["matters_resolved_year"] == 0 and other["resolution_rate"] is None
