"""The one place pages turn a DomainError that a view did not handle into a response."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xingfuli.core.errors import DomainError, ErrorCode, out_of_range

_STATUS = {ErrorCode.NOT_FOUND: 404, ErrorCode.FORBIDDEN: 403, ErrorCode.CONFLICT: 409}


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, DataError | OverflowError):
            exc = out_of_range()  # an id beyond the database's range: a bad request
        if not isinstance(exc, DomainError):
            return None
        status = _STATUS.get(exc.code, 400)
        return render(request, "error.html", {"error": exc, "status": status}, status=status)
