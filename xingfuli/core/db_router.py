"""Reads of dashboards and reports from a read replica, when one is configured.

The choice is explicit: code that builds a board, a summary, KPIs or a report wraps its reads in

    with reading_from_replica():
        ...

and inside that block (in this thread or task only: a context variable) every read goes to the
"replica" database alias (DATABASE_REPLICA_URL). Outside it, every write in it, and every
migration use "default", the primary. Without DATABASE_REPLICA_URL there is no "replica" alias and
everything uses "default", inside the block too.

A replica lags the primary by a moment: wrap only pages whose figures may be a second old (never
a read that decides a write, never a page that must show what the user just saved).
"""

from __future__ import annotations

import contextvars
import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.conf import settings

REPLICA = "replica"
DEFAULT = "default"

_on_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "xingfuli_reading_from_replica", default=False
)

P = ParamSpec("P")
R = TypeVar("R")


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reporting_db() -> str:
    """The alias reads of dashboards and reports go to right now ("replica" or "default")."""
    return REPLICA if _on_replica.get() and replica_configured() else DEFAULT


@contextmanager
def reading_from_replica() -> Iterator[str]:
    """Send the reads inside the block to the replica (if there is one); yields the alias."""
    token = _on_replica.set(True)
    try:
        yield reporting_db()
    finally:
        _on_replica.reset(token)


def reads_from_replica(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of `reading_from_replica()` for a selector or a report builder."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with reading_from_replica():
            return func(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Django database router: reads inside `reading_from_replica()` → replica, all else default."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        # None outside the block: Django's own choice (the instance's database, else default).
        return REPLICA if _on_replica.get() and replica_configured() else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        # A row read from the replica is saved on the primary; an explicit other database (a
        # restored copy opened by `xingfuli backup`/`restore`) keeps its own.
        instance = hints.get("instance")
        db = getattr(getattr(instance, "_state", None), "db", None)
        return db if db and db != REPLICA else DEFAULT

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica is a copy of the primary: rows read from either relate freely.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints: Any) -> bool:
        return db == DEFAULT


# --- connection pools across fork -------------------------------------------------------------

_INHERITED_POOLS: list[Any] = []


def forget_inherited_pools() -> None:
    """In a child process, drop the connection pools of the parent (DB_POOL_SIZE).

    Granian forks its workers from the process that ran the migrations: a pool it inherits holds
    the parent's sockets, and the pool's own threads did not survive the fork, so requests would
    wait for connections that never come (PoolTimeout). Each worker makes its own pool on first
    use instead. The inherited pools are kept, never closed or collected: closing them would end
    the parent's sessions on the server.
    """
    module = sys.modules.get("django.db.backends.postgresql.base")
    pools = getattr(getattr(module, "DatabaseWrapper", None), "_connection_pools", None)
    if pools:
        _INHERITED_POOLS.extend(pools.values())
        pools.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=forget_inherited_pools)
