"""The Open311 GeoReport v2 endpoints (https://wiki.open311.org/GeoReport_v2).

Each endpoint answers in `.json` or `.xml`. The services and the discovery document are open
(with `jurisdiction_id`, the community's slug); POST requests needs the client's `api_key`,
and so do the reads of requests and tokens (our requests describe residents' homes, so they
are shown to registered clients only, for their own community). Errors are
`[{"code": …, "description": …}]` with that HTTP status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.requests.models import Open311Client
from xingfuli.requests.open311 import selectors, serialise, services

View = Callable[..., HttpResponse]


def _answers(methods: tuple[str, ...]) -> Callable[[View], View]:
    """Allow `methods`; turn domain errors into the spec's error bodies."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = serialise.errors(fmt, 405, _("Method not allowed."))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except DomainError as exc:
                status = {ErrorCode.NOT_FOUND: 404, ErrorCode.FORBIDDEN: 403}.get(exc.code, 400)
                if exc.code == ErrorCode.FORBIDDEN:
                    message = _("api_key is missing or not valid.")
                elif exc.code == ErrorCode.NOT_FOUND:
                    message = _("Not found.")
                else:
                    message = f"{exc.field}: {exc.message}" if exc.field else str(exc.message)
                return serialise.errors(fmt, status, message)

        return wrapper

    return decorate


def _param(request: HttpRequest, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return str(source.get(name, "")).strip()


def _client(request: HttpRequest, *, required: bool) -> Open311Client | None:
    key = _param(request, "api_key")
    if not key and not required:
        return None
    return services.client_for_key(key)


def _when(value: str, field: str, *, end: bool = False) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        day = parse_date(value) if len(value) == 10 else None
        if day is None:
            raise DomainError(ErrorCode.INVALID, _("Not a date and time (ISO 8601)."),
                              field=field)
        moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@_answers(("GET",))
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    base = base.rsplit("/", 1)[0] + "/"
    body = serialise.discovery(base, timezone.now(), ["application/json", "text/xml"])
    return serialise.render(fmt, "discovery", body)


@_answers(("GET",))
def services_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    client = _client(request, required=False)
    community = selectors.community_for(jurisdiction_id=_param(request, "jurisdiction_id"),
                                        client=client)
    body = [serialise.service(c) for c in selectors.services_of(community=community)]
    return serialise.render(fmt, "services", body)


@_answers(("GET",))
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    client = _client(request, required=False)
    community = selectors.community_for(jurisdiction_id=_param(request, "jurisdiction_id"),
                                        client=client)
    category = selectors.service_of(community=community, code=code)
    return serialise.render(fmt, "service_definition", serialise.service_definition(category))


@_answers(("GET", "POST"))
def requests_collection(request: HttpRequest, *, fmt: str) -> HttpResponse:
    client = _client(request, required=True)
    assert client is not None  # noqa: S101 - required=True raises instead
    selectors.community_for(jurisdiction_id=_param(request, "jurisdiction_id"), client=client)
    if request.method == "POST":
        p = request.POST
        req = services.open311_request_post(
            client=client, service_code=_param(request, "service_code"),
            description=_param(request, "description"), lat=_param(request, "lat"),
            long=_param(request, "long"), address_string=_param(request, "address_string"),
            address_id=_param(request, "address_id"), first_name=_param(request, "first_name"),
            last_name=_param(request, "last_name"), phone=_param(request, "phone"),
            device_id=_param(request, "device_id"), media_url=_param(request, "media_url"),
            request_type=str(p.get("attribute[type]", "")).strip(),
            unit=str(p.get("attribute[unit]", "")).strip(),
            idempotency_key=str(request.headers.get("Idempotency-Key", "")).strip(),
        )
        body = serialise.posted(req, _param(request, "account_id"))
        return serialise.render(fmt, "service_requests", body, status=201)
    query = selectors.RequestQuery(
        ids=_list(_param(request, "service_request_id")),
        service_codes=_list(_param(request, "service_code")),
        start=_when(_param(request, "start_date"), "start_date"),
        end=_when(_param(request, "end_date"), "end_date", end=True),
        statuses=_list(_param(request, "status").lower()),
    )
    if set(query.statuses) - {"open", "closed"}:
        raise DomainError(ErrorCode.INVALID, _("status is open or closed."), field="status")
    found = selectors.requests_for_client(client=client, query=query)
    return serialise.render(fmt, "service_requests", [serialise.service_request(r) for r in found])


@_answers(("GET",))
def request_detail(request: HttpRequest, number: str, *, fmt: str) -> HttpResponse:
    client = _client(request, required=True)
    assert client is not None  # noqa: S101
    req = selectors.request_for_client(client=client, number=number)
    return serialise.render(fmt, "service_requests", [serialise.service_request(req)])


@_answers(("GET",))
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    client = _client(request, required=True)
    assert client is not None  # noqa: S101
    req = selectors.request_for_token(client=client, token=token)
    return serialise.render(fmt, "service_requests", serialise.token_answer(req, token))


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """An unknown path or format: a 404 with the spec's error body, in XML when the path ends
    in .xml, else in JSON."""
    fmt = "xml" if request.path.lower().endswith(".xml") else "json"
    return serialise.errors(fmt, 404, _("Not found."))
