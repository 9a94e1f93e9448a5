"""The JSON API under /api/v1/, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from xingfuli.canteen.api import router as canteen_router
from xingfuli.core.api import router as core_router
from xingfuli.core.api_auth import AUTH
from xingfuli.core.errors import DomainError, ErrorCode, out_of_range
from xingfuli.dashboard.api import router as dashboard_router
from xingfuli.dashboard.kpi_api import router as dashboard_kpi_router
from xingfuli.deliberation.api import router as deliberation_router
from xingfuli.elevators.api import router as elevators_router
from xingfuli.grid.api import router as grid_router
from xingfuli.party.api import router as party_router
from xingfuli.property.api import router as property_router
from xingfuli.registry.api import router as registry_router
from xingfuli.requests.api import router as requests_router
from xingfuli.survey.api import router as survey_router
from xingfuli.volunteers.api import router as volunteers_router
from xingfuli.youth.api import router as youth_router

api = NinjaAPI(
    title="Xingfuli 幸福里",
    version="1",
    description="Community services of the 七个一: registry, grid network and more.",
    auth=AUTH,
    urls_namespace="api",
)

_STATUS = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=_STATUS.get(exc.code, 400))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        errors.append({"field": ".".join(loc), "message": str(err.get("msg", ""))})
    body = {
        "code": str(ErrorCode.INVALID),
        "message": _("Some fields are not valid: %(fields)s")
        % {"fields": ", ".join(e["field"] for e in errors if e["field"]) or "-"},
        "errors": errors,
    }
    return api.create_response(request, body, status=400)


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def on_out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A number beyond the database's range (PostgreSQL: DataError; SQLite: OverflowError).
    return on_domain_error(request, out_of_range())


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthorized", "message": _("Please log in.")}, status=401
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja raises these with English text, e.g. for a body that is not JSON.
    message = (
        _("The request body could not be read: send valid JSON.")
        if exc.status_code == 400
        else str(exc)
    )
    return api.create_response(
        request, {"code": "invalid", "message": message}, status=exc.status_code
    )


api.add_router("/", core_router)
api.add_router("/registry", registry_router)
api.add_router("/grid", grid_router)
api.add_router("/dashboard", dashboard_router)
api.add_router("/dashboard", dashboard_kpi_router)
api.add_router("/requests", requests_router)
api.add_router("/property", property_router)
api.add_router("/deliberation", deliberation_router)
api.add_router("/elevators", elevators_router)
api.add_router("/canteen", canteen_router)
api.add_router("/volunteers", volunteers_router)
api.add_router("/youth", youth_router)
api.add_router("/party", party_router)
api.add_router("/survey", survey_router)
api.add_router("/saved-views", "xingfuli.core.saved_views_api.router")
