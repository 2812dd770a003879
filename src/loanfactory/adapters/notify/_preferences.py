"""Customer notification settings (账户管理：消息通知设置) and the notifier that respects them.

A customer chooses, per kind of notification, the channels it may use (a kind not listed may use
any channel), a language, and quiet hours (免打扰时段). :class:`PreferenceNotifier` applies them
in front of the real notifier:

- a channel switched off for a kind: the notification is *suppressed* — the receipt says
  ``delivered=True`` with ``provider_reference="suppressed:preferences"`` so the outbox relay
  treats it as done and does not retry;
- inside quiet hours: the notification is *deferred* — ``delivered=False`` with
  ``error="deferred until <ISO time>"``, and the relay tries again later;
- another language: the notification is rendered again from its template and data.

Mandatory kinds (逾期提醒 overdue notices, 预警 risk warnings) cannot be switched off, and
overdue notices are never sent between 22:00 and 08:00 whatever the settings (collection contact
hours); staff notifications ignore customer settings.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from loanfactory.adapters.notify._templates import TemplateBook
from loanfactory.entity import CST
from loanfactory.errors import Language, LoanfactoryError, hint_for
from loanfactory.notices import NOTICE_KINDS
from loanfactory.ports import Channel, DeliveryReceipt, Notification, Notifier

SUPPRESSED = "suppressed:preferences"
DEFERRED = "deferred until "


class QuietHours(BaseModel):
    """A daily window in China Standard Time; ``start`` after ``end`` wraps past midnight."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time = Field(examples=["22:00"])
    end: time = Field(examples=["08:00"])

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours must not start and end at the same time")
        return self

    def contains(self, moment: datetime) -> bool:
        now = moment.astimezone(CST).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def ends_after(self, moment: datetime) -> datetime:
        """The first end of the window after ``moment`` (call only when it contains ``moment``)."""
        local = moment.astimezone(CST)
        end = datetime.combine(local.date(), self.end, tzinfo=CST)
        return end if end > local else end + timedelta(days=1)


COLLECTION_QUIET = QuietHours(start=time(22, 0), end=time(8, 0))


class NotificationPreferences(BaseModel):
    """What one customer agreed to receive, on which channels, in which language and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language | None = None
    channels: dict[str, list[Channel]] = Field(
        default_factory=dict,
        description="Per kind, the channels allowed; a kind not listed may use every channel.",
        examples=[{"repayment_reminder": ["sms", "push"], "approval_result": ["in-app"]}],
    )
    quiet_hours: QuietHours | None = None

    @field_validator("channels")
    @classmethod
    def _known_kinds(cls, value: dict[str, list[Channel]]) -> dict[str, list[Channel]]:
        for kind, channels in value.items():
            known = NOTICE_KINDS.get(kind)
            if known is None:
                hint, _ = hint_for(kind, NOTICE_KINDS)
                raise ValueError(f"unknown notification kind '{kind}'" + (f"; {hint}" if hint else ""))
            if known.audience != "customer":
                raise ValueError(f"'{kind}' goes to staff, not to customers")
            if known.mandatory and not channels:
                raise ValueError(f"'{kind}' cannot be switched off")
        return value

    def allows(self, kind: str, channel: Channel) -> bool:
        chosen = self.channels.get(kind)
        return chosen is None or channel in chosen


class PreferenceSource(Protocol):
    def preferences_for(self, recipient: str) -> NotificationPreferences | None: ...


class MemoryPreferences:
    """Preferences in a dictionary keyed by customer id."""

    def __init__(self) -> None:
        self._by_recipient: dict[str, NotificationPreferences] = {}

    def preferences_for(self, recipient: str) -> NotificationPreferences | None:
        return self._by_recipient.get(recipient)

    def set(self, recipient: str, preferences: NotificationPreferences) -> None:
        self._by_recipient[recipient] = preferences


class PreferenceNotifier:
    """Applies a customer's settings, then hands the notification to ``inner``."""

    def __init__(
        self,
        inner: Notifier,
        source: PreferenceSource,
        *,
        now: Callable[[], datetime],
        templates: TemplateBook | None = None,
    ) -> None:
        self._inner = inner
        self._source = source
        self._now = now
        self._templates = templates

    def send(self, notification: Notification) -> DeliveryReceipt:
        kind = NOTICE_KINDS.get(notification.template)
        if notification.channel is Channel.staff or (kind is not None and kind.audience == "staff"):
            return self._inner.send(notification)
        mandatory = kind is not None and kind.mandatory
        preferences = self._source.preferences_for(notification.recipient)
        allowed = preferences is None or preferences.allows(notification.template, notification.channel)
        if not mandatory and not allowed:
            return DeliveryReceipt(
                notification_id=notification.id, delivered=True, provider_reference=SUPPRESSED
            )
        windows = [preferences.quiet_hours] if preferences and preferences.quiet_hours else []
        if notification.template == "overdue_notice":
            windows.append(COLLECTION_QUIET)
        now = self._now()
        later = [w.ends_after(now) for w in windows if w.contains(now)]
        if later:
            return DeliveryReceipt(
                notification_id=notification.id, delivered=False, error=DEFERRED + max(later).isoformat()
            )
        if (
            preferences
            and preferences.language
            and preferences.language != notification.language
            and self._templates is not None
        ):
            # data without our template's variables: send the notification as written
            with contextlib.suppress(LoanfactoryError):
                notification = self._templates.rerender(notification, language=preferences.language)
        return self._inner.send(notification)


def deferred_until(receipt: DeliveryReceipt) -> datetime | None:
    """When a deferred notification may be tried again (None when it was not deferred)."""
    if receipt.error and receipt.error.startswith(DEFERRED):
        return datetime.fromisoformat(receipt.error.removeprefix(DEFERRED))
    return None
