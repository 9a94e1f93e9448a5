"""The machinery of the access matrix: every URL pattern of the project, its path filled from
the security scene, and the outcome of a request classified in one letter.

Outcome letters (one per persona, in PERSONAS order):
    O  200 - allowed
    L  login required: a redirect to the login page (pages) or 401 (API, Open311)
    D  denied: 403 or 404 (an object out of the persona's scope does not exist for them)
    R  a redirect elsewhere (e.g. the admin's own login, a page that forwards)
    M  405 - the method is not served here (a POST-only URL asked with GET, or the reverse)
    B  400 - the input was refused before the rights were looked at (changes nothing)
    -  not tried (a POST by a persona who may legitimately write there)
A 5xx is never an outcome: it fails the matrix whatever the table says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PERSONAS = ("anon", "alice", "bob", "greg", "tina", "oscar", "sam", "carol")
# anon   anonymous
# alice  resident of household h1, where the scene's objects live
# bob    resident of ANOTHER household (h2) of the same community
# greg   grid worker of ANOTHER grid (grid 2; the objects are in grid 1)
# tina   member of ANOTHER team (cleaning; requests go to the repair team)
# oscar  community staff of ANOTHER community
# sam    street officer: read-only over the whole street
# carol  community staff of THIS community: the control that proves the ids are real

# Values of path parameters; "<module>:<name>" wins over "<name>" (several modules use the
# same parameter name for their own objects). The scene adds the ids of real objects.
FIXED: dict[str, Any] = {
    "fmt": "json",
    "requests:action": "accept",
    "api:action": "accept",
    "deliberation:action": "withdraw",
    "youth:action": "check-in",
    "app_label": "core",
    "url": "no-such-page/",
    "object_id": "1",
    "admin:id": "1",
    "content_type_id": "1",
    "view_id": "999999",  # a saved view nobody in the scene owns
    "open311:rest": "no-such-thing.json",
    "queue_index": "0",  # django-rq's admin pages, installed with TASKS_BACKEND=rq
}

# Modules being written now, whose objects the scene does not build yet: their ids name no
# object (every persona must get a 404 or a login page, never a 500).
UNBUILT = frozenset({"party"})

_PARAM = re.compile(r"<(?:(?P<conv>[a-z0-9_]+):)?(?P<name>[a-z_]+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>[a-z_]+)>[^)]*\)")


@dataclass(frozen=True)
class Endpoint:
    route: str  # the pattern, as written in the URLconf: the key of EXPECTATIONS
    name: str  # "namespace:name" (for messages only: django-ninja reuses names)

    @property
    def module(self) -> str:
        parts = self.route.split("/")
        return parts[2] if parts[0] == "api" and len(parts) > 2 else parts[0]

    @property
    def is_api(self) -> bool:
        return self.route.startswith(("api/", "open311/"))


def write_method(endpoint: Endpoint) -> str:
    """The method a write to `endpoint` uses: for the API, the first of its operations that is
    not a GET (from the OpenAPI document); for pages and Open311, POST."""
    if not endpoint.route.startswith("api/"):
        return "post"
    from xingfuli.api import api

    global _API_METHODS
    if _API_METHODS is None:
        paths = api.get_openapi_schema()["paths"]
        _API_METHODS = {
            path: [m for m in ("post", "put", "patch", "delete") if m in ops]
            for path, ops in paths.items()
        }
    key = "/" + re.sub(r"<(?:[a-z0-9_]+:)?([a-z_]+)>", r"{\1}", endpoint.route)
    methods = _API_METHODS.get(key) or ["post"]
    return methods[0]


_API_METHODS: dict[str, list[str]] | None = None


def endpoints() -> list[Endpoint]:
    """Every URL pattern of the project, once per route (django-ninja registers one pattern per
    operation name, several on one path: the first one serves all its methods)."""
    seen: dict[str, Endpoint] = {}
    for name, route in _walk(get_resolver().url_patterns, "", None):
        seen.setdefault(route, Endpoint(route=route, name=name))
    return list(seen.values())


def _walk(patterns: list[Any], prefix: str, ns: str | None) -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield name, prefix + str(p.pattern)


def fill(endpoint: Endpoint, ids: dict[str, Any]) -> str:
    """The absolute path of `endpoint` with every parameter taken from the scene."""

    def value(name: str) -> str:
        for key in (f"{endpoint.module}:{name}", f"{endpoint.name.split(':')[0]}:{name}", name):
            if key in ids:
                return str(ids[key])
            if key in FIXED:
                return str(FIXED[key])
        if endpoint.route.startswith("admin/"):
            return "1"  # the admin answers everyone but is_staff with its login page
        if endpoint.module in UNBUILT:
            return "999999"
        raise KeyError(
            f"{endpoint.route}: no value for the path parameter {name!r}; add it to the "
            "scene (tests/security/conftest.py) or to FIXED (tests/security/matrix.py)"
        )

    path = _PARAM.sub(lambda m: value(m.group("name")), endpoint.route)
    path = _GROUP.sub(lambda m: value(m.group("name")), path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


_LOGIN = ""


def classify(response: HttpResponse | Any) -> str:
    global _LOGIN
    if not _LOGIN:
        _LOGIN = reverse("core:login")
    code = response.status_code
    if code >= 500:
        return "5"
    if code in (401,):
        return "L"
    if code in (301, 302, 303, 307, 308):
        return "L" if response["Location"].split("?")[0] == _LOGIN else "R"
    return {200: "O", 201: "O", 204: "O", 400: "B", 403: "D", 404: "D", 405: "M",
            409: "B", 422: "B"}.get(code, str(code))


def lookup(table: dict[str, tuple[str, str]], route: str) -> tuple[str, str] | None:
    """The entry of `route`: its exact pattern, else the longest "prefix*" entry."""
    if route in table:
        return table[route]
    prefixes = [k for k in table if k.endswith("*") and route.startswith(k[:-1])]
    return table[max(prefixes, key=len)] if prefixes else None
