"""Notification settings kept in the store (消息通知设置的持久化), so they survive a restart.

:class:`StoredPreferences` is a :class:`~loanfactory.adapters.notify.PreferenceSource` over the
:class:`~loanfactory.ports.Store` port: one
:class:`~loanfactory.origination.NotificationSettings` entity per customer, written with the
version check of its repository (two concurrent saves: the second is refused and may retry) and
an audit record saying who changed what and when. :class:`PreferenceNotifier` reads it for every
notification it sends, so a change takes effect on the next delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from loanfactory.adapters.notify._preferences import NotificationPreferences, QuietHours
from loanfactory.origination import ChannelChoice, NotificationSettings
from loanfactory.ports import Store

AUDIT_ACTION = "notification_settings.change"


class StoredPreferences:
    """Customers' notification settings through the store."""

    def __init__(self, store: Store, *, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now

    def preferences_for(self, recipient: str) -> NotificationPreferences | None:
        with self._store.transaction() as tx:
            found = tx.repo(NotificationSettings).find(NotificationSettings.id_for(recipient))
        return None if found is None else preferences_of(found)

    def set(
        self, recipient: str, preferences: NotificationPreferences, *, actor: str = "system"
    ) -> NotificationPreferences:
        """Store ``preferences`` (already validated) for customer ``recipient``."""
        at = self._now()
        fields: dict[str, Any] = {
            "language": preferences.language,
            "channels": tuple(
                ChannelChoice(kind=kind, channels=tuple(channels))
                for kind, channels in sorted(preferences.channels.items())
            ),
            "quiet_start": preferences.quiet_hours.start if preferences.quiet_hours else None,
            "quiet_end": preferences.quiet_hours.end if preferences.quiet_hours else None,
            "updated_at": at,
            "updated_by": actor,
        }
        with self._store.transaction() as tx:
            repo = tx.repo(NotificationSettings)
            existing = repo.find(NotificationSettings.id_for(recipient))
            if existing is None:
                stored = repo.add(
                    NotificationSettings(
                        id=NotificationSettings.id_for(recipient), customer_id=recipient, **fields
                    )
                )
                before = None
            else:
                stored = repo.update(existing.evolve(**fields))
                before = preferences_of(existing).model_dump(mode="json")
            after = preferences_of(stored)
            tx.audit.append(
                actor=actor,
                action=AUDIT_ACTION,
                subject=recipient,
                at=at,
                before=before,
                after=after.model_dump(mode="json"),
            )
        return after


def preferences_of(settings: NotificationSettings) -> NotificationPreferences:
    """The settings as the notifier reads them.

    Built without validating again: they were checked when saved, and a kind that a later
    template book no longer knows must not stop delivery of everything else.
    """
    quiet = None
    if settings.quiet_start is not None and settings.quiet_end is not None:
        quiet = QuietHours.model_construct(start=settings.quiet_start, end=settings.quiet_end)
    return NotificationPreferences.model_construct(
        language=settings.language,
        channels={c.kind: list(c.channels) for c in settings.channels},
        quiet_hours=quiet,
    )
