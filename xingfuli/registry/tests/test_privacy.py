import datetime as dt
import io
import json

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from xingfuli.core import crypto
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import AuditEntry, Role, RoleAssignment, User
from xingfuli.core.periodic import periodic_jobs
from xingfuli.core.testing import make_resident
from xingfuli.dashboard.selectors import community_summary
from xingfuli.grid.models import Visit
from xingfuli.registry import privacy, selectors
from xingfuli.registry.models import Resident
from xingfuli.requests import services as request_services
from xingfuli.requests.models import Request
from xingfuli.requests.tests.factories import make_categories

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)


def audits(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


# --- (1) full views with a reason ----------------------------------------------------------

def test_reveal_needs_a_reason_and_records_who_what_when_why(world):
    alice_r = world.residents["alice_r"]
    for reason, note, field in (("", "", "reason"), ("bored", "", "reason"),
                                ("other", "  ", "note"), ("visit", "x" * 201, "note")):
        with pytest.raises(DomainError) as e:
            privacy.reveal_personal(actor=world.carol, resident_id=alice_r.pk, field="all",
                                    reason=reason, note=note)
        assert (e.value.code, e.value.field) == (ErrorCode.INVALID, field)
    with pytest.raises(DomainError) as e:
        privacy.reveal_personal(actor=world.carol, resident_id=alice_r.pk, field="name",
                                reason="visit")
    assert e.value.field == "field"
    assert audits("registry.resident.revealed") == []

    got = privacy.reveal_personal(actor=world.carol, resident_id=alice_r.pk, field="mobile",
                                  reason="emergency", note="家属来电")
    assert got == {"mobile": crypto.decrypt(alice_r.mobile_encrypted)}
    (entry,) = audits("registry.resident.revealed")
    assert (entry.actor, entry.target_id, entry.community) == (
        world.carol, str(alice_r.pk), world.community)
    assert entry.data == {"fields": ["mobile"], "reason": "emergency", "note": "家属来电"}
    assert got["mobile"] not in json.dumps(entry.data)

    both = privacy.reveal_personal(actor=world.carol, resident_id=alice_r.pk, field="all",
                                   reason="verify")
    assert set(both) == {"id_number", "mobile"} and len(both["id_number"]) == 18


def test_reveal_refused_without_the_capability_or_scope(world):
    alice_r = world.residents["alice_r"]
    with pytest.raises(Forbidden):  # a grid worker sees the resident, masked only
        privacy.reveal_personal(actor=world.gina, resident_id=alice_r.pk, field="all",
                                reason="visit")
    with pytest.raises(NotFound):  # staff of another community
        privacy.reveal_personal(actor=world.oscar, resident_id=alice_r.pk, field="all",
                                reason="visit")
    assert audits("registry.resident.revealed") == []


# --- (2) retention -------------------------------------------------------------------------

def _leave(resident, status):
    resident.status = status
    resident.updated_at = NOW
    resident.save(update_fields=["status", "updated_at"])
    return resident


def test_retention_purges_only_the_departed_after_the_period_and_is_idempotent(world, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    moved = _leave(make_resident(world.h2, "周迁出", birth=dt.date(1950, 6, 15),
                                 tags=["dibao", "aged_80"]), Resident.Status.MOVED_OUT)
    dead = _leave(make_resident(world.h_other, "吴故去", birth=dt.date(1930, 2, 3)),
                  Resident.Status.DECEASED)
    recent = make_resident(world.h2, "郑刚走", birth=dt.date(1980, 1, 1))
    alice_r = world.residents["alice_r"]
    before_alice = Resident.objects.filter(pk=alice_r.pk).values().get()
    alice_tags = sorted(alice_r.tags.values_list("code", flat=True))

    with time_machine.travel(NOW + dt.timedelta(days=29), tick=False):
        _leave(recent, Resident.Status.MOVED_OUT)
        recent.updated_at = dt.datetime.now(dt.UTC)
        recent.save(update_fields=["updated_at"])
        assert privacy.retention_purge() == 0  # not yet 30 days
    with time_machine.travel(NOW + dt.timedelta(days=31), tick=False):
        assert privacy.retention_purge(batch=1) == 2
        assert privacy.retention_purge() == 0  # idempotent

    for row in (moved, dead):
        row.refresh_from_db()
        assert (row.id_number_encrypted, row.id_number_digest, row.mobile_encrypted,
                row.mobile_digest, row.mobile_tail) == ("", "", "", "", "")
        assert (row.id_number_masked, row.mobile_masked) == (privacy.PURGED, privacy.PURGED)
        assert list(row.tags.all()) == [] and row.note == ""
        assert privacy.is_purged(row)
    assert (moved.birth_date, dead.birth_date) == (dt.date(1950, 1, 1), dt.date(1930, 1, 1))
    recent.refresh_from_db()
    assert recent.id_number_encrypted and not privacy.is_purged(recent)
    # Nothing of an active resident is touched.
    assert Resident.objects.filter(pk=alice_r.pk).values().get() == before_alice
    assert sorted(alice_r.tags.values_list("code", flat=True)) == alice_tags

    entries = audits("registry.privacy.retention_purged")  # batch of 1: one entry per batch
    assert [(e.community_id, e.data["resident_ids"]) for e in entries] == [
        (world.community.pk, [moved.pk]), (world.other.pk, [dead.pk])]
    assert all(e.actor is None and e.data["retention_days"] == 30 for e in entries)


def test_retention_default_is_three_years(world, settings):
    del settings.PERSONAL_DATA_RETENTION_DAYS
    assert privacy.retention_days() == 3 * 365
    moved = _leave(make_resident(world.h2, "周迁出"), Resident.Status.MOVED_OUT)
    with time_machine.travel(NOW + dt.timedelta(days=3 * 365 - 1), tick=False):
        assert privacy.retention_purge() == 0
    with time_machine.travel(NOW + dt.timedelta(days=3 * 365 + 1), tick=False):
        assert privacy.retention_purge() == 1
    moved.refresh_from_db()
    assert privacy.is_purged(moved)


def test_the_retention_task_runs_daily_at_half_past_two():
    from xingfuli.registry.tasks import registry_retention_purge

    (entry,) = [p for p in periodic_jobs() if p.task is registry_retention_purge]
    assert entry.daily_at == dt.time(2, 30)


# --- (3) the person's copy -----------------------------------------------------------------

@pytest.fixture
def alice_request(world):
    cats = make_categories(world)
    return request_services.request_submit(
        actor=world.alice, category_id=cats.lighting.pk, title="楼道灯坏了",
        channel=Request.Channel.SELF_REPORT, building_id=world.b1.pk, floor=3,
        reporter_resident_id=world.residents["alice_r"].pk,
    )


@pytest.fixture
def alice_visit(world):
    visit = Visit.objects.create(dwelling=world.h1.dwelling, household=world.h1,
                                 visitor=world.gina, health="腿脚不便", needs="助餐")
    visit.people_met.add(world.residents["alice_r"])
    return visit


def test_export_holds_the_person_across_modules_and_is_audited(world, alice_request,
                                                             alice_visit):
    alice_r = world.residents["alice_r"]
    with pytest.raises(DomainError) as e:
        privacy.personal_data_export(actor=world.carol, resident_id=alice_r.pk, reason="")
    assert e.value.field == "reason"
    with pytest.raises(Forbidden):
        privacy.personal_data_export(actor=world.gina, resident_id=alice_r.pk, reason="subject")
    assert audits("registry.privacy.exported") == []

    doc = privacy.personal_data_export(actor=world.carol, resident_id=alice_r.pk,
                                       reason="subject", fmt="xlsx")
    sections = doc["sections"]
    (me,) = sections["resident"]
    assert me["name"] == "张爱丽" and me["id_number"] == crypto.decrypt(
        alice_r.id_number_encrypted)
    assert me["login"] == world.alice.mobile and "高龄" in me["tags"]
    assert [r["number"] for r in sections["requests"]] == [alice_request.number]
    assert [(v["by"], v["health"]) for v in sections["visits"]] == [("尹网格", "腿脚不便")]
    (entry,) = audits("registry.privacy.exported")
    assert (entry.actor, entry.data["reason"], entry.data["format"]) == (
        world.carol, "subject", "xlsx")
    assert entry.data["counts"]["requests"] == 1 and entry.data["counts"]["visits"] == 1

    out = io.BytesIO()
    privacy.export_xlsx(doc, out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert len(book.sheetnames) >= 3
    sheet = book[book.sheetnames[0]]
    assert "张爱丽" in [c.value for c in sheet[2]]


# --- (4) deletion on request ---------------------------------------------------------------

def _everything_about(world, name, id_number, mobile):
    hits: list[object] = []
    hits += list(Resident.objects.filter(name__contains=name))
    hits += list(Resident.objects.filter(id_number_digest=crypto.digest(id_number)))
    hits += list(Resident.objects.filter(mobile_digest=crypto.digest(mobile)))
    hits += list(User.objects.filter(name__contains=name))
    hits += list(User.objects.filter(mobile=mobile))
    hits += list(Request.objects.filter(reporter_name__contains=name))
    hits += selectors.residents_search(world.carol, name)
    hits += selectors.residents_search(world.carol, mobile)
    hits += list(selectors.residents_for(world.carol, q="zal", include_inactive=True))
    return hits


def test_deletion_needs_two_staff_and_leaves_nothing_identifying(world, alice_request,
                                                                 alice_visit):
    alice_r = world.residents["alice_r"]
    id_number = crypto.decrypt(alice_r.id_number_encrypted)
    mobile = crypto.decrypt(alice_r.mobile_encrypted)
    login_mobile = world.alice.mobile
    assert _everything_about(world, "张爱丽", id_number, mobile)
    before = community_summary(world.community)

    with pytest.raises(DomainError) as e:
        privacy.erasure_request(actor=world.carol, resident_id=alice_r.pk, reason="other")
    assert e.value.field == "note"
    with pytest.raises(Forbidden):
        privacy.erasure_request(actor=world.gina, resident_id=alice_r.pk, reason="subject")
    asked = privacy.erasure_request(actor=world.carol, resident_id=alice_r.pk,
                                    reason="subject", note="本人书面申请")
    assert privacy.erasure_pending(alice_r.pk) == asked
    with pytest.raises(DomainError) as e:  # one open request at a time
        privacy.erasure_request(actor=world.adam, resident_id=alice_r.pk, reason="subject")
    assert e.value.code == ErrorCode.CONFLICT
    with pytest.raises(Forbidden):  # the one who asked cannot confirm
        privacy.erasure_confirm(actor=world.carol, resident_id=alice_r.pk, request_id=asked.pk)
    with pytest.raises(DomainError) as e:  # a stale page: another request id
        privacy.erasure_confirm(actor=world.adam, resident_id=alice_r.pk,
                                request_id=asked.pk + 1000)
    assert e.value.code == ErrorCode.CONFLICT
    assert Resident.objects.get(pk=alice_r.pk).name == "张爱丽"

    privacy.erasure_confirm(actor=world.adam, resident_id=alice_r.pk, request_id=asked.pk)

    assert _everything_about(world, "张爱丽", id_number, mobile) == []
    assert not User.objects.filter(mobile=login_mobile).exists()
    row = Resident.objects.get(pk=alice_r.pk)
    assert row.name == f"已删除居民 #{row.pk}" and row.user is None and privacy.is_erased(row)
    assert (row.id_number_encrypted, row.mobile_encrypted, row.note) == ("", "", "")
    world.alice.refresh_from_db()
    assert not world.alice.is_active and not world.alice.has_usable_password()
    assert not RoleAssignment.objects.filter(user=world.alice, role=Role.RESIDENT).exists()
    # The request stays, without the person; the visit stays, without the person met.
    alice_request.refresh_from_db()
    assert (alice_request.reporter_resident, alice_request.reporter_user,
            alice_request.reporter_name) == (None, None, "")
    assert list(alice_visit.people_met.all()) == [] and Visit.objects.count() == 1
    (entry,) = audits("registry.privacy.erased")
    assert (entry.actor, entry.data["requested_by"], entry.data["reason"]) == (
        world.adam, world.carol.pk, "subject")
    assert entry.data["detached"]["requests"] == 1 and entry.data["detached"]["visits"] == 1
    assert privacy.erasure_pending(alice_r.pk) is None

    # Counts stay: the record is kept, only what identifies the person is gone. The one
    # count that changes is a fact about the person: alice no longer makes h1 a key household.
    after = community_summary(world.community)
    assert after["key_group_households"] == before["key_group_households"] - 1
    before.pop("key_group_households"), after.pop("key_group_households")
    assert after == before

    with pytest.raises(DomainError) as e:
        privacy.erasure_request(actor=world.carol, resident_id=alice_r.pk, reason="subject")
    assert e.value.code == ErrorCode.INVALID_TRANSITION


def test_deletion_request_can_be_cancelled_and_lapses(world):
    bob_r = world.residents["bob_r"]
    asked = privacy.erasure_request(actor=world.carol, resident_id=bob_r.pk,
                                    reason="purpose_ended")
    privacy.erasure_cancel(actor=world.adam, resident_id=bob_r.pk, request_id=asked.pk)
    assert privacy.erasure_pending(bob_r.pk) is None
    with pytest.raises(DomainError):
        privacy.erasure_confirm(actor=world.adam, resident_id=bob_r.pk, request_id=asked.pk)
    again = privacy.erasure_request(actor=world.carol, resident_id=bob_r.pk, reason="subject")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=15), tick=False):
        assert privacy.erasure_pending(bob_r.pk) is None
        with pytest.raises(DomainError):
            privacy.erasure_confirm(actor=world.adam, resident_id=bob_r.pk, request_id=again.pk)
    assert Resident.objects.get(pk=bob_r.pk).name == "李博"


def test_a_staff_login_is_not_erased_with_a_resident_record(world):
    bob_r = world.residents["bob_r"]
    bob_r.user = world.gina
    bob_r.save(update_fields=["user"])
    with pytest.raises(DomainError) as e:
        privacy.erasure_request(actor=world.carol, resident_id=bob_r.pk, reason="subject")
    assert e.value.code == ErrorCode.INVALID_TRANSITION
    assert audits("registry.privacy.erasure_requested") == []


# --- (5) pages -----------------------------------------------------------------------------

def _urlpatterns():
    """The project's URLs with the privacy pages included in the registry as the lead wires
    them (`path("privacy/", include(privacy_urlpatterns))` in registry/urls.py)."""
    from django.urls import URLResolver, include, path

    from xingfuli import urls as project
    from xingfuli.registry import urls as registry_urls
    from xingfuli.registry.privacy_urls import urlpatterns as privacy_urlpatterns

    registry = [p for p in registry_urls.urlpatterns
                if not str(p.pattern).startswith("privacy/")]
    registry.append(path("privacy/", include(privacy_urlpatterns)))
    return [path("registry/", include((registry, "registry")))] + [
        p for p in project.urlpatterns
        if not (isinstance(p, URLResolver) and p.namespace == "registry")
    ]


urlpatterns = _urlpatterns()
pages = pytest.mark.urls(__name__)


@pages
def test_privacy_page_for_staff_only(world, login, django_assert_num_queries):
    alice_r = world.residents["alice_r"]
    url = reverse("registry:privacy", args=[alice_r.pk])
    assert login(world.gina).get(url).status_code == 403
    assert login(world.oscar).get(url).status_code == 404
    client = login(world.carol)
    client.get(url)
    with django_assert_num_queries(8):
        page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "张爱丽" in html and crypto.decrypt(alice_r.mobile_encrypted) not in html


@pages
def test_export_download_and_reveal_from_the_page(world, login):
    alice_r = world.residents["alice_r"]
    client = login(world.carol)
    url = reverse("registry:privacy_export", args=[alice_r.pk])
    bad = client.post(url, {"reason": "", "format": "json"})
    assert bad.status_code == 400 and audits("registry.privacy.exported") == []
    got = client.post(url, {"reason": "subject", "format": "json"})
    assert got.status_code == 200 and "attachment" in got["Content-Disposition"]
    assert json.loads(b"".join(got.streaming_content))["sections"]["resident"][0]["name"] == "张爱丽"
    xlsx = client.post(url, {"reason": "subject", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")

    reveal = reverse("registry:privacy_reveal", args=[alice_r.pk])
    shown = client.post(reveal, {"field": "mobile", "reason": "visit"}, HTTP_HX_REQUEST="true")
    assert crypto.decrypt(alice_r.mobile_encrypted) in shown.content.decode()
    refused = client.post(reveal, {"field": "mobile", "reason": "other"},
                          HTTP_HX_REQUEST="true")
    assert crypto.decrypt(alice_r.mobile_encrypted) not in refused.content.decode()


@pages
def test_deletion_through_the_pages(world, login):
    alice_r = world.residents["alice_r"]
    ask = reverse("registry:privacy_erasure_request", args=[alice_r.pk])
    page = login(world.carol).post(ask, {"reason": "subject", "note": ""})
    assert page.status_code == 302
    pending = privacy.erasure_pending(alice_r.pk)
    assert pending is not None
    confirm = reverse("registry:privacy_erasure_confirm", args=[alice_r.pk])
    assert login(world.carol).post(confirm, {"request": pending.pk}).status_code == 403
    done = login(world.adam).post(confirm, {"request": pending.pk})
    assert done.status_code == 302
    assert privacy.is_erased(Resident.objects.get(pk=alice_r.pk))
