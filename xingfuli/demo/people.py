"""Fictional people for the demo: names, ID numbers (GB 11643) and mobile numbers.

Names are drawn from surname and given-name character lists, by birth era and sex, and never
equal the names of the real people quoted in the source article.
"""

from __future__ import annotations

import datetime as dt
import random

from xingfuli.registry.personal import id_check_char

AREA_CODE = "500113"  # 巴南区

# The real people named in the article: the generator never produces these.
REAL_NAMES = frozenset({"杨坤梅", "杨光茂", "尹琴", "马桂琴", "苏才彬", "雷文颖"})

# Common surnames of Chongqing, roughly by frequency (the first ones are drawn more often).
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文向冉游蒲敖"
)
_SURNAME_WEIGHTS = [1.0 / (i + 4) for i in range(len(SURNAMES))]

# Given-name characters by birth era and sex.
_GIVEN = {
    ("old", "M"): "建国华明军文德志成福全友发长贵强忠林平兴荣昌世洪光富才祥生云正庆茂树学永宏"
    "开炳泽海清",
    ("old", "F"): "秀英兰芳珍桂玉凤华淑琼素翠慧莲梅丽群碧芬萍霞蓉琳惠清春香菊仙玲",
    ("mid", "M"): "勇伟军强斌涛波杰鹏刚林峰海亮敏健磊宇飞浩俊辉平东兵川渝江松",
    ("mid", "F"): "丽敏静燕红霞娟艳玲芳萍莉婷雪梅洁慧丹晓颖倩蓉琳佳",
    ("young", "M"): "子浩宇轩博文俊杰睿晨泽铭昊然熙航彬天一宸诚乐锦",
    ("young", "F"): "梓欣怡雨萱诗涵琪思佳悦可馨彤妍语晴若依婉欢沐",
}


def _era(birth: dt.date) -> str:
    if birth.year < 1966:
        return "old"
    if birth.year < 1991:
        return "mid"
    return "young"


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]


def person_name(rng: random.Random, *, sex: str, birth: dt.date, family: str | None = None) -> str:
    """A fictional name: a surname (the family's, if given) and one or two given characters."""
    chars = _GIVEN[(_era(birth), sex)]
    while True:
        given_length = 1 if rng.random() < 0.3 else 2
        name = (family or surname(rng)) + "".join(rng.choice(chars) for _ in range(given_length))
        if name not in REAL_NAMES and name[1:2] != name[2:3]:
            return name


def birth_date(rng: random.Random, *, age: int, reference: dt.date) -> dt.date:
    """A birth date `age` full years before `reference` (never after it)."""
    day = 28 if (reference.month, reference.day) == (2, 29) else reference.day
    last = dt.date(reference.year - age, reference.month, day)
    return last - dt.timedelta(days=rng.randrange(365))


class IdNumbers:
    """Valid, distinct GB 11643 numbers: area + birth date + sequence (odd male) + check."""

    def __init__(self, *, area: str = AREA_CODE) -> None:
        self.area = area
        self.used: set[str] = set()

    def new(self, rng: random.Random, *, birth: dt.date, sex: str) -> str:
        while True:
            # Two digits for the police station, one whose parity says the sex.
            last = rng.randrange(5) * 2 + (1 if sex == "M" else 0)
            first17 = f"{self.area}{birth:%Y%m%d}{rng.randrange(100):02d}{last}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + id_check_char(first17)


def mobile(rng: random.Random) -> str:
    """An 11-digit mobile number matching ^1[3-9]\\d{9}$ (outside the demo login range)."""
    while True:
        number = f"1{rng.choice('356789')}{rng.randrange(10**9):09d}"
        if not number.startswith("1380000"):
            return number
