from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password

from xingfuli import settings as project_settings


def test_production_hashes_passwords_with_argon2(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert make_password("correct-horse-7").startswith("argon2$")
    assert django_settings.AUTH_USER_MODEL == "core.User"


def test_login_with_mobile_and_password(world, client):
    from xingfuli.core.testing import PASSWORD

    r = client.post("/login/", {"username": world.gina.mobile, "password": PASSWORD})
    assert r.status_code == 302
    client.logout()
    r = client.post("/login/", {"username": world.gina.mobile, "password": "wrong-password"})
    assert r.status_code == 200 and "errorlist" in r.content.decode()
