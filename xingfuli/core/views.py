"""Core pages: log in and out, the home page, the message inbox, preferences, API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xingfuli.core import selectors, services
from xingfuli.core.context_processors import LARGE_TEXT_COOKIE
from xingfuli.core.errors import DomainError
from xingfuli.core.menu import links_for
from xingfuli.core.notifications import notification_mark_read
from xingfuli.core.pages import actor_of
from xingfuli.core.permissions import Capability, has_capability, require, roles_of


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    roles = roles_of(user)
    household_ids = [r.scope_id for r in roles if r.role == "resident" and r.scope_id]
    return render(
        request,
        "core/home.html",
        {
            "roles": roles,
            "communities": selectors.communities_for(actor=user),
            "household_ids": household_ids,
            "can_registry": has_capability(user, Capability.VIEW_REGISTRY)
            and not (household_ids and len(roles) == len(household_ids)),
            "can_visit": has_capability(user, Capability.RECORD_VISIT),
            "can_import": has_capability(user, Capability.IMPORT_EXPORT),
            "can_manage_grid": has_capability(user, Capability.MANAGE_GRID),
            "can_dashboard": has_capability(user, Capability.VIEW_DASHBOARD),
            "can_audit": has_capability(user, Capability.VIEW_AUDIT),
            "can_report": has_capability(user, Capability.REPORT_REQUEST),
            "can_handle_requests": has_capability(user, Capability.HANDLE_REQUEST)
            or has_capability(user, Capability.DISPATCH_REQUEST),
            "can_jobs": has_capability(user, Capability.HANDLE_JOB),
            "module_links": links_for(user),
        },
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    if request.method == "POST":
        notification_mark_read(recipient=user)
        return redirect("core:inbox")
    notes = list(selectors.notifications_for(actor=user)[:100])
    return render(request, "core/inbox.html", {"notes": notes})


@require_POST
def large_text(request: HttpRequest) -> HttpResponse:
    """Switch large-text mode; remembered for a year in a cookie (no login needed)."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(LARGE_TEXT_COOKIE)
    return response


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what, newest first; community admins see their community's entries."""
    user = actor_of(request)
    require(user, Capability.VIEW_AUDIT)
    action = request.GET.get("action", "").strip()
    page = Paginator(selectors.audit_entries_for(actor=user, action=action), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "core/audit.html", {"page": page, "action": action})


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    new_key = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                services.api_token_revoke(actor=user, token_id=int(request.POST["revoke"]))
                messages.success(request, _("The token was revoked."))
                return redirect("core:api_tokens")
            _token, new_key = services.api_token_create(
                actor=user, name=request.POST.get("name", "")
            )
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Not valid.")))
    return render(
        request, "core/api_tokens.html",
        {"tokens": selectors.api_tokens_for(actor=user), "new_key": new_key},
    )


def locked_out(request: HttpRequest, response: HttpResponse | None = None,
               credentials: dict[str, Any] | None = None) -> HttpResponse:
    """What a locked-out login sees (django-axes): in words, with when to try again."""
    from django.conf import settings

    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "core/locked_out.html", {"cooloff_minutes": minutes}, status=429)
