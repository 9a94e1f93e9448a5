import datetime as dt

import pytest

from xingfuli.core import crypto
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.registry.models import Resident
from xingfuli.registry.personal import (
    id_check_char,
    mask_id_number,
    mask_mobile,
    normalize_mobile,
    parse_id_number,
    set_id_number,
    set_mobile,
)

VALID = "11010519491231002X"  # the GB 11643 example: born 1949-12-31, female


def with_check(first17):
    return first17 + id_check_char(first17)


def test_valid_id_number_gives_birth_date_and_sex():
    parsed = parse_id_number(VALID)
    assert parsed.number == VALID
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    male = parse_id_number(with_check("50011319500501001"))
    assert male.sex == "M"


def test_lower_case_x_is_accepted_and_stored_upper_case():
    assert parse_id_number(" 11010519491231002x ").number == VALID


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("110105194912310021", "check character"),  # wrong check character
        (with_check("11010519990230002"), "not a real date"),  # 30 February 1999
        (with_check("11010529990101002"), "future"),  # born in 2999
        ("11010519491231002", "18 characters"),  # too short
        ("1101051949123100AX", "18 characters"),  # letters
    ],
)
def test_bad_id_numbers_are_refused_with_a_reason(number, words):
    with pytest.raises(DomainError) as caught:
        parse_id_number(number, field="id_number")
    assert caught.value.code == ErrorCode.INVALID_ID_NUMBER
    assert caught.value.field == "id_number"
    assert words in str(caught.value.message)


def test_id_number_born_today_is_valid_but_tomorrow_is_not():
    today = dt.date(2026, 11, 28)
    assert parse_id_number(with_check("50011320261128002"), today=today).birth_date == today
    with pytest.raises(DomainError):
        parse_id_number(with_check("50011320261129002"), today=today)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("13800138000", "13800138000"), ("138 0013 8000", "13800138000"),
     ("+86 138-0013-8000", "13800138000"), ("19912345678", "19912345678")],
)
def test_mobile_numbers_are_normalised(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["12345678901", "1380013800", "138001380001", "2380013800a", ""])
def test_bad_mobile_numbers_are_refused(raw):
    with pytest.raises(DomainError) as caught:
        normalize_mobile(raw)
    assert caught.value.code == ErrorCode.INVALID_MOBILE
    assert caught.value.field == "mobile"


def test_masking_keeps_first_six_and_last_four_of_id_and_3_4_of_mobile():
    assert mask_id_number(VALID) == "110105********002X"
    assert mask_mobile("13800138000") == "138****8000"


def test_numbers_are_stored_encrypted_digested_and_masked():
    row = Resident()
    set_id_number(row, VALID)
    set_mobile(row, "13800138000")
    assert VALID not in row.id_number_encrypted
    assert crypto.decrypt(row.id_number_encrypted) == VALID
    assert row.id_number_digest == crypto.digest(VALID.lower())  # digest ignores case
    assert row.id_number_masked == "110105********002X"
    assert "13800138000" not in row.mobile_encrypted
    assert (row.mobile_masked, row.mobile_tail) == ("138****8000", "8000")
    set_mobile(row, "")
    assert (row.mobile_encrypted, row.mobile_masked, row.mobile_tail) == ("", "", "")
