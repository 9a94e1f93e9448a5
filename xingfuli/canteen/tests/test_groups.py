"""The priority groups RULES.md names beyond the first ones: near-低保 (低边, low income) and
计划生育特殊家庭 come from the registry's tags and have subsidy tiers like the others."""

import datetime as dt
from decimal import Decimal

import time_machine

from xingfuli.canteen import selectors, services
from xingfuli.canteen.models import EligibilityGroup, Order, SubsidyTier
from xingfuli.canteen.tests.factories import NEXT_MONDAY, NOW, publish_week
from xingfuli.core.testing import make_resident
from xingfuli.registry.models import Tag


def test_the_new_key_group_tags_are_rows_of_the_registry(db):
    rows = {t.code: t for t in Tag.objects.filter(code__in=["low_income", "family_planning"])}
    assert (rows["low_income"].name, rows["family_planning"].name) == ("低边", "计划生育特殊家庭")
    assert all(t.is_key_group and t.is_sensitive for t in rows.values())
    assert {"low_income", "family_planning"} <= set(EligibilityGroup.values)


def test_low_income_and_family_planning_diners_get_their_tiers(world, kit, login, settings):
    cathy = world.cathy
    with time_machine.travel(NOW, tick=False):
        client = login(cathy)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        r = client.post("/canteen/settings/", {"what": "tier", "group": "low_income",
                                               "amount": "5.00"})
        assert r.status_code == 302
        services.tier_set(actor=cathy, canteen_id=kit.canteen.pk, group="family_planning",
                          amount="6.50")
        assert dict(SubsidyTier.objects.values_list("group", "amount")) == {
            "aged_80": Decimal("3.00"), "dibao": Decimal("7.00"),
            "low_income": Decimal("5.00"), "family_planning": Decimal("6.50")}
        html = client.get("/canteen/settings/").content.decode()
        assert "low income, near minimum allowance (低边)" in html
        assert "family planning special family (计划生育特殊家庭)" in html

        near = make_resident(world.h2, "边缘户", birth=dt.date(1955, 6, 1), tags=["low_income"])
        both = make_resident(world.h2, "失独户", birth=dt.date(1952, 6, 1),
                             tags=["low_income", "family_planning"])
        near_d = services.diner_register(actor=cathy, canteen_id=kit.canteen.pk,
                                         resident_id=near.pk)
        both_d = services.diner_register(actor=cathy, canteen_id=kit.canteen.pk,
                                         resident_id=both.pk)
        diner = selectors.access_diner(actor=cathy, diner_id=both_d.pk)
        assert selectors.diner_groups(diner, NEXT_MONDAY) == {"low_income", "family_planning"}
        publish_week(kit, cathy, NEXT_MONDAY)
        for d in (near_d, both_d):
            services.orders_book(actor=cathy, diner_id=d.pk, days=[NEXT_MONDAY],
                                 service="dine_in")
        rows = dict((o.diner_id, (o.subsidy, o.subsidy_group, o.amount_due))
                    for o in Order.objects.all())
        assert rows[near_d.pk] == (Decimal("5.00"), "low_income", Decimal("7.00"))
        # The highest tier applies; tiers do not add up.
        assert rows[both_d.pk] == (Decimal("6.50"), "family_planning", Decimal("5.50"))
        html = client.get("/canteen/diners/").content.decode()
        assert "family planning special family (计划生育特殊家庭)" in html
