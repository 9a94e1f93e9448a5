"""Identity and mobile numbers: validation (GB 11643-1999, ISO 7064 MOD 11-2), masking,
encryption at rest; names to pinyin for search."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from xingfuli.core import crypto
from xingfuli.core.errors import DomainError, ErrorCode

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def parse_id_number(value: str, *, today: dt.date | None = None, field: str = "id_number"
                    ) -> IdNumber:
    """Validate a resident ID number and read its birth date and sex; raise DomainError."""
    number = (value or "").strip().upper()
    if not _ID_RE.match(number):
        raise DomainError(
            ErrorCode.INVALID_ID_NUMBER,
            _("The ID number must be 18 characters: 17 digits and a digit or X."),
            field=field,
        )
    if id_check_char(number[:17]) != number[17]:
        raise DomainError(
            ErrorCode.INVALID_ID_NUMBER,
            _("The ID number's check character is wrong: please check each digit."),
            field=field,
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID_ID_NUMBER,
            _("The birth date in the ID number is not a real date."),
            field=field,
        ) from None
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, no time zone matters here
    if birth > today or birth.year < 1880:
        raise DomainError(
            ErrorCode.INVALID_ID_NUMBER,
            _("The birth date in the ID number is in the future or impossible."),
            field=field,
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number=number, birth_date=birth, sex=sex)


def normalize_mobile(value: str, *, field: str = "mobile") -> str:
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE_RE.match(number):
        raise DomainError(
            ErrorCode.INVALID_MOBILE,
            _("A mobile number has 11 digits and starts with 13–19."),
            field=field,
        )
    return number


def mask_id_number(number: str) -> str:
    """Keep the first 6 and the last 4: 500113********123X."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_mobile(number: str) -> str:
    """138****1234."""
    if len(number) != 11:
        return "*" * len(number)
    return number[:3] + "****" + number[-4:]


class HoldsPersonalNumbers(Protocol):
    id_number_encrypted: str
    id_number_digest: str
    id_number_masked: str
    mobile_encrypted: str
    mobile_masked: str


def set_id_number(row: HoldsPersonalNumbers, number: str) -> None:
    """Store an already validated ID number encrypted, digested and masked (or clear it)."""
    row.id_number_encrypted = crypto.encrypt(number)
    row.id_number_digest = crypto.digest(number)
    row.id_number_masked = mask_id_number(number) if number else ""


def set_mobile(row: HoldsPersonalNumbers, number: str) -> None:
    """Store an already normalised mobile number encrypted and masked (or clear it)."""
    row.mobile_encrypted = crypto.encrypt(number)
    row.mobile_masked = mask_mobile(number) if number else ""
    if hasattr(row, "mobile_digest"):
        row.mobile_digest = crypto.digest(number)
    if hasattr(row, "mobile_tail"):
        row.mobile_tail = number[-4:] if number else ""


def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name: 张三 → ("zhangsan", "zs")."""
    full = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(full).lower()[:200], "".join(initials).lower()[:50]
