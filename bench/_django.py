"""The set-up every bench shares: Django on a throw-away database and files folder, migrated."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup_django(tmp: Path, *, database_url: str | None = None) -> None:
    """SQLite in `tmp` (the embedded default) unless `database_url` is given."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("CONN_MAX_AGE", "600")
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    os.environ["XINGFULI_VAR_DIR"] = str(tmp)
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "xingfuli.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # The personas' passwords are hashed once each; argon2 would only slow the set-up.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", interactive=False, verbosity=0)
