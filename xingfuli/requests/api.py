"""The requests module's JSON endpoints under /api/v1/requests: parse, call a service or a
selector, shape the answer."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.params import HeaderEx, P

from xingfuli.core.api_params import Offset
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.pages import CappedPaginator
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.uploads import reencode_image
from xingfuli.requests import selectors, services
from xingfuli.requests.inbox_forms import InboxSearchForm
from xingfuli.requests.models import Category, Request, RequestEvent
from xingfuli.requests.schemas import (
    ActionIn,
    CategoriesOut,
    KpiOut,
    RequestDetailOut,
    RequestIn,
    RequestPage,
    SimilarOut,
    SubmittedOut,
)
from xingfuli.requests.services import Action

router = Router(tags=["requests"])


def _out(req: Request) -> dict[str, Any]:
    return {
        "id": req.pk, "number": req.number, "community_id": req.community_id,
        "type": req.type, "category_id": req.category_id, "category": req.category.name,
        "channel": req.channel, "title": req.title, "description": req.description,
        "building": req.building.number if req.building_id and req.building else None,
        "unit_id": req.unit_id, "unit": req.unit.number if req.unit_id and req.unit else None,
        "floor": req.floor, "place": req.place, "grid_id": req.grid_id,
        "reporter_name": req.reporter_name, "reporter_mobile": req.reporter_mobile_masked,
        "level": req.level, "status": req.status, "team_id": req.team_id,
        "team": req.team.name if req.team_id and req.team else None,
        "assignee_id": req.assignee_id,
        "assignee": req.assignee.name if req.assignee_id and req.assignee else None,
        "submitted_at": req.submitted_at, "due_response_at": req.due_response_at,
        "due_resolution_at": req.due_resolution_at, "responded_at": req.responded_at,
        "resolved_at": req.resolved_at, "closed_at": req.closed_at,
        "paused": req.paused_at is not None, "response_breached": req.response_breached,
        "resolution_breached": req.resolution_breached, "satisfaction": req.satisfaction,
        "version": req.version,
    }


def _event_out(event: RequestEvent) -> dict[str, Any]:
    return {
        "at": event.at, "actor": event.actor.name if event.actor else None, "kind": event.kind,
        "from_status": event.from_status, "to_status": event.to_status,
        "from_level": event.from_level, "to_level": event.to_level, "note": event.note,
        "data": event.data,
        # The access-checked view, like the request page: MEDIA_URL is never served.
        "photos": [{"kind": p.kind, "url": reverse("requests:photo", args=[p.pk])}
                   for p in event.photos.all()],
    }


MAX_API_PHOTOS = 9


def _photo(upload: UploadedFile | None, field: str) -> ContentFile[bytes] | None:
    """An uploaded photo checked like the pages' (at most 5 MB, PNG/JPEG/GIF/WebP, decoded and
    written again without EXIF); a bad one is a 400 naming `field`."""
    if upload is None:
        return None
    return reencode_image(upload, field=field)


def _submit(request: HttpRequest, payload: RequestIn, key_header: str,
            photos: list[tuple[str, Any]]) -> Status[dict[str, Any]]:
    actor = _actor(request)
    fields = payload.dict()
    fields["idempotency_key"] = payload.idempotency_key or key_header
    # The service returns the request with its category, place and grid loaded: no re-read.
    req = services.request_submit(actor=actor, photos=photos, **fields)
    similar = selectors.similar_open_requests(
        actor=actor, category_id=req.category_id, building_id=req.building_id, floor=req.floor,
        place=req.place, exclude_id=req.pk, unit_id=req.unit_id,
    )
    body = _out(req) | {"similar": _similar_out(similar)}
    return Status(201, body)


@router.post("", response={201: SubmittedOut},
             summary="Record a request (a retry with the same idempotency key returns the "
                     "first request); `similar` lists open requests at the same place")
def request_create(
    request: HttpRequest,
    payload: RequestIn,
    idempotency_key_header: HeaderEx[str, P(alias="Idempotency-Key")] = "",
) -> Status[dict[str, Any]]:
    return _submit(request, payload, idempotency_key_header, [])


@router.post("/with-photos", response={201: SubmittedOut},
             summary="Record a request with photos: multipart/form-data with the fields of "
                     "the JSON body and up to 9 `photo` files (each at most 5 MB, PNG, JPEG, "
                     "GIF or WebP)")
def request_create_with_photos(
    request: HttpRequest,
    payload: Form[RequestIn],
    photo: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    idempotency_key_header: HeaderEx[str, P(alias="Idempotency-Key")] = "",
) -> Status[dict[str, Any]]:
    uploads = list(photo or [])
    if len(uploads) > MAX_API_PHOTOS:
        raise DomainError(ErrorCode.INVALID, _("At most %(n)s photos.") % {"n": MAX_API_PHOTOS},
                          field="photo")
    photos = [("before", _photo(u, "photo")) for u in uploads]
    return _submit(request, payload, idempotency_key_header, photos)


def _category_out(c: Category, children: dict[int | None, list[Category]]) -> dict[str, Any]:
    policy = c.sla_policy
    kids = children.get(c.pk, [])
    return {
        "id": c.pk, "code": c.code, "name": c.name, "community_id": c.community_id,
        "parent_id": c.parent_id, "leaf": not kids, "default_level": c.default_level,
        "default_type": str(Request.Type.HELP), "default_team_id": c.default_team_id,
        "default_team": c.default_team.name if c.default_team_id and c.default_team else None,
        "sla": {
            "code": policy.code, "name": policy.name, "clock": policy.clock,
            "response_target_seconds": int(policy.response_target.total_seconds()),
            "resolution_target_seconds": int(policy.resolution_target.total_seconds()),
        } if policy is not None else None,
        "children": [_category_out(k, children) for k in kids],
    }


@router.get("/categories", response=CategoriesOut,
            summary="The category tree of the caller's communities with each category's "
                    "default level, type, team and SLA targets; the request types")
def categories(request: HttpRequest) -> dict[str, Any]:
    rows = selectors.categories_for(actor=_actor(request))
    known = {c.pk for c in rows}
    children: dict[int | None, list[Category]] = {}
    for c in rows:  # a child of an inactive parent is shown at the top
        children.setdefault(c.parent_id if c.parent_id in known else None, []).append(c)
    return {
        "types": [{"key": key, "name": str(label), "default": key == Request.Type.HELP}
                  for key, label in Request.Type.choices],
        "categories": [_category_out(c, children) for c in children.get(None, [])],
    }


def _similar_out(similar: list[Request]) -> list[dict[str, Any]]:
    return [{"id": s.pk, "number": s.number, "title": s.title, "status": s.status}
            for s in similar]


@router.get("/similar", response=list[SimilarOut],
            summary="Before submitting: the open requests the caller may see that a submit "
                    "with this category and place would list as `similar` (the same rule), "
                    "so a client can warn; none without a building or a place; an id the "
                    "caller may not use is a 400 naming the field")
def similar(
    request: HttpRequest,
    category_id: int,
    building_id: int | None = None,
    unit_id: int | None = None,
    floor: int | None = None,
    place: str = "",
) -> list[dict[str, Any]]:
    return _similar_out(selectors.similar_before_submit(
        actor=_actor(request), category_id=category_id, building_id=building_id,
        unit_id=unit_id, floor=floor, place=place))


INBOX_COUNT_CAP = CappedPaginator.cap


def _search(**given: Any) -> dict[str, Any]:
    """The inbox page's search fields (type, channel, words, number, submission dates) as the
    selector's filter, checked by the page's own form: a bad value is a 400 naming it."""
    form = InboxSearchForm({k: v for k, v in given.items() if v not in ("", None)})
    form.fields = {name: form.fields[name] for name in given}
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise DomainError(ErrorCode.INVALID, str(errors[0]), field=name)
    f = form.filters()
    return {"type": f.type, "channel": f.channel, "text": f.text, "number": f.number,
            "submitted_from": f.submitted_from, "submitted_before": f.submitted_before}


@router.get("", response=RequestPage,
            summary="The inbox: requests the caller may see (`count` stops at 1,001: "
                    "`count_capped` then says there are more than 1,000)")
def request_list(
    request: HttpRequest,
    status: Query[list[str] | None] = None,
    level: str = "",
    category_id: int | None = None,
    grid_id: int | None = None,
    team_id: int | None = None,
    overdue: bool = False,
    open: bool = False,
    type: str = "",
    channel: str = "",
    q: str = "",
    number: str = "",
    submitted_from: dt.date | None = None,
    submitted_to: dt.date | None = None,
    limit: int = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    qs = selectors.requests_for_inbox(
        actor=_actor(request),
        filters=selectors.InboxFilter(
            status=status or (), level=level, category_id=category_id, grid_id=grid_id,
            team_id=team_id, overdue=overdue, open_only=open,
            **_search(type=type, channel=channel, q=q, number=number,
                      submitted_from=submitted_from, submitted_to=submitted_to),
        ),
    )
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    # Counted up to the cap like the page (an exact count scans the scope's rows).
    count = qs[: INBOX_COUNT_CAP + 1].count()
    return {"count": count, "count_capped": count > INBOX_COUNT_CAP,
            "items": [_out(r) for r in qs[offset : offset + limit]]}


@router.get("/my-jobs", response=RequestPage,
            summary="A team member's open jobs and their teams' pools")
def my_jobs(request: HttpRequest) -> dict[str, Any]:
    items = [_out(r) for r in selectors.my_jobs(actor=_actor(request))[:200]]
    return {"count": len(items), "items": items}


@router.get("/kpis", response=list[KpiOut],
            summary="响应率, 解决率, 满意率, on-time rate and median time to resolve of the "
                    "requests submitted in [start, end]")
def kpis(
    request: HttpRequest,
    start: dt.date,
    end: dt.date,
    group_by: Literal["community", "grid", "team", "category"] | None = None,
) -> list[dict[str, Any]]:
    if end < start:
        raise DomainError(ErrorCode.INVALID, _("The end comes before the start."), field="end")
    tz = timezone.get_current_timezone()
    rows = selectors.requests_kpis(
        actor=_actor(request), start=dt.datetime.combine(start, dt.time.min, tz),
        end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz), group_by=group_by,
    )
    return [k.as_dict() for k in rows]


@router.get("/{request_id}", response=RequestDetailOut,
            summary="One request with its timeline and the actions open to the caller")
def request_detail(request: HttpRequest, request_id: int) -> dict[str, Any]:
    actor = _actor(request)
    req = selectors.access_request(actor=actor, request_id=request_id)
    timeline = selectors.request_timeline(actor=actor, request_id=request_id)
    return _out(req) | {
        "actions": [str(a) for a in services.allowed_actions(actor=actor, req=req)],
        "timeline": [_event_out(e) for e in timeline],
    }


@router.post("/{request_id}/actions/{action}", response=RequestDetailOut,
             summary="Take an action: accept, dispatch, take, on_site, resolve, follow_up, "
                     "close, reject, mark_duplicate, cancel, escalate, deescalate, pause, resume")
def request_action(
    request: HttpRequest, request_id: int, action: str, payload: ActionIn
) -> dict[str, Any]:
    return _action(request, request_id, action, payload, [])


@router.post("/{request_id}/actions/{action}/with-photos", response=RequestDetailOut,
             summary="on_site or resolve with photos: multipart/form-data with the fields of "
                     "the JSON body and `before_photo` / `after_photo` files (each at most "
                     "5 MB, PNG, JPEG, GIF or WebP; on_site takes a before photo only)")
def request_action_with_photos(
    request: HttpRequest,
    request_id: int,
    action: str,
    payload: Form[ActionIn],
    before_photo: File[UploadedFile] = None,  # type: ignore[assignment]
    after_photo: File[UploadedFile] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    # Only on a request the caller may see (404 before anything else is looked at).
    selectors.access_request(actor=_actor(request), request_id=request_id)
    if action not in (Action.ON_SITE, Action.RESOLVE):
        raise DomainError(ErrorCode.INVALID, _("Only on_site and resolve take photos."),
                          field="action")
    if action == Action.ON_SITE and after_photo is not None:
        raise DomainError(ErrorCode.INVALID, _("An after photo goes with resolve."),
                          field="after_photo")
    photos = [(kind, image) for kind, image in (
        ("before", _photo(before_photo, "before_photo")),
        ("after", _photo(after_photo, "after_photo"))) if image is not None]
    return _action(request, request_id, action, payload, photos)


def _action(request: HttpRequest, request_id: int, action: str, payload: ActionIn,
            photos: list[tuple[str, Any]]) -> dict[str, Any]:
    actor = _actor(request)
    if action not in Action.__members__.values() or action == Action.REFER_TO_TOPIC:
        # A request goes to a deliberation topic from the deliberation module, which makes it.
        raise DomainError(ErrorCode.INVALID, _("There is no such action."), field="action")
    common: dict[str, Any] = {"actor": actor, "request_id": request_id, "version": payload.version}
    match Action(action):
        case Action.ACCEPT:
            services.request_accept(note=payload.note, **common)
        case Action.DISPATCH:
            services.request_dispatch(team_id=payload.team_id, assignee_id=payload.assignee_id,
                                      note=payload.note, **common)
        case Action.TAKE:
            services.request_take(**common)
        case Action.ON_SITE:
            services.request_on_site(note=payload.note, photos=photos, **common)
        case Action.RESOLVE:
            services.request_resolve(note=payload.note, photos=photos, **common)
        case Action.FOLLOW_UP:
            services.request_follow_up(satisfaction=payload.satisfaction,
                                       comment=payload.comment, **common)
        case Action.CLOSE:
            services.request_close(note=payload.note, **common)
        case Action.REJECT:
            services.request_reject(reason=payload.reason, **common)
        case Action.MARK_DUPLICATE:
            original_id = payload.original_id
            if payload.original_number.strip():
                req = selectors.access_request(actor=actor, request_id=request_id)
                found = selectors.request_by_number(
                    actor=actor, community_id=req.community_id, number=payload.original_number)
                if found is None:
                    raise DomainError(
                        ErrorCode.INVALID,
                        _("There is no request %(number)s that you may see in this community.")
                        % {"number": payload.original_number.strip()}, field="original_number")
                original_id = found.pk
            if original_id is None:
                raise DomainError(ErrorCode.INVALID, _("Give the number of the original request."),
                                  field="original_number")
            services.request_mark_duplicate(original_id=original_id,
                                            note=payload.note, **common)
        case Action.CANCEL:
            services.request_cancel(reason=payload.reason, **common)
        case Action.ESCALATE:
            services.request_escalate(to_level=payload.to_level, reason=payload.reason, **common)
        case Action.DEESCALATE:
            services.request_deescalate(to_level=payload.to_level, reason=payload.reason,
                                        **common)
        case Action.PAUSE:
            services.request_pause(reason=payload.reason, **common)
        case Action.RESUME:
            services.request_resume(note=payload.note, **common)
    return request_detail(request, request_id)

