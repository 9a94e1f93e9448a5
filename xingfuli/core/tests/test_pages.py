"""Helpers every page shares."""


def test_capped_paginator_counts_at_most_cap_plus_one(world, django_assert_num_queries):
    from xingfuli.core.models import AuditEntry
    from xingfuli.core.pages import CappedPaginator

    AuditEntry.objects.bulk_create(
        AuditEntry(action="x", target_type="t", target_id=str(i)) for i in range(12)
    )

    class Small(CappedPaginator):
        cap = 10

    small = Small(AuditEntry.objects.order_by("id"), 5)
    with django_assert_num_queries(1):
        assert small.count == 11 and small.capped
    exact = Small(AuditEntry.objects.filter(target_id__in=["1", "2"]).order_by("id"), 5)
    assert exact.count == 2 and not exact.capped
