"""Roles and scopes: every URL pattern of the project, asked by every persona.

EXPECTATIONS maps each route (the URL pattern as written in the URLconf, or "prefix*") to two
strings of outcome letters, one letter per persona in PERSONAS order
(anon alice bob greg tina oscar sam carol); the letters are explained in matrix.py. The first
string is for a GET, the second for a POST with an empty body. The path parameters name the
scene's objects (conftest.py), which all belong to household h1 / grid 1 / the repair team of
万泉街社区 — so for most personas they are out of scope and must be denied.

A new URL pattern without an entry fails `test_every_url_pattern_has_an_entry` with its route:
add it to EXPECTATIONS, deciding who may see it. Never a 5xx, for anyone.
"""

from __future__ import annotations

import json
import os

import pytest
from django.test import Client

from tests.security.conftest import Scene
from tests.security.matrix import PERSONAS, classify, endpoints, fill, lookup, write_method
from xingfuli.core.models import AuditEntry, User

EXPECTATIONS: dict[str, tuple[str, str]] = {
    "": ("LOOOOOOO", "LOOOOOO-"),
    "login/": ("ORRRRRRR", "ORRRRRR-"),
    "logout/": ("MMMMMMMM", "L-------"),
    "messages/": ("LOOOOOOO", "LRRRRRR-"),
    "prefs/large-text/": ("MMMMMMMM", "RRRRRRR-"),
    "account/api-tokens/": ("LOOOOOOO", "LOOOOOO-"),
    "audit/": ("LDDDDDDD", "LDDDDDD-"),
    "registry/buildings/": ("LOOODODO", "LOOODOD-"),
    "registry/buildings/new/": ("LDDDDODO", "LDDDDOD-"),
    "registry/buildings/<int:building_id>/": ("LDDDDDDO", "LDDDDDD-"),
    "registry/dwellings/<int:dwelling_id>/household/": ("LMMMMMMM", "LDDDDDD-"),
    "registry/households/<int:household_id>/": ("LODDDDDO", "LDDDDDD-"),
    "registry/households/<int:household_id>/residents/new/": ("LDDDDDDO", "LDDDDDD-"),
    "registry/households/<int:household_id>/owners/new/": ("LODDDDDO", "LODDDDD-"),
    "registry/residents/<int:resident_id>/": ("LODDDDDO", "LDDDDDD-"),
    "registry/residents/<int:resident_id>/edit/": ("LDDDDDDO", "LDDDDDD-"),
    "registry/search/": ("LOOODODO", "LOOODOD-"),
    "registry/import/": ("LDDDDODO", "LDDDDOD-"),
    "registry/import/template.xlsx": ("LDDDDODO", "LMMMMMM-"),
    "registry/import/<int:job_id>/": ("LDDDDDDO", "LDDDDDD-"),
    "registry/export/": ("LMMMMMMM", "LDDDDDD-"),
    "grid/": ("LDDODOOO", "LDDDDOD-"),
    "grid/<int:grid_id>/": ("LDDDDDOO", "LDDDDDO-"),
    "grid/<int:grid_id>/staff/add/": ("LMMMMMMM", "LDDDDDD-"),
    "grid/<int:grid_id>/staff/remove/": ("LMMMMMMM", "LDDDDDD-"),
    "grid/<int:grid_id>/buildings/": ("LMMMMMMM", "LDDDDDD-"),
    "grid/visits/": ("LOOODODO", "LOOODOD-"),
    "grid/visits/<int:visit_id>/": ("LDDDDDDO", "LDDDDDD-"),
    "grid/dwellings/<int:dwelling_id>/visit/": ("LDDDDDDO", "LDDDDDD-"),
    "grid/overdue/": ("LOOODODO", "LOOODOD-"),
    "grid/roster/": ("LDDODOOO", "LDDDDOD-"),
    "grid/calendar/": ("LDDODOOO", "LDDDDDD-"),
    "grid/<slug:community>/<int:sequence>/card/": ("OOOOOOOO", "OOOOOOO-"),
    "property/": ("LRRRRDRR", "LMMMMMM-"),
    "property/<int:center_id>/": ("LOOOODOO", "LMMMMMM-"),
    "property/<int:center_id>/edit/": ("LMMMMMMM", "LDDDDDD-"),
    "property/<int:center_id>/buildings/": ("LMMMMMMM", "LDDDDDD-"),
    "property/<int:center_id>/teams/new/": ("LMMMMMMM", "LDDDDDD-"),
    "property/teams/<int:team_id>/": ("LOOOODOO", "LMMMMMM-"),
    "property/teams/<int:team_id>/edit/": ("LMMMMMMM", "LDDDDDD-"),
    "property/teams/<int:team_id>/members/": ("LMMMMMMM", "LDDDDDD-"),
    "property/members/<int:member_id>/duty/": ("LMMMMMMM", "LDDDDDD-"),
    "property/members/<int:member_id>/role/": ("LMMMMMMM", "LDDDDDD-"),
    "property/members/<int:member_id>/remove/": ("LMMMMMMM", "LDDDDDD-"),
    "property/projects/": ("LOOOOOOO", "LMMMMMM-"),
    "property/projects/funds/new/": ("LMMMMMMM", "LDDDDDD-"),
    "property/projects/new/": ("LMMMMMMM", "LDDDDDD-"),
    "property/projects/<int:project_id>/": ("LDDDDDOO", "LMMMMMM-"),
    "property/projects/<int:project_id>/edit/": ("LMMMMMMM", "LDDDDDD-"),
    "property/projects/<int:project_id>/items/": ("LMMMMMMM", "LDDDDDD-"),
    "property/items/<int:item_id>/progress/": ("LMMMMMMM", "LDDDDDD-"),
    "property/projects/<int:project_id>/start/": ("LMMMMMMM", "LDDDDDD-"),
    "property/projects/<int:project_id>/cancel/": ("LMMMMMMM", "LDDDDDD-"),
    "property/projects/<int:project_id>/approve/": ("LMMMMMMM", "LDDDDDD-"),
    "property/projects/<int:project_id>/spending/": ("LMMMMMMM", "LDDDDDB-"),
    "property/projects/<int:project_id>/accept/": ("LMMMMMMM", "LDDDDDB-"),
    "property/teams/<int:team_id>/board/": ("LDDDDDDO", "LMMMMMM-"),
    "property/my-board/": ("LDDDRDDD", "LMMMMMMM"),
    "saved-views/": ("LMMMMMMM", "LBBBBBBB"),
    "saved-views/<int:view_id>/rename/": ("LMMMMMMM", "LDDDDDDD"),
    "saved-views/<int:view_id>/delete/": ("LMMMMMMM", "LDDDDDDD"),
    "requests/": ("LRROOODO", "LRROOOD-"),
    "requests/new/": ("LRRODODO", "LRRODOD-"),
    "requests/report/": ("LOORDRDR", "LOORDRD-"),
    "requests/mine/": ("LOOODODO", "LOOODOD-"),
    "requests/my-jobs/": ("LDDDODDD", "LDDDODD-"),
    "requests/<int:request_id>/": ("LODDDDOO", "LODDDDO-"),
    "requests/<int:request_id>/act/<str:action>/": ("LMMMMMMM", "LBDDDDB-"),
    "requests/photos/<int:photo_id>/": ("LDDDDDDD", "LMMMMMM-"),
    "requests/open311-clients/": ("LDDDDODO", "LDDDDBD-"),
    "requests/<int:request_id>/reply/": ("LMMMMMMM", "LDDDDDDD"),
    "deliberation/": ("LOOOOOOO", "LMMMMMM-"),
    "deliberation/topics/new/": ("LOODDODO", "LBBDDBD-"),
    "deliberation/topics/<int:topic_id>/": ("LOOOODOO", "LMMMMMM-"),
    "deliberation/topics/<int:topic_id>/<slug:action>/": ("LMMMMMMM", "LDDDDDD-"),
    "deliberation/from-request/<int:request_id>/": ("LDDDDDDO", "LDDDDDD-"),
    "deliberation/meetings/<int:meeting_id>/": ("LOOOODOO", "LMMMMMM-"),
    "deliberation/meetings/<int:meeting_id>/<slug:action>/": ("LMMMMMMM", "LDDDDDD-"),
    "deliberation/pavilions/": ("LOOOOOOO", "LMMMMMM-"),
    "deliberation/pavilions/<int:pavilion_id>/poster/": ("LOOOODOO", "LMMMMMM-"),
    "deliberation/pavilions/<int:pavilion_id>/poster.pdf": ("LOOOODOO", "LMMMMMM-"),
    "deliberation/p/<int:pavilion_id>/": ("OOOOOOOO", "MMMMMMM-"),
    "deliberation/notices/<int:topic_id>/": ("DDDDDDDD", "MMMMMMM-"),
    "deliberation/notices/<int:topic_id>/pdf/": ("DDDDDDDD", "MMMMMMM-"),
    "elevators/": ("LOOOOOOO", "LMMMMMM-"),
    "elevators/new/": ("LMMMMMMM", "LBBBBBB-"),
    "elevators/activities/": ("LOOOOOOO", "LBBBBBB-"),
    "elevators/documents/<int:document_id>/": ("LDDDDDDD", "LMMMMMM-"),
    "elevators/<int:project_id>/": ("LDDDDDOO", "LMMMMMM-"),
    "elevators/<int:project_id>/advance/": ("LMMMMMMM", "LDDDDDB-"),
    "elevators/<int:project_id>/plan/": ("LMMMMMMM", "LDDDDDB-"),
    "elevators/<int:project_id>/documents/": ("LMMMMMMM", "LDDDDDB-"),
    "elevators/<int:project_id>/vote/": ("LMMMMMMM", "LDDDDDB-"),
    "elevators/<int:project_id>/paper/": ("LMMMMMMM", "LDDDDDB-"),
    "elevators/<int:project_id>/rounds/open/": ("LMMMMMMM", "LDDDDDD-"),
    "elevators/<int:project_id>/rounds/close/": ("LMMMMMMM", "LDDDDDD-"),
    "elevators/<int:project_id>/contributions/": ("LMMMMMMM", "LDDDDDB-"),
    "elevators/<int:project_id>/sheet.pdf": ("LDDDDDOO", "LMMMMMM-"),
    "canteen/": ("LDDDDDDO", "LMMMMMM-"),
    "canteen/walk-in/": ("LMMMMMMM", "LDDDDDD-"),
    "canteen/orders/<int:order_id>/serve/": ("LMMMMMMM", "LDDDDDD-"),
    "canteen/orders/<int:order_id>/cancel/": ("LMMMMMMM", "LRDDDDD-"),
    "canteen/settings/": ("LDDDDDDO", "LDDDDDD-"),
    "canteen/dishes/": ("LDDDDDDO", "LDDDDDD-"),
    "canteen/menus/": ("LDDDDDDO", "LDDDDDD-"),
    # BUG (reported): the staff menu editor is shown to residents; they must be denied.
    # The menu editor is canteen staff's; residents read menus on the public menu page.
    "canteen/menus/<int:menu_id>/": ("LDDDDDDO", "LDDDDDD-"),
    "canteen/menus/<int:menu_id>/poster.pdf": ("LOOOODOO", "LMMMMMM-"),
    "canteen/menu/": ("OOOOOOOO", "MMMMMMM-"),
    "canteen/diners/": ("LDDDDDDO", "LDDDDDD-"),
    "canteen/diners/<int:diner_id>/": ("LODDDDDO", "LBDDDDD-"),
    "canteen/diners/<int:diner_id>/statement/<int:year>/<int:month>/": ("LODDDDDO", "LDDDDDD-"),
    "canteen/payments/": ("LRRRRRRR", "LMMMMMM-"),
    "canteen/payments/<int:year>/<int:month>/": ("LDDDDDDO", "LMMMMMM-"),
    "canteen/mine/": ("LROOOOOO", "LMMMMMM-"),
    "canteen/claims/": ("LRRRRRRR", "LMMMMMM-"),
    "canteen/claims/<int:year>/<int:month>/": ("LDDDDDDO", "LMMMMMM-"),
    "canteen/deliveries/": ("LDDDDDDO", "LDDDDDD-"),
    "canteen/deliveries/sheets.pdf": ("LDDDDDDO", "LMMMMMM-"),
    "canteen/runs/": ("LOOOOOOO", "LMMMMMM-"),
    "canteen/runs/<int:run_id>/": ("LDDDDDDD", "LDDDDDD-"),
    "canteen/safety/": ("LDDDDDDO", "LDDDDDD-"),
    "volunteers/": ("LOOOOODO", "LMMMMMM-"),
    "volunteers/activities/<int:activity_id>/": ("LOOOOOOO", "LMMMMMM-"),
    "volunteers/sessions/<int:session_id>/": ("LDDDDDDO", "LMMMMMM-"),
    "volunteers/sessions/<int:session_id>/sign-up/": ("LMMMMMMM", "LRRRRRR-"),
    "volunteers/bookings/<int:booking_id>/cancel/": ("LMMMMMMM", "LRDDDDD-"),
    "volunteers/bookings/<int:booking_id>/check-<str:direction>/": ("LMMMMMMM", "LDDDDDD-"),
    "volunteers/scan/<str:token>/": ("LBBBBBBB", "LBBBBBB-"),
    "volunteers/me/": ("LOOOOOOO", "LMMMMMM-"),
    "volunteers/me/join/": ("LMMMMMMM", "LRRRRRD-"),
    "volunteers/me/claim/": ("LMMMMMMM", "LBBBBBD-"),
    "volunteers/me/certificate.pdf": ("LDDDDDDD", "LMMMMMM-"),
    "volunteers/volunteers/<int:volunteer_id>/certificate.pdf": ("LDDDDDOO", "LMMMMMM-"),
    "volunteers/claims/": ("LOOOOOOO", "LMMMMMM-"),
    "volunteers/claims/<int:record_id>/decide/": ("LMMMMMMM", "LDDDDDD-"),
    "volunteers/teams/": ("LOOOOOOO", "LMMMMMM-"),
    "volunteers/birthdays/": ("LDDDDODO", "LMMMMMM-"),
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
    "volunteers/birthdays/export.xlsx": ("LDDDDODO", "LMMMMMM-"),
    "volunteers/birthdays/invitations.pdf": ("LDDDDODO", "LMMMMMM-"),
    "volunteers/bookings/<int:booking_id>/attendance/": ("LDDDDDDO", "LDDDDDD-"),
    "youth/": ("LRRRRRRR", "LMMMMMM-"),
    "youth/mine/": ("LOOOOOOO", "LMMMMMM-"),
    "youth/mine/children/new/": ("LOODDDDD", "LOODDDD-"),
    "youth/mine/children/<int:child_id>/": ("LDDDDDDD", "LDDDDDD-"),
    "youth/courses/": ("LOOOOOOO", "LMMMMMM-"),
    "youth/courses/<int:course_id>/": ("LOOOODOO", "LMMMMMM-"),
    "youth/courses/manage/": ("LDDDDODO", "LDDDDBD-"),
    "youth/courses/<int:course_id>/sessions/": ("LMMMMMMM", "LBBBBDB-"),
    "youth/courses/<int:course_id>/enrol/": ("LMMMMMMM", "LBBBBDB-"),
    "youth/courses/<int:course_id>/withdraw/": ("LMMMMMMM", "LDDDDDD-"),
    "youth/sessions/<int:session_id>/": ("LDDDDDDO", "LMMMMMM-"),
    "youth/bookings/<int:booking_id>/<str:action>/": ("LMMMMMMM", "LDDDDDD-"),
    "youth/children/": ("LDDDDODO", "LMMMMMM-"),
    "youth/children/<int:child_id>/": ("LDDDDDDO", "LMMMMMM-"),
    "youth/statistics/": ("LDDDDODO", "LMMMMMM-"),
    "party/": ("LOOOOODO", "LMMMMMM-"),
    "party/branches/<int:organisation_id>/": ("LDDDDDDD", "LMMMMMM-"),
    "party/grids/<int:grid_id>/": ("OOOOOOOO", "MMMMMMM-"),
    "party/register/": ("LOOOOOOO", "LBBBBBB-"),
    "party/me/": ("LOOOOOOO", "LMMMMMM-"),
    "party/members/<int:member_id>/consent/": ("LMMMMMMM", "LDDDDDD-"),
    "party/in-service/": ("LDDDDODO", "LMMMMMM-"),
    "party/in-service/<int:member_id>/review/": ("LMMMMMMM", "LDDDDDD-"),
    "party/wishes/": ("LOOOOOOO", "LMMMMMM-"),
    "party/wishes/new/": ("LOOOOODO", "LBBBBBD-"),
    "party/wishes/<int:wish_id>/": ("LDDDDDDD", "LMMMMMM-"),
    "party/wishes/<int:wish_id>/<str:action>/": ("LMMMMMMM", "LDDDDDD-"),
    "party/branches/new/": ("LDDDDODO", "LDDDDBD-"),
    "party/branches/<int:organisation_id>/edit/": ("LDDDDDDD", "LDDDDDD-"),
    "party/branches/<int:organisation_id>/members/add/": ("LMMMMMMM", "LDDDDDD-"),
    "survey/": ("LOOOOOOO", "LBBDDDD-"),
    "survey/runs/": ("LDDODOOO", "LDDDDDD-"),
    "survey/runs/<int:run_id>/": ("LDDODDOO", "LMMMMMM-"),
    "survey/runs/<int:run_id>/close/": ("LMMMMMMM", "LDDDDDD-"),
    "dashboard/<slug:community>/": ("OOOOOOOO", "OOOOOOO-"),
    "dashboard/<slug:community>/board/": ("LDDODDOO", "LDDODDO-"),
    "dashboard/<slug:community>/board/screen/": ("LDDODDOO", "LDDODDO-"),
    "dashboard/street/<int:street_id>/": ("LDDDDOOO", "LMMMMMM-"),
    "dashboard/district/<int:district_id>/": ("LDDDDOOO", "LMMMMMM-"),
    "dashboard/<slug:community>/kpis/": ("LDDDDDOO", "LMMMMMM-"),
    "dashboard/<slug:community>/reports/": ("LDDDDDOO", "LDDDDDD-"),
    "dashboard/reports/<int:run_id>/<str:fmt>": ("LDDDDDDD", "LMMMMMM-"),
    "b/<int:building_id>/": ("OOOOOOOO", "MMMMMMM-"),
    "b/<int:building_id>/notice.pdf": ("OOOOOOOO", "MMMMMMM-"),
    "b/<int:building_id>/poster.pdf": ("OOOOOOOO", "MMMMMMM-"),
    "b/<int:building_id>/report/": ("OOOOOOOO", "MMMMMMM-"),
    "open311/v2/discovery.<o311fmt:fmt>": ("OOOOOOOO", "MMMMMMM-"),
    "open311/v2/services.<o311fmt:fmt>": ("DDDDDDDD", "MMMMMMM-"),
    "open311/v2/services/<slug:code>.<o311fmt:fmt>": ("DDDDDDDD", "MMMMMMM-"),
    "open311/v2/requests.<o311fmt:fmt>": ("DDDDDDDD", "DDDDDDD-"),
    "open311/v2/requests/<str:number>.<o311fmt:fmt>": ("DDDDDDDD", "MMMMMMM-"),
    "open311/v2/tokens/<str:token>.<o311fmt:fmt>": ("DDDDDDDD", "MMMMMMM-"),
    "open311/v2/": ("DDDDDDDD", "DDDDDDD-"),
    "open311/v2/<path:rest>": ("DDDDDDDD", "DDDDDDD-"),
    "api/v1/openapi.json": ("OOOOOOOO", "OOOOOOO-"),
    "api/v1/docs": ("OOOOOOOO", "OOOOOOO-"),
    "api/v1/me": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/notifications": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/registry/buildings": ("LOOODODO", "MMMMMMM-"),
    "api/v1/registry/buildings/<building_id>": ("LDDDDDDO", "MMMMMMM-"),
    "api/v1/registry/households/<household_id>": ("LODDDDDO", "MMMMMMM-"),
    "api/v1/registry/residents": ("LOOODODO", "LBBBBBB-"),
    "api/v1/registry/residents/<resident_id>": ("LODDDDDO", "LBBBBBB-"),
    # The body (the reason) is validated first: an empty one is a 400, nothing revealed.
    "api/v1/registry/residents/<resident_id>/reveal": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/grid/grids": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/grid/grids/<grid_id>": ("LDDDDDOO", "MMMMMMM-"),
    "api/v1/grid/grids/<grid_id>/buildings": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/grid/grids/<grid_id>/staff": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/grid/grids/<grid_id>/staff/<user_id>": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/grid/leaders-not-party-members": ("LDDDDODO", "MMMMMMM-"),
    "api/v1/grid/visits": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/grid/visits/<visit_id>": ("LDDDDDDO", "MMMMMMM-"),
    "api/v1/grid/overdue": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/grid/coverage": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/grid/roster": ("LDDODOOO", "MMMMMMM-"),
    "api/v1/grid/roster/shifts": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/grid/roster/shifts/<shift_id>": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/grid/roster/fill": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/grid/cards/<community>/<sequence>": ("OOOOOOOO", "MMMMMMM-"),
    "api/v1/dashboard/summary": ("BBBBBBBB", "MMMMMMM-"),
    "api/v1/survey/current": ("LOODDDDD", "MMMMMMM-"),
    "api/v1/survey/runs": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/survey/runs/<run_id>/answers": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/survey/runs/<run_id>/results": ("LDDODDOO", "MMMMMMM-"),
    "api/v1/dashboard/streets/<street_id>": ("LDDDDOOO", "MMMMMMM-"),
    "api/v1/dashboard/districts/<district_id>": ("LDDDDOOO", "MMMMMMM-"),
    "api/v1/requests": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/requests/my-jobs": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/requests/kpis": ("LBBBBBBB", "MMMMMMM-"),
    "api/v1/requests/<request_id>": ("LODDDDOO", "MMMMMMM-"),
    "api/v1/requests/<request_id>/actions/<action>": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/requests/categories": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/requests/similar": ("LBBBBBBB", "MMMMMMM-"),
    "api/v1/requests/with-photos": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/requests/<request_id>/actions/<action>/with-photos": ("MMMMMMMM", "LBDDDDB-"),
    "api/v1/property/teams/<team_id>/board": ("LDDDDDDO", "MMMMMMM-"),
    "api/v1/saved-views": ("LBBBBBBB", "LBBBBBBB"),
    "api/v1/saved-views/<view_id>": ("MMMMMMMM", "LBBBBBBB"),
    "api/v1/property/centers": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/property/centers/<center_id>": ("LOOOODOO", "LBBBBBB-"),
    "api/v1/property/centers/<center_id>/buildings": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/property/centers/<center_id>/teams": ("LOOOODOO", "LBBBBBB-"),
    "api/v1/property/teams/<team_id>": ("LOOOODOO", "LBBBBBB-"),
    "api/v1/property/teams/<team_id>/members": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/property/members/<member_id>": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/property/members/<member_id>/duty": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/property/funds": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/property/projects": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/property/projects/<project_id>": ("LDDDDDOO", "LBBBBBB-"),
    "api/v1/property/projects/<project_id>/start": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/property/projects/<project_id>/accept": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/property/projects/<project_id>/cancel": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/property/projects/<project_id>/items": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/property/items/<item_id>/progress": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/property/projects/<project_id>/spending": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/property/projects/<project_id>/approvals": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/pavilions": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/deliberation/public/pavilions/<pavilion_id>": ("OOOOOOOO", "MMMMMMM-"),
    "api/v1/deliberation/public/notices/<topic_id>": ("DDDDDDDD", "MMMMMMM-"),
    "api/v1/deliberation/topics": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/deliberation/proposals": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/topics/from-request": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/topics/<topic_id>": ("LOOOODOO", "MMMMMMM-"),
    "api/v1/deliberation/topics/<topic_id>/rule": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/topics/<topic_id>/withdraw": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/topics/<topic_id>/complete": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/deliberation/topics/<topic_id>/views": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/topics/<topic_id>/options": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/topics/<topic_id>/meetings": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/topics/<topic_id>/items": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/items/<item_id>/progress": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/meetings/<meeting_id>/attendance": ("LOOOODOO", "LBBBBBB-"),
    "api/v1/deliberation/meetings/<meeting_id>/hold": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/meetings/<meeting_id>/cancel": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/deliberation/meetings/<meeting_id>/decisions": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/elevators/projects": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/elevators/projects/<project_id>": ("LDDDDDOO", "MMMMMMM-"),
    "api/v1/elevators/projects/<project_id>/advance": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/elevators/projects/<project_id>/plan": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/elevators/projects/<project_id>/funding": ("LDDDDDOO", "MMMMMMM-"),
    "api/v1/elevators/projects/<project_id>/result": ("LDDDDDDD", "MMMMMMM-"),
    "api/v1/elevators/projects/<project_id>/rounds": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/elevators/projects/<project_id>/rounds/close": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/elevators/projects/<project_id>/ballots": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/elevators/projects/<project_id>/contributions": ("LDDDDDDO", "LBBBBBB-"),
    "api/v1/elevators/activities": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/canteen/canteens/<canteen_id>/menus": ("LOOOODOO", "MMMMMMM-"),
    "api/v1/canteen/menus/<menu_id>": ("LOOOODOO", "MMMMMMM-"),
    "api/v1/canteen/menus": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/canteen/menus/<menu_id>/day": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/canteen/menus/<menu_id>/publish": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/canteen/diners/<diner_id>/orders": ("LODDDDOO", "MMMMMMM-"),
    "api/v1/canteen/orders": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/canteen/orders/<order_id>/cancel": ("MMMMMMMM", "LBDDDDD-"),
    "api/v1/canteen/canteens/<canteen_id>/kitchen": ("LBBBBBBB", "MMMMMMM-"),
    "api/v1/canteen/canteens/<canteen_id>/dishes": ("LOOOODOO", "MMMMMMM-"),
    "api/v1/canteen/canteens/<canteen_id>/runs": ("LBBBBBBB", "MMMMMMM-"),
    "api/v1/canteen/runs/mine": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/canteen/runs/<run_id>/volunteer": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/canteen/deliveries/<delivery_id>/confirm": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/volunteers/teams": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/volunteers/volunteers": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/volunteers/records/<record_id>/correction-request": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/volunteers/correction-requests/<request_id>/decide": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/volunteers/activities": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/volunteers/activities/<activity_id>/sessions": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/volunteers/sessions/<session_id>/sign-up": ("MMMMMMMM", "LOBBBBB-"),
    "api/v1/volunteers/bookings/<booking_id>/cancel": ("MMMMMMMM", "LODDDDD-"),
    "api/v1/volunteers/bookings/<booking_id>/check-in": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/volunteers/bookings/<booking_id>/check-out": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/volunteers/scan": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/volunteers/me": ("LDDDDDDD", "MMMMMMM-"),
    "api/v1/volunteers/claims": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/volunteers/records/<record_id>/decide": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/volunteers/records/<record_id>/correct": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/volunteers/festivals": ("LBBBBBBB", "MMMMMMM-"),
    "api/v1/volunteers/birthdays": ("LBBBBBBB", "MMMMMMM-"),
    "api/v1/volunteers/residents/<resident_id>/birthday-calendar": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/youth/terms": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/youth/courses": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/youth/courses/<course_id>": ("LOOOODOO", "LBBBBBB-"),
    "api/v1/youth/courses/<course_id>/sessions": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/youth/children": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/youth/children/<child_id>": ("LDDDDDDO", "MMMMMMM-"),
    "api/v1/youth/children/<child_id>/guardians": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/youth/guardians/<guardian_id>/pickup": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/youth/enrolments": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/youth/enrolments/mine": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/youth/enrolments/withdraw": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/youth/sessions/<session_id>/roster": ("LDDDDDDO", "MMMMMMM-"),
    "api/v1/youth/bookings/<booking_id>/check-in": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/youth/bookings/<booking_id>/check-out": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/youth/bookings/<booking_id>/pickup": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/youth/statistics": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/": ("DDDDDDDD", "DDDDDDD-"),
    "i18n/setlang/": ("RRRRRRRR", "RRRRRRR-"),
    "jsi18n/": ("OOOOOOOO", "MMMMMMM-"),
    "registry/privacy/<int:resident_id>/": ("LDDDDDDO", "LDDDDDD-"),
    "registry/privacy/<int:resident_id>/reveal/": ("LMMMMMMM", "LDDDDDD-"),
    "registry/privacy/<int:resident_id>/export/": ("LMMMMMMM", "LDDDDDD-"),
    "registry/privacy/<int:resident_id>/erasure/": ("LMMMMMMM", "LDDDDDD-"),
    "registry/privacy/<int:resident_id>/erasure/confirm/": ("LMMMMMMM", "LDDDDDD-"),
    "registry/privacy/<int:resident_id>/erasure/cancel/": ("LMMMMMMM", "LDDDDDD-"),
    "api/v1/party/organisations": ("LOOOOOOO", "MMMMMMM-"),
    "api/v1/party/statistics": ("LDDODODO", "MMMMMMM-"),
    "api/v1/party/wishes": ("LOOOOOOO", "LBBBBBB-"),
    "api/v1/party/wishes/<wish_id>/claim": ("MMMMMMMM", "LDDDDDD-"),
    "api/v1/party/wishes/<wish_id>/fulfil": ("MMMMMMMM", "LBBBBBB-"),
    "api/v1/party/wishes/<wish_id>/confirm": ("MMMMMMMM", "LDDDDDD-"),
    # The admin: only is_staff users (none of the personas) get past its own login.
    "admin/*": ("RRRRRRRR", "RRRRRRR-"),
    "admin/login/": ("OOOOOOOO", "OOOOOOO-"),
    # Health checks for the load balancer: no login, GET and HEAD only.
    "healthz": ("OOOOOOOO", "MMMMMMM-"),
    "readyz": ("OOOOOOOO", "MMMMMMM-"),
}


def test_every_url_pattern_has_an_entry() -> None:
    missing = [e.route for e in endpoints() if lookup(EXPECTATIONS, e.route) is None]
    assert not missing, "add these URL patterns to EXPECTATIONS:\n" + "\n".join(missing)


def test_no_entry_is_stale_or_malformed() -> None:
    routes = {e.route for e in endpoints()}
    for key, (get, post) in EXPECTATIONS.items():
        if key.endswith("*"):
            assert any(r.startswith(key[:-1]) for r in routes), key
        else:
            assert key in routes, f"{key}: no such URL pattern any more"
        assert len(get) == len(post) == len(PERSONAS), key
        assert set(get) <= set("OLDRMB"), key
        assert set(post) <= set("OLDRMB-"), key


def _user(scene: Scene, persona: str) -> User | None:
    if persona == "anon":
        return None
    if persona == "bob":
        return scene.bob
    user: User = getattr(scene.world, persona)
    return user


def _ask(client: Client, method: str, path: str, *, api: bool) -> str:
    try:
        if method == "get":
            response = client.get(path)
        elif api:
            response = getattr(client, method)(path, data="{}", content_type="application/json")
        else:
            response = client.post(path, data={})
    except Exception as exc:  # a crash is an outcome to report
        return f"5 {type(exc).__name__}: {exc}"
    return classify(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(persona: str, scene: Scene) -> None:
    client = Client()
    user = _user(scene, persona)
    if user is not None:
        client.force_login(user)
    column = PERSONAS.index(persona)
    todo = [(e, fill(e, scene.ids)) for e in endpoints()]
    wrong: list[str] = []
    seen: dict[str, list[str]] = {}
    for endpoint, path in todo:
        expected = lookup(EXPECTATIONS, endpoint.route)
        got = _ask(client, "get", path, api=endpoint.is_api)
        seen[endpoint.route] = [got]
        want = expected[0][column] if expected else "?"
        if got != want and not _both_logins(endpoint.route, got, want):
            wrong.append(f"GET  {path} ({endpoint.name}): expected {want}, got {got}")
    audits = AuditEntry.objects.count()
    for endpoint, path in todo:
        expected = lookup(EXPECTATIONS, endpoint.route)
        want = expected[1][column] if expected else "?"
        if want == "-" or (want == "?" and persona == "carol") or (
            endpoint.route == "logout/" and user is not None
        ):
            seen[endpoint.route].append("-")
            continue
        method = write_method(endpoint)
        got = _ask(client, method, path, api=endpoint.is_api)
        seen[endpoint.route].append(got)
        if got != want and not _both_logins(endpoint.route, got, want):
            wrong.append(f"{method.upper()} {path} ({endpoint.name}): expected {want}, got {got}")
        now = AuditEntry.objects.count()
        if now != audits and got in ("L", "D", "M", "B"):
            wrong.append(f"POST {path} ({endpoint.name}): refused ({got}) but wrote "
                         f"{now - audits} audit entr(ies)")
        audits = now
    record = os.environ.get("XFL_MATRIX_RECORD")
    if record:
        with open(f"{record}.{persona}.json", "w") as out:
            json.dump(seen, out, ensure_ascii=False, indent=0)
    assert not wrong, f"{persona}: {len(wrong)} outcome(s) differ:\n" + "\n".join(wrong)


def _both_logins(route: str, got: str, want: str) -> bool:
    """Under admin/ the admin's login (R) and the site's (L) both keep everyone out: django-rq's
    statistics page (installed with TASKS_BACKEND=rq) sends to the site's."""
    return route.startswith("admin/") and {got, want} == {"L", "R"}
