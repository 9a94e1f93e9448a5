import pytest
from tests.security import test_access_matrix as m
from tests.security.conftest import *  # noqa: F401,F403  the scene fixture
m.EXPECTATIONS.update({
    "volunteers/teams/new/": ("LDDDDODO", "LDDDDBD-"),
    "volunteers/teams/<int:team_id>/edit/": ("LDDDDDDO", "LDDDDDD-"),
    "volunteers/volunteers/new/": ("LDDDDODO", "LDDDDBD-"),
    "volunteers/volunteers/<int:volunteer_id>/edit/": ("LDDDDDDO", "LDDDDDD-"),
    "volunteers/volunteers/<int:volunteer_id>/records/": ("LDDDDDDO", "LMMMMMM-"),
    "volunteers/activities/new/": ("LDDDDODO", "LDDDDBD-"),
    "volunteers/records/<int:record_id>/correct/": ("LDDDDDDO", "LDDDDDD-"),
    "volunteers/me/records/<int:record_id>/correction/": ("LDDDDDDD", "LDDDDDD-"),
    "volunteers/corrections/<int:request_id>/decide/": ("LMMMMMMM", "LDDDDDD-"),
    "volunteers/birthdays/<int:resident_id>/calendar/": ("LMMMMMMM", "LDDDDDD-"),
    "api/v1/volunteers/teams": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/volunteers/volunteers": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/volunteers/records/<record_id>/correction-request": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/volunteers/correction-requests/<request_id>/decide": ("MMMMMMMM", "LBBBBBB-"),
})


@pytest.mark.parametrize("persona", m.PERSONAS)
def test_matrix_vy(persona, scene):
    m.test_matrix(persona, scene)
