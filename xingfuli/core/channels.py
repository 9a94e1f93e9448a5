"""Notification channels behind one interface. Settings map channel names to classes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from xingfuli.core.models import Notification

logger = logging.getLogger("xingfuli.notifications")


class Channel(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver or raise; the outbox records failures and retries."""


class ConsoleChannel:
    """Writes the message to the log: the default, and the stand-in for SMS in development."""

    def send(self, notification: Notification) -> None:
        logger.warning(
            "notify %s <%s>: %s", notification.recipient.name, notification.channel,
            notification.subject,
        )


class EmailChannel:
    def send(self, notification: Notification) -> None:
        address = getattr(notification.recipient, "email", "")
        if not address:
            raise ValueError("recipient has no e-mail address")
        send_mail(notification.subject, notification.body, None, [address])


def channel_for(name: str) -> Channel:
    path = settings.NOTIFICATION_CHANNELS.get(name, settings.NOTIFICATION_CHANNELS["console"])
    channel: Channel = import_string(path)()
    return channel
