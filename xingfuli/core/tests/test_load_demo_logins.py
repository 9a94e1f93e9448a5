"""The demo's login table lines up in a terminal, Chinese role names included."""

import io

from django.utils import translation

from xingfuli.core.management.commands.load_demo import Command, display_width
from xingfuli.demo import DEMO_LOGINS


def test_display_width_counts_chinese_characters_as_two_columns():
    assert display_width("grid leader") == 11
    assert display_width("网格长") == 6
    assert display_width("（网格1）") == 9  # full-width brackets too


def test_login_table_columns_line_up_in_chinese_and_english():
    for language in ("zh-hans", "en"):
        out = io.StringIO()
        with translation.override(language):
            Command(stdout=out).print_logins()
            places = [str(login.where) for login in DEMO_LOGINS]
        rows = [line for line in out.getvalue().splitlines()
                if any(line.startswith(f"  {login.mobile}") for login in DEMO_LOGINS)]
        assert len(rows) == len(DEMO_LOGINS)
        # The third column starts at the same terminal column on every row.
        starts = {display_width(row[: row.index(place)])
                  for row, place in zip(rows, places, strict=True)}
        assert len(starts) == 1, (language, rows)
