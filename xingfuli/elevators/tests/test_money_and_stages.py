"""Cost shares to the fen (largest remainder), the ledger, and the stage rules."""

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden
from xingfuli.core.models import AuditEntry
from xingfuli.elevators import selectors, services
from xingfuli.elevators.models import Ballot, CostShare, Project, Stage, StageEvent
from xingfuli.elevators.tests.factories import owners_for, project_at, unit_with

CENT = Decimal("0.01")


# --- shares ---------------------------------------------------------------------------------


@pytest.mark.parametrize("total", ["100000.00", "100000.01", "99999.99", "0.05", "333333.33",
                                   "1.00", "0.00"])
def test_split_sums_exactly_to_the_total(total):
    ws = [Fraction(1), Fraction(1), Fraction(1), Fraction(3), Fraction(7), Fraction(1, 3)]
    weights = list(enumerate(ws))
    shares = services.split_fen(Decimal(total), weights)
    assert sum(shares.values()) == Decimal(total)
    whole = sum(w for _i, w in weights)
    for i, w in weights:  # no share is a fen or more away from its exact value
        exact = Fraction(Decimal(total)) * w / whole
        assert abs(Fraction(shares[i]) - exact) < Fraction(1, 100)


def test_split_random_awkward_totals_and_areas_sum_to_the_fen():
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(2, 24)
        weights = [(i, Fraction(Decimal(rng.randrange(3001, 15007)) / 100)
                    * Fraction(Decimal(rng.choice(["0", "0.5", "0.8", "1.35", "1.6"]))))
                   for i in range(n)]
        if not any(w for _i, w in weights):
            continue
        total = Decimal(rng.randrange(1, 99_999_999)) / 100
        shares = services.split_fen(total, weights)
        assert sum(shares.values()) == total
        assert all(v >= 0 and v == v.quantize(CENT) for v in shares.values())


def test_split_remainder_goes_to_the_largest_remainders_in_order():
    # 1.00 over three equal weights: 0.34, 0.33, 0.33 — the first in order gets the extra fen.
    shares = services.split_fen(Decimal("1.00"), [(7, Fraction(1)), (8, Fraction(1)),
                                                   (9, Fraction(1))])
    assert shares == {7: Decimal("0.34"), 8: Decimal("0.33"), 9: Decimal("0.33")}


def _plan(world, project, **kw):
    args = {"budget": "300000.00", "version": project.version}
    args.update(kw)
    return services.project_plan_set(actor=world.carol, project_id=project.pk, **args)


def test_adopted_default_table_ground_floor_pays_nothing_and_shares_sum(world):
    building, _dwellings = unit_with(world, ["63.27", "71.03", "63.27", "71.03", "63.27",
                                            "71.03", "63.27", "71.03", "59.99", "88.88",
                                            "59.99", "88.88", "59.99", "88.88"], rooms=2)
    project = project_at(world, building, stage=Stage.PLAN)
    # The default table is a suggestion for the project's floors; the owners adopted it.
    suggested = selectors.suggested_coefficients(project)
    assert suggested == {"1": "0", "2": "0.5", "3": "0.8", "4": "1.0", "5": "1.2",
                         "6": "1.35", "7": "1.5"}
    project = _plan(world, project, budget="412345.67", maintenance_yearly="9876.54",
                    sharing_method="floor", floor_coefficients=suggested,
                    maintenance_method="floor", maintenance_coefficients=suggested,
                    sources=[{"kind": "subsidy", "name": "区级补助", "amount": "100000.00"},
                             {"kind": "outside", "name": "电梯公司让利", "amount": "12345.66"}])
    shares = list(CostShare.objects.filter(project=project, kind="construction"))
    assert sum(s.amount for s in shares) == Decimal("300000.01")
    assert all(s.amount == 0 for s in shares if s.dwelling.floor == 1)
    assert all(s.amount > 0 for s in shares if s.dwelling.floor > 1)
    top = [s for s in shares if s.dwelling.floor == 7]
    second = [s for s in shares if s.dwelling.floor == 2]
    assert min(t.amount for t in top) > max(s.amount for s in second)
    upkeep = CostShare.objects.filter(project=project, kind="maintenance")
    assert sum(s.amount for s in upkeep) == Decimal("9876.54")
    funding = selectors.funding_of(project)
    assert funding.owners_total == Decimal("300000.01")
    assert funding.shortfall == Decimal("300000.01")


def test_by_area_when_no_agreement(world):
    building, _d = unit_with(world, ["50.00", "50.00", "100.00"])
    project = project_at(world, building, stage=Stage.PLAN)
    _plan(world, project, budget="1000.01", sharing_method="area")
    amounts = sorted(CostShare.objects.filter(project=project, kind="construction")
                     .values_list("amount", flat=True))
    assert amounts == [Decimal("250.00"), Decimal("250.00"), Decimal("500.01")]


def test_no_agreed_table_means_by_area_to_the_fen_never_the_default_table(world):
    """RULES.md: with no agreed floor coefficients the cost goes by area (Civil Code Art. 283).
    A plan that names no method and no table is split by area, ground floor included."""
    areas = ["63.27", "71.03", "59.99", "88.88", "47.51", "101.13", "66.66"]
    building, dwellings = unit_with(world, areas)
    project = project_at(world, building, stage=Stage.PLAN)
    assert Project._meta.get_field("sharing_method").default == "area"
    project = _plan(world, project, budget="300000.01", maintenance_yearly="7777.77")
    assert (project.sharing_method, project.floor_coefficients) == ("area", {})
    assert project.maintenance_method == "area"
    whole = sum(Fraction(Decimal(a)) for a in areas)
    for kind, total in (("construction", Decimal("300000.01")),
                        ("maintenance", Decimal("7777.77"))):
        shares = {s.dwelling_id: s for s in CostShare.objects.filter(project=project, kind=kind)}
        assert sum(s.amount for s in shares.values()) == total  # exact to the fen
        for d, area in zip(dwellings, areas, strict=True):
            share = shares[d.pk]
            assert share.coefficient == 1  # the ground floor pays its part too
            exact = Fraction(total) * Fraction(Decimal(area)) / whole
            assert abs(Fraction(share.amount) - exact) < Fraction(1, 100)
    # The floor method without an agreed table is refused, naming the field; nothing changes.
    for kw, field in (({"sharing_method": "floor"}, "floor_coefficients"),
                      ({"maintenance_method": "floor"}, "maintenance_coefficients")):
        with pytest.raises(DomainError) as exc:
            _plan(world, project, budget="1.00", **kw)
        assert (exc.value.code, exc.value.field) == (ErrorCode.INVALID, field)
        project.refresh_from_db()
        assert project.budget == Decimal("300000.01") and project.sharing_method == "area"
        assert sum(CostShare.objects.filter(project=project, kind="construction")
                   .values_list("amount", flat=True)) == Decimal("300000.01")


def test_agreed_coefficients_must_cover_every_floor(world):
    building, _d = unit_with(world, ["50.00", "50.00", "50.00"])
    project = project_at(world, building, stage=Stage.PLAN)
    with pytest.raises(DomainError) as exc:
        _plan(world, project, sharing_method="floor", floor_coefficients={"1": "0", "2": "1"})
    assert exc.value.field == "floor_coefficients"
    with pytest.raises(DomainError) as exc:
        _plan(world, project, sharing_method="floor",
              floor_coefficients={"1": "-1", "2": "1", "3": "1"})
    assert exc.value.field == "floor_coefficients"
    project.refresh_from_db()
    assert project.budget == 0 and not CostShare.objects.exists()  # nothing changed
    _plan(world, project, sharing_method="floor", floor_coefficients={"1": "0", "2": "1", "3": "2"},
          budget="900.00")
    assert sorted(CostShare.objects.filter(kind="construction").values_list(
        "amount", flat=True)) == [Decimal("0.00"), Decimal("300.00"), Decimal("600.00")]


def test_plan_rejects_bad_money_sources_and_stale_versions(world):
    building, _d = unit_with(world, ["50.00", "50.00"])
    project = project_at(world, building, stage=Stage.PLAN)
    for kw, field in (({"budget": "12.345"}, "budget"), ({"budget": "abc"}, "budget"),
                      ({"sources": [{"kind": "subsidy", "name": "x", "amount": "1e9"}]},
                       "sources"),
                      ({"sources": [{"kind": "gift", "name": "x", "amount": "1"}]},
                       "sources.0.kind"),
                      ({"version": 99}, "version")):
        with pytest.raises(DomainError) as exc:
            _plan(world, project, **kw)
        assert exc.value.field == field
    with pytest.raises(Forbidden):
        services.project_plan_set(actor=world.gina, project_id=project.pk, version=1,
                                  budget="1.00")


# --- contributions ------------------------------------------------------------------------


def test_ledger_paid_missing_refunds_and_idempotency(world):
    building, dwellings = unit_with(world, ["50.00", "50.00", "50.00"])
    project = project_at(world, building, stage=Stage.PLAN)
    _plan(world, project, budget="3000.00", sharing_method="area")
    today = timezone.localdate()
    pay = {"actor": world.carol, "project_id": project.pk, "kind": "payment", "on": today}
    first = services.contribution_record(dwelling_id=dwellings[0].pk, amount="1000.00",
                                         idempotency_key="k1", **pay)
    again = services.contribution_record(dwelling_id=dwellings[0].pk, amount="1000.00",
                                         idempotency_key="k1", **pay)
    assert first.pk == again.pk
    services.contribution_record(dwelling_id=dwellings[1].pk, amount="600.00", **pay)
    with pytest.raises(DomainError) as exc:
        services.contribution_record(actor=world.carol, project_id=project.pk,
                                     dwelling_id=dwellings[1].pk, kind="refund",
                                     amount="600.01", on=today)
    assert exc.value.field == "amount"
    services.contribution_record(actor=world.carol, project_id=project.pk,
                                 dwelling_id=dwellings[1].pk, kind="refund", amount="100.00",
                                 on=today)
    project.refresh_from_db()
    funding = selectors.funding_of(project)
    assert funding.raised == Decimal("1500.00")
    assert [r.missing for r in funding.rows] == [Decimal("0.00"), Decimal("500.00"),
                                                 Decimal("1000.00")]
    assert funding.shortfall == Decimal("1500.00") == funding.missing
    with pytest.raises(DomainError) as exc:
        services.contribution_record(dwelling_id=world.h1.dwelling_id, amount="1.00", **pay)
    assert exc.value.field == "dwelling_id"


# --- stages ------------------------------------------------------------------------------


def _advance(world, project, to, on=None, **kw):
    project.refresh_from_db()
    return services.project_advance(actor=world.carol, project_id=project.pk, to_stage=to,
                                    on=on or timezone.localdate(), version=project.version, **kw)


def test_stages_move_one_step_forward_with_their_rules(world):
    building, dwellings = unit_with(world, ["60.00"] * 4)
    owners = owners_for(world, dwellings)
    project = services.project_create(actor=world.carol, building_id=building.pk,
                                      unit_id=building.units.get().pk,
                                      started_on=dt.date(2026, 9, 1))
    with pytest.raises(DomainError) as exc:  # skipping a stage
        _advance(world, project, Stage.PLAN, on=dt.date(2026, 9, 2))
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    _advance(world, project, Stage.DESIGN, on=dt.date(2026, 9, 2))
    with pytest.raises(DomainError) as exc:  # no cost estimate yet
        _advance(world, project, Stage.PLAN, on=dt.date(2026, 9, 10))
    assert exc.value.field == "budget"
    project.refresh_from_db()
    _plan(world, project, budget="240000.00", version=project.version)
    _advance(world, project, Stage.PLAN, on=dt.date(2026, 9, 10))
    # Posted on Thursday 2026-10-08: 15 days later is Friday 10-23, a working day.
    _advance(world, project, Stage.NOTICE, on=dt.date(2026, 10, 8))
    project.refresh_from_db()
    assert project.notice_ends_on == dt.date(2026, 10, 23)
    with pytest.raises(DomainError) as exc:  # the last day of the notice is not enough
        _advance(world, project, Stage.CONSENT, on=dt.date(2026, 10, 23))
    assert exc.value.field == "on" and "2026-10-24" in str(exc.value.message)
    _advance(world, project, Stage.CONSENT, on=dt.date(2026, 10, 24))
    with pytest.raises(DomainError):  # no vote yet
        _advance(world, project, Stage.APPROVAL)
    services.round_open(actor=world.carol, project_id=project.pk)
    for o in owners:
        services.ballot_record_paper(actor=world.carol, project_id=project.pk, owner_id=o.pk,
                                     choice=Ballot.Choice.YES)
    with pytest.raises(DomainError):  # still open
        _advance(world, project, Stage.APPROVAL)
    services.round_close(actor=world.carol, project_id=project.pk)
    _advance(world, project, Stage.APPROVAL)
    with pytest.raises(DomainError) as exc:  # no planning approval uploaded
        _advance(world, project, Stage.CONSTRUCTION)
    services.document_add(actor=world.carol, project_id=project.pk, stage=Stage.APPROVAL,
                          title="规划许可", file=SimpleUploadedFile("permit.pdf", b"%PDF-1.4"))
    with pytest.raises(DomainError) as exc:  # funding short and no reason given
        _advance(world, project, Stage.CONSTRUCTION)
    assert exc.value.field == "shortfall_reason" and "240000.00" in str(exc.value.message)
    _advance(world, project, Stage.CONSTRUCTION, shortfall_reason="公积金提取审批中，十二月到账")
    project.refresh_from_db()
    assert project.shortfall_reason.startswith("公积金")
    _advance(world, project, Stage.COMMISSIONING)
    with pytest.raises(DomainError) as exc:
        _advance(world, project, Stage.IN_USE)
    assert exc.value.field == "registration_number"
    today = timezone.localdate()
    with pytest.raises(DomainError) as exc:  # registered more than 30 days after service
        _advance(world, project, Stage.IN_USE, registration_number="梯渝A0001",
                 in_service_on=today - dt.timedelta(days=31))
    assert exc.value.field == "note"
    _advance(world, project, Stage.IN_USE, registration_number="梯渝A0001",
             in_service_on=today - dt.timedelta(days=30))
    project.refresh_from_db()
    assert project.stage == Stage.IN_USE
    events = list(StageEvent.objects.filter(project=project).values_list("to_stage", flat=True))
    assert events == ["intention", "design", "plan", "notice", "consent", "approval",
                      "construction", "commissioning", "in_use"]
    assert AuditEntry.objects.filter(action="elevators.project.stage_changed").count() == 8
    with pytest.raises(DomainError):
        _advance(world, project, Stage.WITHDRAWN, note="x")


def test_notice_ending_on_a_holiday_moves_to_the_next_working_day(world):
    from xingfuli.core.calendar import calendar_fill_from_package

    calendar_fill_from_package()
    # Posted 2026-09-16: day 15 is 2026-10-01 (National Day); work resumes 2026-10-08.
    assert services.notice_end(dt.date(2026, 9, 16)) == dt.date(2026, 10, 8)
    # Posted on a Friday: day 15 a Saturday, moved to Monday.
    assert services.notice_end(dt.date(2026, 11, 6)) == dt.date(2026, 11, 23)


def test_back_to_the_plan_and_withdrawal_need_a_reason(world):
    building, _d = unit_with(world, ["60.00"] * 2)
    project = project_at(world, building, stage=Stage.NOTICE)
    with pytest.raises(DomainError) as exc:
        _advance(world, project, Stage.PLAN)
    assert exc.value.field == "note"
    _advance(world, project, Stage.PLAN, note="二楼住户提出异议，调整方案")
    _advance(world, project, Stage.WITHDRAWN, note="业主意见不一，暂缓")
    project.refresh_from_db()
    assert project.stage == Stage.WITHDRAWN


def test_dates_and_versions_are_checked(world):
    building, _d = unit_with(world, ["60.00"] * 2)
    project = project_at(world, building, stage=Stage.INTENTION)
    with pytest.raises(DomainError) as exc:
        _advance(world, project, Stage.DESIGN, on=timezone.localdate() + dt.timedelta(days=1))
    assert exc.value.field == "on"
    with pytest.raises(DomainError) as exc:
        services.project_advance(actor=world.carol, project_id=project.pk,
                                 to_stage=Stage.DESIGN, on=timezone.localdate(), version=7)
    assert exc.value.code == ErrorCode.CONFLICT
    assert Project.objects.get(pk=project.pk).stage == Stage.INTENTION


def test_one_live_project_per_unit(world):
    building, _d = unit_with(world, ["60.00"] * 2)
    unit = building.units.get()
    services.project_create(actor=world.carol, building_id=building.pk, unit_id=unit.pk)
    with pytest.raises(DomainError) as exc:
        services.project_create(actor=world.carol, building_id=building.pk, unit_id=unit.pk)
    assert exc.value.code == ErrorCode.DUPLICATE
    with pytest.raises(DomainError) as exc:
        services.project_create(actor=world.oscar, building_id=building.pk)
    assert exc.value.field == "building_id"


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_meetings_and_site_visits_are_counted_and_idempotent(world):
    kw = {"actor": world.carol, "community_id": world.community.pk,
          "held_on": dt.date(2026, 11, 20), "title": "加装电梯协调会"}
    a = services.activity_record(kind="meeting", idempotency_key="m1", **kw)
    b = services.activity_record(kind="meeting", idempotency_key="m1", **kw)
    assert a.pk == b.pk
    services.activity_record(kind="site_visit", **kw)
    assert selectors.activity_counts(community_id=world.community.pk) == {
        "meetings": 1, "site_visits": 1}
    with pytest.raises(DomainError) as exc:
        services.activity_record(kind="party", **kw)
    assert exc.value.field == "kind"
    with pytest.raises(Forbidden):
        services.activity_record(kind="meeting", **{**kw, "actor": world.gina})


def test_migration_writes_down_the_table_old_shares_used_or_moves_to_area(world):
    """Projects saved when "floor with no table" meant the default table: those with shares keep
    them and get the coefficients used as their table; those without shares go by area."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("xingfuli.elevators.migrations.0002_share_by_area_unless_agreed")
    building, dwellings = unit_with(world, ["50.00", "60.00"])
    computed = project_at(world, building, stage=Stage.PLAN)
    for d, coef in zip(dwellings, ("0", "0.5"), strict=True):
        CostShare.objects.create(project=computed, dwelling=d, kind="construction",
                                 coefficient=Decimal(coef), area=d.area or 0, amount=Decimal("1"))
    other, _d = unit_with(world, ["50.00"])
    empty = project_at(world, other, stage=Stage.INTENTION)
    Project.objects.filter(pk__in=[computed.pk, empty.pk]).update(
        sharing_method="floor", maintenance_method="floor")
    migration.record_tables(apps, None)
    computed.refresh_from_db()
    empty.refresh_from_db()
    assert (computed.sharing_method, computed.floor_coefficients) == (
        "floor", {"1": "0.000", "2": "0.500"})
    assert computed.maintenance_method == "area"  # it had no maintenance shares
    assert (empty.sharing_method, empty.maintenance_method) == ("area", "area")
