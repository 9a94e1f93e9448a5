"""Notifications: rows written in the caller's transaction, delivered after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from xingfuli.core.channels import channel_for
from xingfuli.core.models import Notification, User


def notify(
    recipients: Iterable[User],
    *,
    subject: str,
    body: str = "",
    url: str = "",
    channel: str = "console",
) -> list[Notification]:
    """Queue one notification per recipient; delivery is enqueued only once the caller commits."""
    rows = Notification.objects.bulk_create(
        Notification(recipient=user, subject=subject, body=body, url=url, channel=channel)
        for user in recipients
    )
    ids = [n.pk for n in rows if n.pk is not None]
    if ids:
        _deliver_on_commit(ids)
    return rows


class _Delivery:
    """The one delivery task of a transaction: later notify() calls add their ids to it."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def __call__(self) -> None:
        from xingfuli.core.tasks import deliver_notifications

        deliver_notifications.enqueue(self.ids)


def _deliver_on_commit(ids: list[int]) -> None:
    """Enqueue delivery after commit, once per transaction however many notify() calls it made.

    Outside a transaction (autocommit) the task is enqueued at once. Ids of rows rolled back with
    a savepoint may stay in the task; delivery skips ids it cannot find.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Delivery):
                func.ids.extend(ids)
                return
    transaction.on_commit(_Delivery(list(ids)))


MAX_ATTEMPTS = 5


def notifications_deliver(*, ids: list[int]) -> int:
    """Send pending notifications by id; returns how many were sent."""
    sent = 0
    for note in Notification.objects.filter(
        pk__in=ids, status=Notification.Status.PENDING
    ).select_related("recipient"):
        note.attempts += 1
        try:
            channel_for(note.channel).send(note)
        except Exception as exc:
            note.error = str(exc)[:500]
            if note.attempts >= MAX_ATTEMPTS:
                note.status = Notification.Status.FAILED
        else:
            note.status = Notification.Status.SENT
            note.sent_at = timezone.now()
            sent += 1
        note.save(update_fields=["attempts", "error", "status", "sent_at"])
    return sent


def notification_mark_read(*, recipient: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
