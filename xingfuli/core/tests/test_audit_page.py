from xingfuli.core import audit


def test_admin_sees_own_community_audit_with_constant_queries(world, login, django_assert_num_queries):
    client = login(world.adam)
    for i in range(3):
        audit.record("registry.resident.revealed", actor=world.carol, target=world.residents["alice_r"],
                     community_id=world.community.pk, n=i)
    audit.record("registry.resident.revealed", actor=world.oscar, target=world.residents["olga_r"],
                 community_id=world.other.pk)
    client.get("/audit/")  # warm the per-user caches
    with django_assert_num_queries(7) as ctx:
        page = client.get("/audit/?action=registry").content.decode()
    assert page.count("registry.resident.revealed") == 3
    for i in range(20):
        audit.record("registry.resident.revealed", actor=world.carol,
                     target=world.residents["alice_r"], community_id=world.community.pk, n=i)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get("/audit/?action=registry")


def test_grid_worker_may_not_read_the_audit_log(world, login):
    assert login(world.gina).get("/audit/").status_code == 403
