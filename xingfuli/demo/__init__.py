"""The 万泉街 demo: a deterministic, fictional copy of the community the article describes.

    from xingfuli.demo import build, reset, demo_exists, DEMO_LOGINS, DEMO_PASSWORD
    build(seed=2026)     # 8 grids, 148 grid staff, 35 buildings, ~3,000 residents, visits, roster

Plus 桂花湾社区, a small second community under the same street, so that scoping shows.
Every person is generated; none is one of the real people quoted in the article. A module adds
its own records with a part in `xingfuli/<app>/demo.py` (see `xingfuli.demo.base`).
"""

from xingfuli.demo.base import (
    DEFAULT_SEED,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_SLUGS,
    DemoLogin,
    DemoWorld,
    demo_part,
)
from xingfuli.demo.loader import build, demo_exists, fingerprint, reset

__all__ = [
    "DEFAULT_SEED",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEMO_SLUGS",
    "DemoLogin",
    "DemoWorld",
    "build",
    "demo_exists",
    "demo_part",
    "fingerprint",
    "reset",
]
