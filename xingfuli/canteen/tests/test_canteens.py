"""Staff of a community with two canteens choose which one their pages show (`?canteen=`),
and keep that choice from page to page."""

import datetime as dt

import pytest
import time_machine

from xingfuli.canteen import services
from xingfuli.canteen.models import Dish
from xingfuli.canteen.tests.factories import NOW


@pytest.fixture
def second(world, kit):
    with time_machine.travel(NOW, tick=False):
        return services.canteen_create(actor=world.cathy, community_id=world.community.pk,
                                       name="万泉街第二食堂")


def test_staff_of_two_canteens_choose_one_and_keep_it(world, kit, second, login):
    client = login(world.cathy)
    first = kit.canteen
    html = client.get("/canteen/").content.decode()
    # Canteens are listed by name: 万泉街社区… before 万泉街第二…
    assert 'id="canteen-choice"' in html
    assert f'<option value="{first.pk}" selected>' in html
    assert f'<option value="{second.pk}">' in html
    html = client.get(f"/canteen/?canteen={second.pk}").content.decode()
    assert "<h1>万泉街第二食堂</h1>" in html
    assert f'href="/canteen/dishes/?canteen={second.pk}"' in html
    assert f'href="/canteen/claims/?canteen={second.pk}"' in html
    # The choice survives a form and its redirect.
    r = client.post(f"/canteen/dishes/?canteen={second.pk}", {
        "name": "酸菜鱼", "kind": "meat"})
    assert r.status_code == 302 and r["Location"] == f"/canteen/dishes/?canteen={second.pk}"
    assert Dish.objects.get(name="酸菜鱼").canteen == second
    r = client.get(f"/canteen/claims/?canteen={second.pk}")
    assert r["Location"].endswith(f"?canteen={second.pk}")
    html = client.get(r["Location"]).content.decode()
    assert 'id="claim-canteen">万泉街第二食堂<' in html
    r = client.post(f"/canteen/deliveries/?canteen={second.pk}",
                    {"what": "cooked", "day": "2026-11-30"})
    assert r["Location"] == f"/canteen/deliveries/?day=2026-11-30&canteen={second.pk}"
    # Every staff page answers for the second canteen.
    for url in ("/canteen/menus/", "/canteen/diners/", "/canteen/safety/",
                "/canteen/settings/", "/canteen/claims/2026/11/"):
        page = client.get(f"{url}?canteen={second.pk}")
        assert page.status_code == 200, url
    sheets = client.get(f"/canteen/deliveries/sheets.pdf?day=2026-11-30&canteen={second.pk}")
    assert sheets.status_code == 200


def test_a_canteen_outside_the_scope_is_404_and_nonsense_is_400(world, kit, second, login):
    with time_machine.travel(NOW, tick=False):
        elsewhere = services.canteen_create(actor=world.oscar, community_id=world.other.pk,
                                            name="桂花湾食堂")
    client = login(world.cathy)
    assert client.get(f"/canteen/?canteen={elsewhere.pk}").status_code == 404
    assert client.get("/canteen/dishes/?canteen=999999").status_code == 404
    for bad in ("abc", "-1", "1.5", "１", "9" * 40):
        r = client.get(f"/canteen/?canteen={bad}")
        assert r.status_code == 400, bad
        assert "canteen" in r.content.decode()
    r = client.post("/canteen/dishes/?canteen=x", {"name": "不会建", "kind": "meat"})
    assert r.status_code == 400 and not Dish.objects.filter(name="不会建").exists()
    # Oscar runs only his own canteen: no selector, and ours is not his.
    other = login(world.oscar)
    html = other.get("/canteen/").content.decode()
    assert "桂花湾食堂" in html and 'id="canteen-choice"' not in html
    assert other.get(f"/canteen/?canteen={kit.canteen.pk}").status_code == 404


def test_one_canteen_shows_no_selector(world, kit, login):
    html = login(world.cathy).get(f"/canteen/?day={dt.date(2026, 11, 30)}").content.decode()
    assert 'id="canteen-choice"' not in html and "?canteen=" not in html
