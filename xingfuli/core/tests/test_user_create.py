import pytest

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden
from xingfuli.core.models import AuditEntry, User
from xingfuli.core.services import user_create


def test_staff_create_a_person_without_a_usable_password(world):
    user = user_create(
        actor=world.carol, name=" 新网格员 ", mobile="138-0013 8000", is_party_member=True,
        community_id=world.community.pk,
    )
    user.refresh_from_db()
    assert user.name == "新网格员" and user.mobile == "13800138000"
    assert user.is_party_member and user.is_active
    assert not user.has_usable_password()
    entry = AuditEntry.objects.get(action="core.user.created")
    assert entry.actor == world.carol and entry.target_id == str(user.pk)
    assert entry.community_id == world.community.pk


def test_plus86_is_accepted(world):
    assert user_create(actor=world.adam, name="甲", mobile="+8613900001111").mobile == (
        "13900001111"
    )


@pytest.mark.parametrize("mobile", ["", "12345", "12800138000", "1380013800a", "138001380001"])
def test_a_bad_mobile_is_refused_on_the_mobile_field(world, mobile):
    before = User.objects.count()
    with pytest.raises(DomainError) as exc:
        user_create(actor=world.carol, name="乙", mobile=mobile)
    assert exc.value.code == ErrorCode.INVALID_MOBILE and exc.value.field == "mobile"
    assert User.objects.count() == before
    assert not AuditEntry.objects.filter(action="core.user.created").exists()


def test_a_duplicate_mobile_is_refused_on_the_mobile_field(world):
    before = User.objects.count()
    with pytest.raises(DomainError) as exc:
        user_create(actor=world.carol, name="丙", mobile=world.gina.mobile)
    assert exc.value.code == ErrorCode.DUPLICATE and exc.value.field == "mobile"
    assert "already has this mobile number" in str(exc.value.message)
    assert User.objects.count() == before


@pytest.mark.parametrize("name", ["", "   ", "名" * 51])
def test_a_name_is_needed(world, name):
    with pytest.raises(DomainError) as exc:
        user_create(actor=world.carol, name=name, mobile="13800138000")
    assert exc.value.field == "name"
    assert not User.objects.filter(mobile="13800138000").exists()


@pytest.mark.parametrize("who", ["alice", "gina", "lee", "sam"])
def test_only_grid_managers_create_people(world, who):
    with pytest.raises(Forbidden):
        user_create(actor=getattr(world, who), name="丁", mobile="13800138000")
    assert not User.objects.filter(mobile="13800138000").exists()


def test_staff_of_another_community_cannot_create_people_in_this_one(world):
    with pytest.raises(Forbidden):
        user_create(actor=world.oscar, name="丁", mobile="13800138000",
                    community_id=world.community.pk)
    assert not User.objects.filter(mobile="13800138000").exists()
