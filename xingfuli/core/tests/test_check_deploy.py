"""`xingfuli check-deploy` fails on the development defaults and passes a safe setup."""

from django.test import override_settings

from xingfuli.cli import main

SAFE = {
    "SECRET_KEY": "x7Qp2LmZ9vB4nR8sT1wY6uK3dH5fJ0gC" * 2, "FIELD_ENCRYPTION_KEY": "a-fernet-key-or-passphrase",
    "ALLOWED_HOSTS": ["xfl.example.org"], "DEBUG": False, "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000, "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


def test_development_defaults_fail(capsys):
    assert main(["check-deploy"]) == 1
    err = capsys.readouterr().err
    assert "xingfuli.E001" in err and "xingfuli.W002" in err and "security.W012" in err


def test_a_safe_setup_passes(monkeypatch):
    # The browser tests' Playwright needs this in the test process; a deployment does not.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with override_settings(**SAFE):
        assert main(["check-deploy"]) == 0


def test_tasks_inside_requests_fail(capsys, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    tasks = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(**SAFE, TASKS=tasks):
        assert main(["check-deploy"]) == 1
    assert "xingfuli.E002" in capsys.readouterr().err
