"""Saved views: a user's named filters for a list page ("我的逾期" on the requests inbox).

One mechanism for every list page: a page registers its key and URL name in `PAGES`; the page
shows `saved_views_for` (one query) through the `core/_saved_views.html` include, and the
forms of that include post to `xingfuli.core.saved_views_pages`. A saved view belongs to its
owner alone: anyone else gets a 404.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import SavedView, User

# page key -> the URL name of the page the view filters (where "show" and "save" lead back).
PAGES: dict[str, str] = {
    "requests.inbox": "requests:inbox",
}
MAX_PER_PAGE = 20
MAX_NAME = 50
MAX_QUERY = 1000
# Parameters that are not part of a filter: the page number, the form's own fields.
_NOT_FILTER = frozenset({"page", "csrfmiddlewaretoken", "name", "page_key", "querystring"})


def check_page(page: str) -> str:
    if page not in PAGES:
        raise DomainError(ErrorCode.INVALID, _("There is no such list page."), field="page")
    return page


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(ErrorCode.INVALID, _("Give the view a name."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(ErrorCode.INVALID,
                          _("A name may be at most %(n)s characters.") % {"n": MAX_NAME},
                          field="name")
    return name


def clean_querystring(raw: str) -> str:
    """The filter part of a query string, re-encoded (no page number, no empty values)."""
    given = QueryDict(raw.lstrip("?"), mutable=True)
    kept = QueryDict(mutable=True)
    for key in given:
        if key in _NOT_FILTER:
            continue
        values = [v for v in given.getlist(key) if v != ""]
        if values:
            kept.setlist(key, values)
    out = kept.urlencode()
    if len(out) > MAX_QUERY:
        raise DomainError(ErrorCode.INVALID, _("This filter is too long to save."),
                          field="querystring")
    return out


def saved_views_for(*, actor: User, page: str) -> list[SavedView]:
    """The actor's own saved views of a page, by name: one query."""
    if not actor.is_authenticated:
        return []
    return list(SavedView.objects.filter(user=actor, page=page).order_by("name", "pk"))


def access_saved_view(*, actor: User, view_id: int) -> SavedView:
    """One of the actor's own saved views; anyone else's does not exist for them."""
    found = SavedView.objects.filter(pk=view_id, user=actor).first()
    if found is None:
        raise NotFound()
    return found


def _duplicate_name() -> DomainError:
    return DomainError(ErrorCode.DUPLICATE, _("You already have a view with this name."),
                       field="name")


@transaction.atomic
def saved_view_create(*, actor: User, page: str, name: str, querystring: str) -> SavedView:
    """Save a filter under a name; at most MAX_PER_PAGE per page and user, names unique."""
    page = check_page(page)
    name = _clean_name(name)
    query = clean_querystring(querystring)
    # The user's row lock serialises two saves at once, so the limit holds.
    User.objects.select_for_update(of=("self",)).filter(pk=actor.pk).first()
    mine = SavedView.objects.filter(user=actor, page=page)
    if mine.filter(name=name).exists():
        raise _duplicate_name()
    if mine.count() >= MAX_PER_PAGE:
        raise DomainError(
            ErrorCode.INVALID,
            _("You have %(n)s saved views here already: delete one first.") % {"n": MAX_PER_PAGE},
            field="name",
        )
    try:
        with transaction.atomic():
            return SavedView.objects.create(user=actor, page=page, name=name, querystring=query)
    except IntegrityError:
        raise _duplicate_name() from None


@transaction.atomic
def saved_view_rename(*, actor: User, view_id: int, name: str) -> SavedView:
    view = access_saved_view(actor=actor, view_id=view_id)
    name = _clean_name(name)
    if name == view.name:
        return view
    if SavedView.objects.filter(user=actor, page=view.page, name=name).exists():
        raise _duplicate_name()
    view.name = name
    try:
        with transaction.atomic():
            view.save(update_fields=["name"])
    except IntegrityError:
        raise _duplicate_name() from None
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view_id: int) -> None:
    access_saved_view(actor=actor, view_id=view_id).delete()
