"""A customer's notification settings (账户管理：消息通知设置), as stored.

One :class:`NotificationSettings` per customer (its id follows from the customer id, so two
first saves cannot make two records): the channels allowed per kind of notification (a kind not
listed may use every channel), the language, and the quiet hours (免打扰时段, China Standard
Time; a window whose start is after its end wraps past midnight). Which kinds exist and which
cannot be switched off is the notification adapters' knowledge
(:class:`loanfactory.adapters.notify.NotificationPreferences` checks it before anything is
stored); this entity only keeps what the customer chose, and who changed it last and when.
"""

from __future__ import annotations

import hashlib
from datetime import time
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from loanfactory.entity import Entity
from loanfactory.origination._values import AwareDatetime, Value
from loanfactory.ports import Channel

_PREFIX = "nset_"
_ID_MAX = 64  # the width of every entity id column


class ChannelChoice(Value):
    """The channels one kind of notification may use (an empty tuple: switched off)."""

    kind: Annotated[str, Field(min_length=1, max_length=64)]
    channels: tuple[Channel, ...] = ()


class NotificationSettings(Entity):
    """What one customer agreed to receive, on which channels, in which language and when."""

    kind: ClassVar[str] = "notification_settings"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id",)

    customer_id: Annotated[str, Field(min_length=1, max_length=200)]
    language: Literal["zh", "en"] | None = None
    channels: tuple[ChannelChoice, ...] = ()
    quiet_start: time | None = None
    quiet_end: time | None = None
    updated_at: AwareDatetime
    updated_by: str

    @staticmethod
    def id_for(customer_id: str) -> str:
        """The settings' id for ``customer_id`` (a digest when the id would be too long)."""
        plain = _PREFIX + customer_id
        if len(plain) <= _ID_MAX:
            return plain
        return _PREFIX + hashlib.sha256(customer_id.encode()).hexdigest()[:40]

    def channels_for(self, kind: str) -> tuple[Channel, ...] | None:
        """The channels chosen for ``kind``; None when the customer did not restrict it."""
        return next((c.channels for c in self.channels if c.kind == kind), None)
