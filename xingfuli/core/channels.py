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


def mobile_of(notification: Notification) -> str:
    """The number a text goes to: the user's, or the one stored for a caller without a login."""
    if notification.recipient is not None:
        return str(notification.recipient.mobile)
    from xingfuli.core import crypto

    return crypto.decrypt(notification.to_mobile_encrypted) if (
        notification.to_mobile_encrypted) else ""


class ConsoleChannel:
    """Writes the message to the log: the default, and the stand-in for SMS in development."""

    def send(self, notification: Notification) -> None:
        who = notification.recipient.name if notification.recipient is not None else "-"
        logger.warning("notify %s <%s>: %s", who, notification.channel, notification.subject)


class EmailChannel:
    def send(self, notification: Notification) -> None:
        address = getattr(notification.recipient, "email", "")
        if not address:
            raise ValueError("recipient has no e-mail address")
        send_mail(notification.subject, notification.body, None, [address])


class HttpSmsChannel:
    """Sends a text through an SMS gateway that takes a JSON POST.

    Settings: SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN (sent as a bearer token), SMS_SIGNATURE
    (the 【签名】 carriers require in front of the text). Gateways with another shape get an
    adapter of their own beside this one.
    """

    timeout = 10

    def send(self, notification: Notification) -> None:
        import json
        import urllib.request

        url = getattr(settings, "SMS_GATEWAY_URL", "")
        if not url.startswith(("https://", "http://")):
            raise ValueError("SMS_GATEWAY_URL is not set")
        signature = getattr(settings, "SMS_SIGNATURE", "")
        text = f"{signature}{notification.subject}"
        if notification.body:
            text += f"：{notification.body}"
        mobile = mobile_of(notification)
        if not mobile:
            raise ValueError("no mobile number to send to")
        body = json.dumps({"mobile": mobile, "text": text}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url, data=body, method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {getattr(settings, 'SMS_GATEWAY_TOKEN', '')}"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if response.status >= 300:
                raise ValueError(f"SMS gateway answered {response.status}")


def channel_for(name: str) -> Channel:
    path = settings.NOTIFICATION_CHANNELS.get(name, settings.NOTIFICATION_CHANNELS["console"])
    channel: Channel = import_string(path)()
    return channel
