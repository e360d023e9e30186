"""SMS: an outbox row first, then a gateway sends it.

The embedded gateway writes the message to the log and marks it sent; a deployment
replaces it with the real SMS gateway (``Services.sms_gateway``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol

from core.models import SmsMessage, User

logger = logging.getLogger("talent.sms")


class SmsGateway(Protocol):
    async def send(self, mobile: str, text: str) -> None: ...


class LogSmsGateway:
    """Development and test gateway: the message goes to the log (and stays in the outbox)."""

    async def send(self, mobile: str, text: str) -> None:
        logger.info("SMS to %s***%s: %s", mobile[:3], mobile[-4:], text)


class SmsOutbox:
    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    async def send(self, *, mobile: str, purpose: str, text: str, user: User | None) -> None:
        message = await SmsMessage.create(user=user, mobile=mobile, purpose=purpose, text=text)
        try:
            await self.gateway.send(mobile, text)
        except Exception:
            # The row stays queued for a retry; the caller's action is not undone by a
            # gateway that is down.
            logger.exception("SMS %s could not be sent", message.id)
            message.status = "failed"
            await message.save(update_fields=["status"])
            return
        message.status = "sent"
        message.sent_at = datetime.now(UTC)
        await message.save(update_fields=["status", "sent_at"])
