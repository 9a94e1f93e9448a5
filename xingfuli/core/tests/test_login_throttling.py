"""Five wrong passwords lock a mobile number for a while (django-axes); others are not affected."""

import time_machine
from django.utils import timezone

from xingfuli.core.testing import PASSWORD


def attempt(client, user, password):
    return client.post("/login/", {"username": user.mobile, "password": password})


def test_lock_out_after_five_failures_then_cool_off(world, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for _ in range(4):
        assert attempt(client, world.gina, "wrong-password").status_code == 200
    assert attempt(client, world.gina, "wrong-password").status_code == 429  # the fifth
    locked = attempt(client, world.gina, PASSWORD)  # now even the right password
    assert locked.status_code == 429
    assert "too many times" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another person at the same address logs in fine.
    assert attempt(client, world.greg, PASSWORD).status_code == 302
    client.logout()
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME * 1.1, tick=False):
        assert attempt(client, world.gina, PASSWORD).status_code == 302


def test_secure_headers(world, client):
    r = client.get("/login/")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"


def test_content_security_policy_forbids_inline_scripts(world, client):
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_no_template_has_inline_script_or_handlers():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=\"|hx-on[:-]", re.I)
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.html")
                 if "static" not in p.parts and inline.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
