from decimal import Decimal
from typing import Any

import pytest

from xingfuli.core.errors import DomainError
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_id_number
from xingfuli.registry import services
from xingfuli.registry.models import Dwelling, Owner, Ownership


def test_one_owner_of_two_homes_is_one_owner(world):
    number = make_id_number(__import__("datetime").date(1955, 4, 4))
    first = services.dwelling_owner_add(actor=world.carol, dwelling_id=world.h1.dwelling_id,
                                        name="周业主", id_number=number, share="1")
    other = Dwelling.objects.filter(unit__building=world.b1).exclude(pk=world.h1.dwelling_id)[0]
    second = services.dwelling_owner_add(actor=world.carol, dwelling_id=other.pk,
                                         name="周业主", id_number=number.lower(), share="0.5")
    assert first.owner_id == second.owner_id and Owner.objects.count() == 1
    assert second.share == Decimal("0.5")
    assert AuditEntry.objects.filter(action="registry.ownership.added").count() == 2


def test_bad_owner_input_names_the_field_and_writes_nothing(world):
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "", "share": "1"}, "name"),
        ({"name": "王", "id_number": "500113195504040000", "share": "1"}, "id_number"),
        ({"name": "王", "mobile": "12345", "share": "1"}, "mobile"),
        ({"name": "王", "share": "2"}, "share"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as exc:
            services.dwelling_owner_add(actor=world.carol, dwelling_id=world.h1.dwelling_id,
                                        **kwargs)
        assert exc.value.field == field
    assert not Owner.objects.exists() and not Ownership.objects.exists()


def test_grid_worker_sees_owners_of_own_grid_but_cannot_add(world, login):
    services.dwelling_owner_add(actor=world.carol, dwelling_id=world.h1.dwelling_id,
                                name="周业主", mobile="13912345678", share="1")
    page = login(world.gina).get(f"/registry/households/{world.h1.pk}/").content.decode()
    assert "周业主" in page and "139****5678" in page and "13912345678" not in page
    assert "/owners/new/" not in page
    r = login(world.gina).post(f"/registry/households/{world.h1.pk}/owners/new/",
                               {"name": "李", "share": "1"})
    assert r.status_code == 403 and Owner.objects.count() == 1
    # The other grid's worker cannot even see the household.
    assert login(world.greg).get(f"/registry/households/{world.h1.pk}/").status_code == 404


def test_staff_add_an_owner_through_the_page(world, login):
    client = login(world.carol)
    r = client.post(f"/registry/households/{world.h1.pk}/owners/new/",
                    {"name": "周业主", "share": "abc"})
    assert r.status_code == 200 and "such as 0.5" in r.content.decode()
    assert not Owner.objects.exists()
    r = client.post(f"/registry/households/{world.h1.pk}/owners/new/",
                    {"name": "周业主", "share": "1"})
    assert r.status_code == 302
    assert Ownership.objects.get().dwelling_id == world.h1.dwelling_id
