"""Categories and SLA policies are managed in the Django admin (mounted at /admin/)."""

import datetime as dt

from xingfuli.core.testing import make_user
from xingfuli.requests.models import Category, SlaPolicy
from xingfuli.requests.tests.factories import make_categories


def test_an_admin_lists_and_changes_categories_and_sla_policies(world, client):
    cats = make_categories(world)
    boss = make_user("管理员")
    boss.is_staff = boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    page = client.get("/admin/requests/category/")
    assert page.status_code == 200 and "楼道照明" in page.content.decode()
    assert client.get("/admin/requests/slapolicy/").status_code == 200
    assert client.get(f"/admin/requests/category/{cats.lighting.pk}/change/").status_code == 200
    r = client.post(f"/admin/requests/slapolicy/{cats.lighting_policy.pk}/change/", {
        "community": world.community.pk, "code": "2h", "name": "2 小时", "clock": "24x7",
        "response_target": "01:00:00", "resolution_target": "02:00:00",
    })
    assert r.status_code == 302
    policy = SlaPolicy.objects.get(pk=cats.lighting_policy.pk)
    assert (policy.name, policy.response_target) == ("2 小时", dt.timedelta(hours=1))
    assert Category.objects.filter(sla_policy=policy).count() == 2


def test_community_staff_are_kept_out_of_the_admin(world, client):
    client.force_login(world.carol)
    r = client.get("/admin/requests/category/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]
