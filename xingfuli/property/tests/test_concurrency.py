from decimal import Decimal
from functools import partial

import pytest
from django.utils import timezone

from xingfuli.core.errors import DomainError
from xingfuli.core.testing import build_world, run_at_once
from xingfuli.property import services
from xingfuli.property.models import Spending


@pytest.mark.django_db(transaction=True)
def test_two_spendings_at_once_that_together_pass_the_budget(settings):
    world = build_world()
    fund = services.fund_create(actor=world.adam, community=world.community, name="资金",
                                source="区级补助", amount="10000")
    project = services.project_create(actor=world.dora, fund_id=fund.pk, name="改造",
                                      budget="10000")
    results = run_at_once([
        partial(services.spending_record, actor=world.dora, project_id=project.pk,
                amount=amount, spent_on=timezone.localdate(), payee="公司")
        for amount in ("6000", "5000")
    ])
    errors = [r for r in results if isinstance(r, DomainError)]
    assert len(errors) == 1, results
    assert not [r for r in results if isinstance(r, BaseException) and r not in errors]
    assert errors[0].field == "amount"
    total = sum(s.amount for s in Spending.objects.filter(project=project))
    assert Spending.objects.count() == 1 and total <= Decimal("10000")
