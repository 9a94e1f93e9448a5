"""The audit log: `audit.record("registry.resident.viewed_full", actor=…, target=…)`."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from xingfuli.core.models import AuditEntry


def record(
    action: str,
    *,
    actor: Any,
    target: Model | None = None,
    community_id: int | None = None,
    target_type: str = "",
    target_id: str | int = "",
    **data: Any,
) -> AuditEntry:
    """Append one audit entry. Called by services inside their transaction."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        if community_id is None:
            community_id = getattr(target, "community_id", None)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        community_id=community_id,
        data=data,
    )
