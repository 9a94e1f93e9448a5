"""A building's public pages: the notice board (page and PDF), the "scan to report" poster and
the page its QR code opens. No login, no personal data, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

import pypdfium2 as pdfium
import pytest
import segno
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xingfuli.canteen.selectors import monday_of
from xingfuli.canteen.tests.factories import make_kit, publish_week
from xingfuli.core import pdf
from xingfuli.core.models import Role
from xingfuli.core.testing import (
    World,
    grant,
    make_building,
    make_id_number,
    make_resident,
    make_user,
)
from xingfuli.deliberation import services as deliberation
from xingfuli.deliberation.models import Topic
from xingfuli.deliberation.tests.factories import drip_topic, pavilion
from xingfuli.elevators.models import Project, Stage, StageEvent
from xingfuli.party import services as party
from xingfuli.party.models import PartyMember
from xingfuli.property.models import ServiceTeam
from xingfuli.registry.models import Owner, Ownership, Unit
from xingfuli.registry.personal import set_id_number
from xingfuli.requests.models import Request
from xingfuli.requests.tests.factories import make_categories
from xingfuli.volunteers import services as volunteers
from xingfuli.youth import services as youth
from xingfuli.youth.tests.factories import build_youth

SH = dt.timezone(dt.timedelta(hours=8))
SECRET_MOBILE = "13700009876"


@dataclass
class Scene:
    secret_id: str  # the ID number of 钱守秘, a resident of building 1
    shown: str  # a party member who agreed to be shown
    hidden: str  # a party member who did not
    activity: str
    topic: Topic


def _elevator(w: World, unit: Unit, stages: list[str]) -> Project:
    today = timezone.localdate()
    project = Project.objects.create(
        community=w.community, building=unit.building, unit=unit, name=f"{unit} 加装电梯",
        stage=stages[-1], stage_since=today - dt.timedelta(days=3), budget=Decimal("654321.00"),
    )
    for i, stage in enumerate(stages):
        StageEvent.objects.create(project=project, from_stage=stages[i - 1] if i else "",
                                  to_stage=stage, on=today - dt.timedelta(days=30 * (3 - i)))
    return project


def _party_branch(w: World) -> tuple[str, str]:
    cid = w.community.pk
    party.organisation_create(actor=w.carol, community_id=cid, name="万泉街社区党委",
                              kind="committee")
    branch = party.organisation_create(actor=w.carol, community_id=cid, name="第一网格党支部",
                                       secretary_id=w.lee.pk, grid_ids=[w.grid1.pk])
    members = []
    for name in ("党员亮身份", "党员不公开"):
        resident = make_resident(w.h1, name, tags=["party_member"])
        members.append(party.member_add(actor=w.carol, resident_id=resident.pk,
                                        branch_id=branch.pk))
    party.identity_consent_set(actor=w.vera, member_id=members[0].pk, agree=True)
    return members[0].name, members[1].name


def build_scene(w: World) -> Scene:
    """Every section of building 1's board filled, with residents whose names, mobiles and ID
    numbers the page must never show."""
    now = timezone.now()
    secret = make_resident(w.h1, "钱守秘", mobile=SECRET_MOBILE, relation="spouse")
    secret_id = make_id_number(dt.date(1948, 2, 2))
    set_id_number(secret, secret_id)
    secret.save()
    shown, hidden = _party_branch(w)
    ServiceTeam.objects.filter(pk=w.repair_team.pk).update(phone="023-66220001")
    ServiceTeam.objects.filter(pk=w.cleaning_team.pk).update(phone="023-66220002")
    kit = make_kit(w)
    publish_week(kit, w.cathy, monday_of(timezone.localdate()))
    start = (now + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    activity = volunteers.activity_create(
        actor=w.vera, community_id=w.community.pk, title="义务理发进社区", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), place="社区广场", capacity=20,
    )
    session = activity_session(activity)
    volunteers.activity_sign_up(actor=w.alice, session_id=session)
    y = build_youth(w)
    youth.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk, consent=True)
    pav = pavilion(w)
    topic = drip_topic(w, pav)
    unit1, unit2 = list(w.b1.units.order_by("number"))
    owner = Owner.objects.create(community=w.community, name="业主欧阳")
    Ownership.objects.create(owner=owner, dwelling=unit1.dwellings.order_by("pk")[0])
    _elevator(w, unit1, [Stage.INTENTION, Stage.DESIGN, Stage.CONSTRUCTION])
    _elevator(w, unit2, [Stage.INTENTION])
    return Scene(secret_id=secret_id, shown=shown, hidden=hidden, activity=activity.title,
                 topic=topic)


def activity_session(activity) -> int:
    from xingfuli.core import scheduling as sch

    series = sch.series_for_owner(activity)
    assert series is not None
    return series.sessions.order_by("starts_at").values_list("pk", flat=True)[0]


# --- the notice board -------------------------------------------------------------------------


def test_the_board_shows_every_section_to_anyone(client, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    w = world
    scene = build_scene(w)
    resp = client.get(f"/b/{w.b1.pk}/")
    assert resp.status_code == 200
    page = resp.content.decode()
    # The grid card: the staff's roles, names and service phones, the office and the hotline.
    assert "第一网格" in page and w.gina.name in page and w.gina.mobile in page
    assert w.lee.name in page and "023-66221234" in page
    assert reverse("grid:card", args=["wanquan", 1]) in page
    # Party members who agreed to be shown, and only them.
    assert "第一网格党支部" in page and scene.shown in page and scene.hidden not in page
    # Property teams' phones.
    assert "水电维修队" in page and "023-66220001" in page and "023-66220002" in page
    # This week's menu, dish names by day.
    assert "万泉街社区老年食堂" in page and "红烧肉" in page and "番茄蛋汤" in page
    # Activities open to sign-up, both modules, with their places.
    assert scene.activity in page and "社区广场" in page and "少儿编程入门" in page
    assert "19" in page  # 20 places, alice took one
    # Open topics with a link to the pavilion's public page.
    assert "空调滴水导致地面湿滑" in page
    assert reverse("deliberation:public_pavilion", args=[scene.topic.pavilion_id]) in page
    # Elevator progress per unit: stage names and dates.
    assert str(Stage.CONSTRUCTION.label) in page and str(Stage.DESIGN.label) in page
    assert "1单元" in page and "2单元" in page
    # The printable page: its stylesheet, a print button, the PDF and poster links.
    assert "dashboard/print.css" in page and "data-print" in page
    assert reverse("public:notice_pdf", args=[w.b1.pk]) in page
    assert reverse("public:report", args=[w.b1.pk]) in page


def test_the_board_shows_no_personal_data(client, world):
    w = world
    scene = build_scene(w)
    page = client.get(f"/b/{w.b1.pk}/").content.decode()
    text = client.get(f"/b/{w.b1.pk}/notice.pdf").content
    pdf_text = _pdf_text(text)
    residents = ["钱守秘", "张爱丽", "李博", "刘低保", "潘家长", "潘小明", "潘小红", "王奥佳"]
    for shown in (page, pdf_text):
        for name in residents:
            assert name not in shown, name
        assert SECRET_MOBILE not in shown and scene.secret_id not in shown
        assert "****" not in shown  # nor any masked number
        # Nobody who signed up, no owner, no money per household or in total.
        assert w.alice.mobile not in shown and "业主欧阳" not in shown
        assert "654321" not in shown and "654,321" not in shown
        assert scene.hidden not in shown
        # The daughter and son recorded as canteen family contacts.
        assert "张女儿" not in shown and "13912340001" not in shown
    assert scene.shown in page


def test_a_building_of_another_community_shows_its_own_and_nothing_private(client, world):
    w = world
    build_scene(w)
    olga_mobile = "13700005555"
    make_resident(w.h_other, "赵邻居", mobile=olga_mobile)
    resp = client.get(f"/b/{w.b_other.pk}/")
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "桂花湾社区" in page and "桂一网格" in page
    # Nothing of 万泉街: not its staff, menu, topics or teams.
    for foreign in (w.gina.name, "红烧肉", "空调滴水导致地面湿滑", "水电维修队", "义务理发进社区"):
        assert foreign not in page
    for private in ("赵邻居", olga_mobile, "王奥佳"):
        assert private not in page


@pytest.mark.parametrize("path", ["", "notice.pdf", "poster.pdf", "report/"])
def test_an_unknown_building_is_a_404(client, world, path):
    assert client.get(f"/b/987654/{path}").status_code == 404
    # Beyond the database's range: a clear 4xx, never a 500.
    assert client.get(f"/b/{10**22}/{path}").status_code in (400, 404)


def test_a_member_who_withdraws_consent_disappears(client, world):
    w = world
    shown, _hidden = _party_branch(w)
    assert shown in client.get(f"/b/{w.b1.pk}/").content.decode()
    member = PartyMember.objects.get(name=shown)
    party.identity_consent_set(actor=w.vera, member_id=member.pk, agree=False)
    assert shown not in client.get(f"/b/{w.b1.pk}/").content.decode()
    assert shown not in _pdf_text(client.get(f"/b/{w.b1.pk}/notice.pdf").content)


@pytest.mark.parametrize("path", ["", "notice.pdf", "poster.pdf", "report/"])
def test_the_pages_answer_get_only(client, world, path):
    assert client.post(f"/b/{world.b1.pk}/{path}").status_code == 405


def test_an_empty_building_still_answers(client, world):
    """A building with no grid, no center, no menu, no activity, no topic, no elevator."""
    bare = make_building(world.other, "99", units=1)
    resp = client.get(f"/b/{bare.pk}/")
    assert resp.status_code == 200
    page = resp.content.decode()
    assert _("No open topics.") in page
    assert _("No menu has been published for this week.") in page
    assert client.get(f"/b/{bare.pk}/notice.pdf").status_code == 200
    assert client.get(f"/b/{bare.pk}/poster.pdf").status_code == 200
    assert client.get(f"/b/{bare.pk}/report/").status_code == 200


def test_the_printed_page_carries_a_qr_code_of_its_own_address(client, world):
    page = client.get(f"/b/{world.b1.pk}/").content.decode()
    url = f"http://testserver/b/{world.b1.pk}/"
    expected = segno.make(url, error="m").svg_inline(scale=4, title=str(world.b1))
    assert expected in page
    assert url in page


# --- query counts -----------------------------------------------------------------------------


BOARD_QUERIES = 22


def _grow(w: World, n: int) -> None:
    """n more of everything the board lists: staff, teams, dishes, sessions, topics, units
    with elevator projects, shown party members."""
    from xingfuli.canteen import services as canteen
    from xingfuli.canteen.models import Canteen, WeeklyMenu

    canteen_obj = Canteen.objects.get()
    menu = WeeklyMenu.objects.get(canteen=canteen_obj)
    for i in range(n):
        grant(make_user(f"网格员{i}"), Role.GRID_WORKER_FULL, community=w.community,
              scope_id=w.grid1.pk)
        ServiceTeam.objects.create(center=w.center, name=f"服务队{i}", code=f"t{i}",
                                   phone=f"023-6000{i:04d}")
        start = timezone.now() + dt.timedelta(days=1, hours=i)
        volunteers.activity_create(actor=w.vera, community_id=w.community.pk,
                                   title=f"活动{i}", starts_at=start,
                                   ends_at=start + dt.timedelta(hours=1), place="活动室")
        deliberation.topic_create(actor=w.carol, community_id=w.community.pk,
                                  title=f"议题{i}", kind=Topic.Kind.LIVELIHOOD,
                                  building_ids=[w.b1.pk])
        unit = Unit.objects.create(building=w.b1, number=10 + i)
        _elevator(w, unit, [Stage.INTENTION, Stage.DESIGN])
        dish = canteen.dish_create(actor=w.cathy, canteen_id=canteen_obj.pk, name=f"菜{i}",
                                   kind="veg")
        for day in menu.days.all():
            day.dishes.add(dish)


def test_the_board_does_not_grow_in_queries(client, world, django_assert_num_queries):
    w = world
    build_scene(w)
    url = f"/b/{w.b1.pk}/"
    with django_assert_num_queries(BOARD_QUERIES):
        small = client.get(url)
    _grow(w, 6)
    with django_assert_num_queries(BOARD_QUERIES):
        big = client.get(url)
    assert small.status_code == big.status_code == 200
    page = big.content.decode()
    assert "服务队5" in page and "活动5" in page and "议题5" in page and "菜5" in page
    assert "网格员5" in page
    assert str(Unit(number=15)) in page


def test_the_pdf_does_not_grow_in_queries(client, world, django_assert_num_queries):
    w = world
    build_scene(w)
    with django_assert_num_queries(BOARD_QUERIES):
        client.get(f"/b/{w.b1.pk}/notice.pdf")
    _grow(w, 4)
    with django_assert_num_queries(BOARD_QUERIES):
        client.get(f"/b/{w.b1.pk}/notice.pdf")


# --- PDFs -------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    document = pdfium.PdfDocument(content)
    return "".join(document[i].get_textpage().get_text_range()
                   for i in range(len(document))).replace("\r\n", "").replace("\n", "")


def _qr_spy(monkeypatch) -> list[str]:
    encoded: list[str] = []
    real = pdf.qr

    def spy(data: str, **kwargs):
        encoded.append(data)
        return real(data, **kwargs)

    monkeypatch.setattr(pdf, "qr", spy)
    return encoded


def test_the_notice_pdf_is_chinese_and_points_back_to_the_page(client, world, monkeypatch,
                                                              settings):
    settings.LANGUAGE_CODE = "zh-hans"
    w = world
    scene = build_scene(w)
    encoded = _qr_spy(monkeypatch)
    resp = client.get(f"/b/{w.b1.pk}/notice.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    text = _pdf_text(resp.content)
    assert "万泉街社区" in text and "1栋" in text
    with translation.override("zh-hans"):
        headings = [_(h) for h in (
            "Your grid", "Property service teams", "This week's canteen menu",
            "Upcoming activities", "Open deliberation topics", "Elevator retrofit",
            "Party members serving here", "Supervision hotline")]
    for heading in headings:
        assert heading in text, heading
    assert "监督电话" in text
    assert "红烧肉" in text and "水电维修队" in text and scene.activity in text
    assert w.gina.mobile in text and scene.shown in text and scene.hidden not in text
    url = f"http://testserver/b/{w.b1.pk}/"
    assert encoded == [url] and url in text


def test_the_poster_is_chinese_and_its_qr_opens_the_report_page(client, world, monkeypatch,
                                                               settings):
    settings.LANGUAGE_CODE = "zh-hans"
    w = world
    encoded = _qr_spy(monkeypatch)
    resp = client.get(f"/b/{w.b1.pk}/poster.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    text = _pdf_text(resp.content)
    assert "万泉街社区" in text and "1栋" in text
    with translation.override("zh-hans"):
        assert _("Scan to report a problem") in text
        assert _("Supervision hotline: %(phone)s") % {"phone": "023-66221234"} in text
    # The grid worker's service phone, as on the grid card.
    assert w.gina.name in text and w.gina.mobile in text and "023-66221234" in text
    url = f"http://testserver/b/{w.b1.pk}/report/"
    assert encoded == [url] and url in text
    # One A4 page, portrait.
    document = pdfium.PdfDocument(resp.content)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert round(width) == 595 and round(height) == 842


# --- the page the poster opens, and the prefilled report form ---------------------------------


def test_the_report_page_sends_a_visitor_to_log_in_and_back_to_the_form(client, world):
    w = world
    make_categories(w)
    page = client.get(f"/b/{w.b1.pk}/report/").content.decode()
    form = f"{reverse('requests:report')}?building={w.b1.pk}"
    login = f"{reverse('core:login')}?next={quote(form, safe='/')}"
    assert login.replace("&", "&amp;") in page or login in page
    assert w.gina.mobile in page  # the service phone for those without a smartphone
    # The form itself sends an anonymous visitor to log in, and back.
    resp = client.get(form)
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("core:login"))
    assert quote(form, safe="/") in resp["Location"] or quote(form, safe="") in resp[
        "Location"]


def test_the_form_has_the_building_chosen_and_files_the_request_there(login, world):
    w = world
    cats = make_categories(w)
    bob = make_user("李博用户")
    grant(bob, Role.RESIDENT, community=w.community, scope_id=w.h2.pk)
    r = w.residents["bob_r"]
    r.user = bob
    r.save(update_fields=["user"])
    client = login(bob)
    # The poster is on building 1; bob lives in building 2.
    page = client.get(f"/b/{w.b1.pk}/report/").content.decode()
    form = f"{reverse('requests:report')}?building={w.b1.pk}"
    assert form.replace("&", "&amp;") in page or form in page
    step1 = client.get(form).content.decode()
    assert f"building={w.b1.pk}" in step1
    category = cats.lighting
    step3 = client.get(f"{form}&category={category.pk}")
    assert step3.status_code == 200
    body = step3.content.decode()
    assert 'name="floor"' in body and 'name="place"' not in body
    key = "poster-report-1"
    resp = client.post(f"{form}&category={category.pk}",
                       {"title": "楼道灯不亮", "floor": "3", "idempotency_key": key})
    assert resp.status_code == 302
    created = Request.objects.get(idempotency_key=key)
    assert created.building_id == w.b1.pk and created.floor == 3
    assert created.grid_id == w.grid1.pk


def test_a_building_the_resident_may_not_report_about_is_ignored(login, world):
    w = world
    cats = make_categories(w)
    client = login(w.alice)
    # Another community's building: the usual "where" step, nothing chosen for her.
    resp = client.get(
        f"{reverse('requests:report')}?building={w.b_other.pk}&category={cats.lighting.pk}")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "where=place" in body and 'name="title"' not in body
    # Nonsense is ignored the same way, never a 500.
    for raw in ("abc", "-1", "99999999999999999999", ""):
        assert client.get(f"{reverse('requests:report')}?building={raw}").status_code == 200

