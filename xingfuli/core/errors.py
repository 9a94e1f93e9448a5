"""One error type for a broken rule; the edges turn it into a 400 body or a page message."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"  # version check failed: someone else saved first
    DUPLICATE = "duplicate"
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_MOBILE = "invalid_mobile"
    NOT_PARTY_MEMBER = "not_party_member"
    IMPORT_FAILED = "import_failed"
    INVALID_TRANSITION = "invalid_transition"  # an action not allowed in the current state


class DomainError(Exception):
    """A rule was broken. `message` is translated; `field` names the input at fault."""

    def __init__(
        self,
        code: ErrorCode,
        message: str | Promise,
        *,
        field: str | None = None,
        errors: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.errors = errors or []

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": str(self.code), "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.errors:
            body["errors"] = self.errors
        return body


class NotFound(DomainError):
    def __init__(self, message: str | Promise | None = None) -> None:
        from django.utils.translation import gettext

        super().__init__(ErrorCode.NOT_FOUND, message or gettext("Not found."))


class Forbidden(DomainError):
    def __init__(self, message: str | Promise | None = None) -> None:
        from django.utils.translation import gettext

        super().__init__(
            ErrorCode.FORBIDDEN, message or gettext("You are not allowed to do this.")
        )


def out_of_range() -> DomainError:
    """A number in the request is beyond what the database stores (an id of 20 digits): the
    client's mistake, answered 400, never 500."""
    from django.utils.translation import gettext as _

    return DomainError(ErrorCode.INVALID, _("A number in the request is out of range."))

