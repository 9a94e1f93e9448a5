"""GeoReport v2 bodies: the shapes of services, service requests and errors, in JSON or XML.

The shapes never contain personal data: no names, phone numbers or homes (a request's address
is its building or the public place, never the dwelling).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.requests.models import OPEN_STATUSES, Category, Request

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
# The element of one item of a list, by the list's element name.
_ITEM_OF = {
    "services": "service", "service_requests": "request", "errors": "error",
    "attributes": "attribute", "values": "value", "endpoints": "endpoint",
    "formats": "format",
}

REQUEST_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
)
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type",
                  "keywords", "group")


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the zone (2026-11-28T09:30:00+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list | tuple):
        item = _ITEM_OF.get(element.tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, item), inner)
    else:
        element.text = _text(value)


def to_xml(root: str, body: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, body)
    xml: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return xml


def render(fmt: str, root: str, body: Any, *, status: int = 200) -> HttpResponse:
    """`body` as JSON, or as XML under `root` (lists under a plural root, one element each)."""
    if fmt == "xml":
        return HttpResponse(to_xml(root, body), status=status, content_type=XML_TYPE)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False).encode(), status=status, content_type=JSON_TYPE
    )


def errors(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)


# --- shapes ------------------------------------------------------------------------------------


def service(category: Category) -> dict[str, Any]:
    parent = category.parent
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{parent.name} · {category.name}" if parent else category.name,
        "metadata": True,  # the optional attribute "type"
        "type": "realtime",
        "keywords": "",
        "group": parent.name if parent else "",
    }


def service_definition(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": "type",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("One of the values; help when not given."),
            "order": 1,
            "description": _("What kind of request this is"),
            "values": [{"key": key, "name": str(label)} for key, label in Request.Type.choices],
        }, {
            "variable": True,
            "code": "unit",
            "datatype": "number",
            "required": False,
            "datatype_description": _("The unit (单元) number within the building of "
                                      "address_id."),
            "order": 2,
            "description": _("Which unit of the building"),
        }],
    }


def service_request(req: Request) -> dict[str, Any]:
    """A request as GeoReport v2 shows it; the description only for requests posted through
    Open311 (others were told to staff and may name people), their title otherwise."""
    is_open = req.status in OPEN_STATUSES
    if req.building_id is not None and req.building is not None:
        address = req.building.address or req.building.number
        if req.unit_id is not None and req.unit is not None and req.dwelling_id is None:
            address = f"{address} {req.unit.number}单元"
        if req.floor is not None and req.dwelling_id is None:
            address = f"{address} {req.floor}F"
    else:
        address = req.place
    agency = (req.team.name if req.team_id and req.team else None) or req.community.name
    return {
        "service_request_id": req.number,
        "status": "open" if is_open else "closed",
        "status_notes": str(req.get_status_display()),
        "service_name": req.category.name,
        "service_code": req.category.code,
        "description": req.description if req.channel == Request.Channel.OPEN311 else req.title,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(req.submitted_at),
        "updated_datetime": iso(getattr(req, "updated_at", None) or req.submitted_at),
        "expected_datetime": iso(req.due_resolution_at),
        "address": address,
        "address_id": str(req.building_id) if req.building_id else "",
        "zipcode": "",
        "lat": "",
        "long": "",
        "media_url": "",
    }


def posted(req: Request, account_id: str) -> list[dict[str, Any]]:
    return [{
        "service_request_id": req.number,
        "token": req.idempotency_key,
        "service_notice": "",
        "account_id": account_id or None,
    }]


def token_answer(req: Request, token: str) -> list[dict[str, Any]]:
    return [{"service_request_id": req.number, "token": token}]


def discovery(base_url: str, now: dt.datetime, formats: Sequence[str]) -> dict[str, Any]:
    return {
        "changeset": iso(now),
        "contact": _("Ask the community office (社区居委会)."),
        "key_service": _("Ask the community office for an API key."),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": base_url,
            "changeset": iso(now),
            "type": "production",
            "formats": list(formats),
        }],
    }
