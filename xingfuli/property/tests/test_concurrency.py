import threading
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from xingfuli.core.errors import DomainError
from xingfuli.core.testing import build_world
from xingfuli.property import services
from xingfuli.property.models import Spending


@pytest.mark.django_db(transaction=True)
def test_two_spendings_at_once_that_together_pass_the_budget(settings):
    world = build_world()
    fund = services.fund_create(actor=world.adam, community=world.community, name="资金",
                                source="区级补助", amount="10000")
    project = services.project_create(actor=world.dora, fund_id=fund.pk, name="改造",
                                      budget="10000")
    barrier = threading.Barrier(2)
    results: list[object] = []

    def spend(amount: str) -> None:
        barrier.wait()
        try:
            # SQLite's shared in-memory test database answers "table is locked" at once
            # instead of waiting (busy_timeout does not cover shared-cache locks): retry as a
            # client would. PostgreSQL waits on the project's row lock.
            for _ in range(200):
                try:
                    results.append(services.spending_record(
                        actor=world.dora, project_id=project.pk, amount=amount,
                        spent_on=timezone.localdate(), payee="公司",
                    ))
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
                except DomainError as exc:
                    results.append(exc)
                    return
        finally:
            connection.close()

    threads = [threading.Thread(target=spend, args=(a,)) for a in ("6000", "5000")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [r for r in results if isinstance(r, DomainError)]
    assert len(results) == 2 and len(errors) == 1
    assert errors[0].field == "amount"
    total = sum(s.amount for s in Spending.objects.filter(project=project))
    assert Spending.objects.count() == 1 and total <= Decimal("10000")
