"""Prepare a fresh database for the crash test: migrate, the test world, a category tree and an
API token for gina (grid worker). Prints one JSON line: what the load generator needs.

    SQLITE_PATH=/tmp/x/db.sqlite3 python -m tests.reliability.setup_world
"""

from __future__ import annotations

import json
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xingfuli.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    from xingfuli.core.services import api_token_create
    from xingfuli.core.testing import build_world
    from xingfuli.requests.tests.factories import make_categories

    world = build_world()
    cats = make_categories(world)
    _token, key = api_token_create(actor=world.gina, name="crash test")
    print(json.dumps({
        "token": key, "category_id": cats.lighting.pk, "building_id": world.b1.pk,
        "resident_id": world.residents["alice_r"].pk,
    }))


if __name__ == "__main__":
    main()
