"""Small warnings for the kitchen: allergies and a vegetarian diet against the day's dishes
(kitchen count and the diner's booking), and the sample log checked only once lunch is
served."""

import datetime as dt

import time_machine

from xingfuli.canteen import selectors, services
from xingfuli.canteen.tests.factories import NEXT_MONDAY, NOW, TZ, publish_week


def _allergens(world, kit):
    for name, kind, allergens in (("宫保鸡丁", "meat", ["peanut"]), ("番茄蛋汤", "soup", ["egg"])):
        services.dish_update(actor=world.cathy, dish_id=kit.dishes[name].pk, name=name,
                             kind=kind, allergens=allergens)
    services.diner_update(actor=world.cathy, diner_id=kit.alice_d.pk, diet_flags=["low_salt"],
                          allergies=["peanut"], default_service="delivery")
    services.diner_update(actor=world.cathy, diner_id=kit.dibao_d.pk,
                          diet_flags=["vegetarian"], allergies=[], default_service="dine_in")


def test_the_kitchen_and_the_booking_warn_of_allergies_and_diets(world, kit, login, settings):
    with time_machine.travel(NOW, tick=False):
        _allergens(world, kit)
        publish_week(kit, world.cathy, NEXT_MONDAY)
        daughter = login(kit.daughter)
        daughter.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = daughter.get(f"/canteen/diners/{kit.alice_d.pk}/").content.decode()
        assert html.count("Note: 宫保鸡丁 contains peanut") == 5  # every day offered
        services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[NEXT_MONDAY],
                             service="delivery")
        services.orders_book(actor=kit.son, diner_id=kit.dibao_d.pk, days=[NEXT_MONDAY],
                             service="dine_in")
        html = daughter.get(f"/canteen/diners/{kit.alice_d.pk}/").content.decode()
        booked = html[html.index('id="upcoming"'):]
        assert "Tell the kitchen: 宫保鸡丁 contains peanut" in booked

        count = selectors.kitchen_count(canteen=kit.canteen, day=NEXT_MONDAY)
        assert count.conflicts == [
            ("刘低保", ["宫保鸡丁 is not vegetarian", "红烧肉 is not vegetarian"]),
            ("张爱丽", ["宫保鸡丁 contains peanut"]),
        ]
        staff = login(world.cathy)
        staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = staff.get(f"/canteen/?day={NEXT_MONDAY.isoformat()}").content.decode()
        block = page[page.index('id="count-conflicts"'):]
        assert "<li>张爱丽: 宫保鸡丁 contains peanut</li>" in block
        # A day whose dishes clash with nobody shows no such block.
        assert selectors.kitchen_count(canteen=kit.canteen,
                                       day=NEXT_MONDAY + dt.timedelta(days=1)).conflicts == []
        page = staff.get(f"/canteen/?day={NEXT_MONDAY + dt.timedelta(days=1)}").content.decode()
        assert 'id="count-conflicts"' not in page


def test_the_kitchen_api_gives_the_same_conflicts_by_the_same_rule(world, kit, login, settings,
                                                                   monkeypatch):
    with time_machine.travel(NOW, tick=False):
        _allergens(world, kit)
        publish_week(kit, world.cathy, NEXT_MONDAY)
        services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[NEXT_MONDAY],
                             service="delivery")
        services.orders_book(actor=kit.son, diner_id=kit.dibao_d.pk, days=[NEXT_MONDAY],
                             service="dine_in")
        staff = login(world.cathy)
        staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        url = f"/api/v1/canteen/canteens/{kit.canteen.pk}/kitchen?day="
        body = staff.get(url + NEXT_MONDAY.isoformat()).json()
        assert body["conflicts"] == [
            {"diner": "刘低保", "what": ["宫保鸡丁 is not vegetarian", "红烧肉 is not vegetarian"]},
            {"diner": "张爱丽", "what": ["宫保鸡丁 contains peanut"]},
        ]
        assert body["meals"] == 2
        # A day nobody is booked for, or whose meal clashes with nobody: an empty list.
        tuesday = (NEXT_MONDAY + dt.timedelta(days=1)).isoformat()
        assert staff.get(url + tuesday).json()["conflicts"] == []
        # One rule: the API answer comes from selectors.diet_conflicts, as the page's count.
        seen = []

        def spy(**kwargs):
            seen.append(sorted(d.name for d in kwargs["dishes"]))
            return ["checked"]

        monkeypatch.setattr(selectors, "diet_conflicts", spy)
        body = staff.get(url + NEXT_MONDAY.isoformat()).json()
        assert [c["what"] for c in body["conflicts"]] == [["checked"], ["checked"]]
        assert len(seen) == 2
        # Family members do not read the kitchen's list.
        assert login(kit.daughter).get(url + NEXT_MONDAY.isoformat()).status_code == 404


def test_missing_samples_are_flagged_once_lunch_is_served_or_for_past_days(world, kit):
    monday = dt.date(2026, 11, 23)

    def sample_days(now):
        with time_machine.travel(now, tick=False):
            return [w.text[:10] for w in selectors.warnings(
                canteen=kit.canteen, today=now.date(), now=now) if w.kind == "samples"]

    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ), tick=False):
        publish_week(kit, world.cathy, monday)
    # Monday morning: lunch (11:00) is not cooked yet, nothing is missing.
    assert sample_days(dt.datetime(2026, 11, 23, 10, 59, tzinfo=TZ)) == []
    assert sample_days(dt.datetime(2026, 11, 23, 11, 0, tzinfo=TZ)) == ["2026-11-23"]
    # Tuesday morning: Monday is past and still flagged, Tuesday is not yet.
    assert sample_days(dt.datetime(2026, 11, 24, 9, 0, tzinfo=TZ)) == ["2026-11-23"]
    with time_machine.travel(dt.datetime(2026, 11, 24, 11, 5, tzinfo=TZ), tick=False):
        for dish_id in [d.pk for d in selectors.published_days(
                kit.canteen, monday, monday)[monday].dishes.all()]:
            services.sample_record(actor=world.cathy, canteen_id=kit.canteen.pk, day=monday,
                                   dish_id=dish_id, grams=150)
    assert sample_days(dt.datetime(2026, 11, 24, 11, 30, tzinfo=TZ)) == ["2026-11-24"]
