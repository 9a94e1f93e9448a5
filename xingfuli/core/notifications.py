"""Notifications: rows written in the caller's transaction, delivered after commit."""

from __future__ import annotations

import datetime as dt
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


def notify_mobile(
    mobile: str, *, subject: str, body: str = "", url: str = "", channel: str = "sms"
) -> Notification:
    """Queue a text message to a mobile number that has no login (a caller recorded by name
    and number). The number is stored encrypted; the channel reads it back to send."""
    from xingfuli.core import crypto

    row = Notification.objects.create(
        recipient=None, to_mobile_encrypted=crypto.encrypt(mobile), subject=subject, body=body,
        url=url, channel=channel,
    )
    _deliver_on_commit([row.pk])
    return row


class _Delivery:
    """The one delivery task of a transaction: later notify() calls add their ids to it."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self.__qualname__ = "notifications._Delivery"  # Django names robust callbacks it logs

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
    # robust: the caller's change is committed by now; a queue that cannot take the task must
    # not turn it into an error. The rows stay pending and the sweep below sends them.
    transaction.on_commit(_Delivery(list(ids)), robust=True)


MAX_ATTEMPTS = 5
SWEEP_AFTER = dt.timedelta(minutes=2)
SWEEP_BATCH = 500


def notifications_sweep() -> int:
    """Send what is still pending a while after it was written: a delivery task that could not
    be enqueued, or a channel that failed and has attempts left. Returns how many were sent."""
    ids = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, attempts__lt=MAX_ATTEMPTS,
            created_at__lt=timezone.now() - SWEEP_AFTER,
        ).order_by("id").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return notifications_deliver(ids=ids) if ids else 0


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
