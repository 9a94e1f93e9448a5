import datetime as dt
from decimal import Decimal

import pytest

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_id_number
from xingfuli.registry import services
from xingfuli.registry.models import Dwelling, Household, Resident, Unit

BIRTH = dt.date(1938, 10, 18)


def create(world, actor=None, **extra):
    args = {
        "actor": actor or world.carol, "household_id": world.h1.pk, "name": "张三",
        "id_number": make_id_number(BIRTH, male=True), "mobile": "13800138000",
        "relation": Resident.Relation.SPOUSE, "residence_type": Resident.ResidenceType.REGISTERED,
        "tags": ["aged_80"],
    }
    args.update(extra)
    return services.resident_create(**args)


def test_create_derives_birth_sex_pinyin_masks_and_audits(world):
    r = create(world)
    r.refresh_from_db()
    assert (r.birth_date, r.sex) == (BIRTH, "M")
    assert (r.name_pinyin, r.name_initials) == ("zhangsan", "zs")
    assert r.id_number_masked.startswith("500113") and "*" in r.id_number_masked
    assert (r.mobile_masked, r.mobile_tail) == ("138****8000", "8000")
    assert [t.code for t in r.tags.all()] == ["aged_80"]
    entry = AuditEntry.objects.get(action="registry.resident.created", target_id=str(r.pk))
    assert entry.actor == world.carol and entry.community == world.community
    assert "13800138000" not in str(entry.data)


def test_grid_worker_creates_in_own_grid_only(world):
    assert create(world, actor=world.gina).household == world.h1
    with pytest.raises(NotFound):
        create(world, actor=world.gina, household_id=world.h2.pk)
    with pytest.raises(Forbidden):  # a resident sees her household but may not edit it
        create(world, actor=world.alice)
    with pytest.raises(NotFound):  # the street officer only reads
        create(world, actor=world.sam)


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"birth_date": dt.date(1938, 10, 19)}, "birth_date", ErrorCode.INVALID),
        ({"sex": "F"}, "sex", ErrorCode.INVALID),
        ({"id_number": "500113193810180011"}, "id_number", ErrorCode.INVALID_ID_NUMBER),
        ({"id_number": ""}, "id_number", ErrorCode.INVALID_ID_NUMBER),
        ({"mobile": "1234"}, "mobile", ErrorCode.INVALID_MOBILE),
        ({"relation": "cousin"}, "relation", ErrorCode.INVALID),
        ({"tags": ["no_such_tag"]}, "tags", ErrorCode.INVALID),
        ({"name": "  "}, "name", ErrorCode.INVALID),
    ],
)
def test_create_errors_name_the_field_and_write_nothing(world, extra, field, code):
    before = Resident.objects.count()
    with pytest.raises(DomainError) as caught:
        create(world, **extra)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert Resident.objects.count() == before


def test_matching_birth_date_and_sex_are_accepted(world):
    r = create(world, birth_date=BIRTH, sex="M")
    assert r.birth_date == BIRTH


def test_active_id_number_is_unique_until_moved_out(world):
    number = make_id_number(BIRTH)
    first = create(world, id_number=number)
    with pytest.raises(DomainError) as caught:
        create(world, id_number=number.lower(), household_id=world.h2.pk)
    assert (caught.value.code, caught.value.field) == (ErrorCode.DUPLICATE, "id_number")
    services.resident_update(actor=world.carol, resident_id=first.pk, version=first.version,
                             status=Resident.Status.MOVED_OUT)
    moved = create(world, id_number=number, household_id=world.h2.pk)
    assert moved.household == world.h2
    with pytest.raises(DomainError) as caught:  # coming back would make two active records
        services.resident_update(actor=world.carol, resident_id=first.pk, version=2,
                                 status=Resident.Status.ACTIVE)
    assert caught.value.code == ErrorCode.DUPLICATE


def test_update_checks_version_and_rules(world):
    r = create(world)
    updated = services.resident_update(actor=world.gina, resident_id=r.pk, version=1,
                                       name="张三丰", mobile="", tags=["living_alone"])
    assert updated.version == 2
    updated.refresh_from_db()
    assert (updated.name_initials, updated.mobile_masked) == ("zsf", "")
    assert [t.code for t in updated.tags.all()] == ["living_alone"]
    with pytest.raises(DomainError) as caught:
        services.resident_update(actor=world.carol, resident_id=r.pk, version=1, note="stale")
    assert caught.value.code == ErrorCode.CONFLICT
    assert Resident.objects.get(pk=r.pk).note == ""
    with pytest.raises(DomainError) as caught:  # a birth date against the ID on file
        services.resident_update(actor=world.carol, resident_id=r.pk, version=2,
                                 birth_date=dt.date(1990, 1, 1))
    assert caught.value.field == "birth_date"
    new_id = make_id_number(dt.date(1940, 2, 29), male=False)
    r = services.resident_update(actor=world.carol, resident_id=r.pk, version=2,
                                 id_number=new_id)
    assert (r.birth_date, r.sex, r.version) == (dt.date(1940, 2, 29), "F", 3)
    r = services.resident_update(actor=world.carol, resident_id=r.pk, version=3,
                                 status=Resident.Status.DECEASED)
    assert r.status == "deceased"
    assert AuditEntry.objects.filter(action="registry.resident.updated",
                                     target_id=str(r.pk)).count() == 3


def test_update_outside_scope_is_not_found(world):
    bob = world.residents["bob_r"]
    with pytest.raises(NotFound):
        services.resident_update(actor=world.gina, resident_id=bob.pk, version=1, note="x")
    with pytest.raises(NotFound):
        services.resident_update(actor=world.oscar, resident_id=bob.pk, version=1, note="x")
    with pytest.raises(DomainError) as caught:
        services.resident_update(actor=world.carol, resident_id=bob.pk, version=1, shoe="42")
    assert caught.value.field == "shoe"


def test_tags_set_bumps_version(world):
    alice = world.residents["alice_r"]
    r = services.resident_tags_set(actor=world.lee, resident_id=alice.pk,
                                   tag_codes=["dibao", "aged_80"])
    assert sorted(t.code for t in r.tags.all()) == ["aged_80", "dibao"]
    assert r.version == 2


def reveal(*, actor, resident_id):
    from xingfuli.registry.privacy import reveal_personal

    return reveal_personal(actor=actor, resident_id=resident_id, field="all", reason="service")


def test_reveal_only_for_unmask_roles_and_audited(world):
    alice = world.residents["alice_r"]
    numbers = reveal(actor=world.carol, resident_id=alice.pk)
    assert len(numbers["id_number"]) == 18 and numbers["id_number"][-4:] == \
        alice.id_number_masked[-4:]
    assert numbers["mobile"][-4:] == alice.mobile_tail
    entry = AuditEntry.objects.get(action="registry.resident.revealed")
    assert (entry.actor, entry.target_id) == (world.carol, str(alice.pk))
    assert reveal(actor=world.adam, resident_id=alice.pk)["mobile"]
    for actor in (world.gina, world.lee, world.alice):
        with pytest.raises(Forbidden):
            reveal(actor=actor, resident_id=alice.pk)
    for actor in (world.greg, world.oscar, world.sam):
        with pytest.raises((NotFound, Forbidden)):
            reveal(actor=actor, resident_id=alice.pk)
    assert AuditEntry.objects.filter(action="registry.resident.revealed").count() == 2


def test_building_create_makes_units_and_rooms(world):
    b = services.building_create(
        actor=world.carol, community=world.community, number="9", floors=3, units=2,
        rooms_per_floor=2, year_built=1992, address="万泉街9号", area_default=Decimal("58.3"),
    )
    assert list(Unit.objects.filter(building=b).values_list("number", flat=True)) == [1, 2]
    rooms = list(Dwelling.objects.filter(unit__building=b, unit__number=1)
                 .order_by("floor", "room").values_list("room", flat=True))
    assert rooms == ["101", "102", "201", "202", "301", "302"]
    assert Dwelling.objects.filter(unit__building=b, area=Decimal("58.30")).count() == 12
    with pytest.raises(DomainError) as caught:
        services.building_create(actor=world.carol, community=world.community, number="9",
                                 floors=3, units=1, rooms_per_floor=2, year_built=None,
                                 address="")
    assert (caught.value.code, caught.value.field) == (ErrorCode.DUPLICATE, "number")
    with pytest.raises(DomainError) as caught:
        services.building_create(actor=world.carol, community=world.community, number="10",
                                 floors=61, units=1, rooms_per_floor=2, year_built=None,
                                 address="")
    assert caught.value.field == "floors"
    with pytest.raises(Forbidden):  # a grid worker cannot add buildings to the community
        services.building_create(actor=world.gina, community=world.community, number="11",
                                 floors=3, units=1, rooms_per_floor=2, year_built=None,
                                 address="")
    with pytest.raises(NotFound):
        services.building_create(actor=world.oscar, community=world.community, number="11",
                                 floors=3, units=1, rooms_per_floor=2, year_built=None,
                                 address="")


def test_dwelling_update_and_household_create(world):
    d = Dwelling.objects.filter(unit__building=world.b1).exclude(households__isnull=False)[0]
    d = services.dwelling_update(actor=world.gina, dwelling_id=d.pk, area="70.456")
    assert d.area == Decimal("70.46")
    with pytest.raises(DomainError) as caught:
        services.dwelling_update(actor=world.gina, dwelling_id=d.pk, area="-1")
    assert caught.value.field == "area"
    h = services.household_create(actor=world.gina, dwelling_id=d.pk, code="H9",
                                  phone="023-66221234")
    assert Household.objects.get(pk=h.pk).dwelling == d
    with pytest.raises(DomainError) as caught:
        services.household_create(actor=world.gina, dwelling_id=d.pk, code="H1")
    assert (caught.value.code, caught.value.field) == (ErrorCode.DUPLICATE, "code")
    d2 = Dwelling.objects.filter(unit__building=world.b2)[0]
    with pytest.raises(NotFound):
        services.household_create(actor=world.gina, dwelling_id=d2.pk)


def test_owner_and_ownership_shares(world):
    owner = services.owner_create(actor=world.carol, community=world.community, name="王业主",
                                  id_number=make_id_number(dt.date(1960, 1, 1)),
                                  mobile="13900001111")
    assert owner.id_number_masked.startswith("500113") and owner.mobile_masked == "139****1111"
    d = world.h1.dwelling
    services.ownership_add(actor=world.carol, owner_id=owner.pk, dwelling_id=d.pk,
                           share=Decimal("0.5"))
    second = services.owner_create(actor=world.carol, community=world.community, name="李业主")
    with pytest.raises(DomainError) as caught:
        services.ownership_add(actor=world.carol, owner_id=second.pk, dwelling_id=d.pk,
                               share="0.6")
    assert caught.value.field == "share"
    services.ownership_add(actor=world.carol, owner_id=second.pk, dwelling_id=d.pk, share="0.5")
    with pytest.raises(NotFound):
        services.ownership_add(actor=world.carol, owner_id=second.pk,
                               dwelling_id=world.h_other.dwelling_id)
