"""Writes of the Open311 GeoReport v2 interface: clients and their API keys, posted requests.

A client records requests as its own system user (a community staff login of its community
with no usable password); that user is `recorded_by` and the actor of the submission, so the
request is an ordinary request in every other view, with channel "open311".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, Role, RoleAssignment, User
from xingfuli.core.permissions import Capability, has_capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import Building
from xingfuli.requests.models import Category, Open311Client, Request
from xingfuli.requests.services import request_submit


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _system_mobile(digest: str) -> str:
    """A login number for the system user, outside the mobile range (0311…), derived from
    the key's digest so that the same key gives the same number (the demo is reproducible)."""
    base = int(digest[:12], 16)
    for step in range(50):
        mobile = f"0311{(base + step) % 10**7:07d}"
        if not User.objects.filter(mobile=mobile).exists():
            return mobile
    raise RuntimeError("no free system login number")  # pragma: no cover


@transaction.atomic
def open311_client_create(
    *, actor: User | None, community_id: int, name: str, key: str = "", mobile: str = ""
) -> tuple[Open311Client, str]:
    """Register a client of the community; return it and its API key (shown only once).

    `actor` None is the system (the demo loader); otherwise a community admin. `key` and
    `mobile` may be given by the demo (a known key, a login number in the demo range).
    """
    if actor is not None:
        require(actor, Capability.MANAGE_GRID, community_id=community_id)
    community = Community.objects.get(pk=community_id)
    name = (name or "").strip()[:100]
    if not name:
        raise DomainError(ErrorCode.INVALID, _("Name the client."), field="name")
    key = key or "o311_" + secrets.token_urlsafe(32)
    user = User.objects.create_user(
        mobile=mobile or _system_mobile(key_digest(key)), password=None,
        name=f"Open311 · {name}"[:50],
    )
    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community)
    client = Open311Client.objects.create(
        community=community, name=name, user=user, prefix=key[:8], digest=key_digest(key)
    )
    audit.record("requests.open311_client.created", actor=actor, target=client,
                 community_id=community.pk, name=name)
    return client, key


@transaction.atomic
def open311_client_revoke(*, actor: User, client_id: int) -> Open311Client:
    """Stop the client's key from working and its system login from acting; keep its requests."""
    locked = Open311Client.objects.select_for_update(of=("self",))
    client = scoped(locked, actor, write=True).filter(
        pk=client_id
    ).first()
    if client is None:
        raise NotFound()
    require(actor, Capability.MANAGE_GRID, community_id=client.community_id)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        User.objects.filter(pk=client.user_id).update(is_active=False)
        audit.record("requests.open311_client.revoked", actor=actor, target=client,
                     community_id=client.community_id, name=client.name)
    return client


def open311_clients_for(*, actor: User) -> list[Open311Client]:
    """The Open311 clients of the communities the actor manages, newest first."""
    return [
        c for c in scoped(Open311Client.objects.select_related("community"), actor)
        .order_by("-created_at")
        if has_capability(actor, Capability.MANAGE_GRID, community_id=c.community_id)
    ]


def client_for_key(key: str) -> Open311Client:
    """The live client whose API key this is, else Forbidden."""
    key = (key or "").strip()
    client = (
        Open311Client.objects.filter(digest=key_digest(key), revoked_at__isnull=True)
        .select_related("community", "user")
        .first()
        if key else None
    )
    if client is None or not client.user.is_active:
        raise Forbidden()
    return client


def _idempotency_key(client: Open311Client, *, given: str, device_id: str, description: str,
                     service_code: str, where: str, now: dt.datetime) -> str:
    """The key of a post: the client's own key if it gave one, else the same device, words,
    service and place within the same minute are the same post (a retry)."""
    if given:
        raw = f"{client.pk}|key|{given}"
    else:
        minute = timezone.localtime(now).strftime("%Y%m%d%H%M")
        raw = f"{client.pk}|{device_id}|{service_code}|{where}|{description}|{minute}"
    return hashlib.sha256(raw.encode()).hexdigest()


def open311_request_post(
    *,
    client: Open311Client,
    service_code: str,
    description: str = "",
    lat: str = "",
    long: str = "",
    address_string: str = "",
    address_id: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    device_id: str = "",
    media_url: str = "",
    request_type: str = "",
    unit: str = "",
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> Request:
    """Create (or, for a retry, find) the request a client posted, through `request_submit`."""
    now = now or timezone.now()
    community = client.community
    category = Category.objects.filter(
        community=community, code=(service_code or "").strip(), active=True
    ).first()
    if category is None or Category.objects.filter(parent=category, active=True).exists():
        raise DomainError(ErrorCode.INVALID, _("service_code not found."), field="service_code")
    building_id: int | None = None
    place = (address_string or "").strip()
    if (address_id or "").strip():
        building = Building.objects.filter(
            community=community, pk=int(address_id) if address_id.strip().isdigit() else 0
        ).first()
        if building is None:
            raise DomainError(ErrorCode.INVALID, _("address_id not found."), field="address_id")
        building_id = building.pk
    elif not place and (lat or "").strip() and (long or "").strip():
        try:
            place = f"{float(lat):.6f},{float(long):.6f}"
        except ValueError:
            raise DomainError(ErrorCode.INVALID, _("lat and long must be numbers."),
                              field="lat") from None
    if building_id is None and not place:
        raise DomainError(
            ErrorCode.INVALID,
            _("A location is required: lat and long, address_string or address_id."),
            field="address_string",
        )
    unit_number: int | None = None
    if (unit or "").strip():
        # attribute[unit]: the unit (单元) number within the building of address_id.
        if building_id is None:
            raise DomainError(ErrorCode.INVALID, _("attribute[unit] needs an address_id."),
                              field="attribute[unit]")
        if not unit.strip().isdigit() or not 1 <= int(unit.strip()) <= 99:
            raise DomainError(ErrorCode.INVALID, _("attribute[unit] is a unit number."),
                              field="attribute[unit]")
        unit_number = int(unit.strip())
    description = (description or "").strip()
    if not description:
        raise DomainError(ErrorCode.INVALID, _("description is required."), field="description")
    if request_type and request_type not in Request.Type.values:
        raise DomainError(ErrorCode.INVALID, _("attribute[type] is not one of its values."),
                          field="attribute[type]")
    first_line = description.splitlines()[0].strip()
    title = first_line if len(first_line) <= 60 else first_line[:59] + "…"
    text = description
    if (media_url or "").strip():
        text = f"{description}\n\n{_('Photo')}: {media_url.strip()}"
    key = _idempotency_key(
        client, given=(idempotency_key or "").strip(), device_id=(device_id or "").strip(),
        description=description, service_code=category.code,
        where=f"{building_id or ''}|{unit_number or ''}|{place}", now=now,
    )
    name = f"{(last_name or '').strip()}{(first_name or '').strip()}"
    return request_submit(
        actor=client.user, category_id=category.pk, title=title, description=text,
        channel=Request.Channel.OPEN311, type=request_type or Request.Type.HELP,
        community_id=community.pk, building_id=building_id, unit_number=unit_number,
        place=place, reporter_name=name[:50], reporter_mobile=phone or "", idempotency_key=key,
    )
