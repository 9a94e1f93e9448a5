"""What every page and endpoint of every module shares.

A DomainError a page does not handle (NotFound, Forbidden, …) becomes a response in one place,
`xingfuli.core.middleware.DomainErrorMiddleware`; pages need no wrapper of their own for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.functional import cached_property

from xingfuli.core.errors import DomainError
from xingfuli.core.models import User

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def actor_of(request: HttpRequest) -> User:
    """The logged-in user acting (pages require login; the API requires authentication)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by login_required / the API's auth
    return user


def staff_page(view: V) -> V:
    """A page for logged-in users; what they may not see is a 404, may not do a 403."""
    return login_required(view)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def form_error(form: Any, exc: DomainError) -> None:
    """Show a service's error next to the field it names, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """Counts at most `cap` + 1 rows: over a million work orders an exact total costs a
    sequential scan on every page view (bench/requests_bench.py), while "more than 1,000" is
    all a reader of the first pages needs."""

    cap = 1000

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list[: self.cap + 1]  # a queryset: COUNT over a LIMIT
        return int(rows.count())

    @property
    def capped(self) -> bool:
        return self.count > self.cap
