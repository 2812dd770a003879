"""Notification adapters (通知): templates in Chinese and English, and the channels that deliver them.

Build a notifier by composing small pieces, outermost first::

    notifier = DedupNotifier(                       # never twice per dedup key
        PreferenceNotifier(                         # 消息通知设置: channels, quiet hours, language
            ChannelRouter({Channel.sms: SmsNotifier(provider, contacts),
                           Channel.webhook: WebhookNotifier(url, secret)},
                          default=ConsoleNotifier()),
            StoredPreferences(store, now=clock.now), now=clock.now, templates=book),
        SqliteSentLog("sent.db"))
    NotificationRelay(store, notifier, templates=book, now=clock.now).run_once()

:class:`StoredPreferences` keeps customers' settings in the store (they survive a restart);
:class:`MemoryPreferences` keeps them in a dictionary (tests). See ``docs/notifications.md``.
"""

from __future__ import annotations

from loanfactory.adapters.notify._basic import ConsoleNotifier, FileNotifier
from loanfactory.adapters.notify._delivery import (
    ChannelRouter,
    DedupNotifier,
    MemorySentLog,
    SentLog,
    SqliteSentLog,
)
from loanfactory.adapters.notify._mobile import (
    Contact,
    ContactBook,
    MemoryContacts,
    ProviderAnswer,
    PushNotifier,
    PushProvider,
    SimulatedPushProvider,
    SimulatedSmsProvider,
    SmsNotifier,
    SmsProvider,
    sms_segments,
)
from loanfactory.adapters.notify._preferences import (
    COLLECTION_QUIET,
    SUPPRESSED,
    MemoryPreferences,
    NotificationPreferences,
    PreferenceNotifier,
    PreferenceSource,
    QuietHours,
    deferred_until,
)
from loanfactory.adapters.notify._relay import NotificationRelay, NotificationRelayReport
from loanfactory.adapters.notify._stored import StoredPreferences
from loanfactory.adapters.notify._templates import Rendered, TemplateBook, normalize_language
from loanfactory.adapters.notify._webhook import (
    DELIVERY_HEADER,
    WEBHOOK_SIGNATURE_HEADER,
    WebhookNotifier,
    sign_payload,
    verify_signature,
)

__all__ = [  # noqa: RUF022 - plain sorted() order, as the architecture test checks
    "COLLECTION_QUIET",
    "ChannelRouter",
    "ConsoleNotifier",
    "Contact",
    "ContactBook",
    "DELIVERY_HEADER",
    "DedupNotifier",
    "FileNotifier",
    "MemoryContacts",
    "MemoryPreferences",
    "MemorySentLog",
    "NotificationPreferences",
    "NotificationRelay",
    "NotificationRelayReport",
    "PreferenceNotifier",
    "PreferenceSource",
    "ProviderAnswer",
    "PushNotifier",
    "PushProvider",
    "QuietHours",
    "Rendered",
    "SUPPRESSED",
    "SentLog",
    "SimulatedPushProvider",
    "SimulatedSmsProvider",
    "SmsNotifier",
    "SmsProvider",
    "SqliteSentLog",
    "StoredPreferences",
    "TemplateBook",
    "WEBHOOK_SIGNATURE_HEADER",
    "WebhookNotifier",
    "deferred_until",
    "normalize_language",
    "sign_payload",
    "sms_segments",
    "verify_signature",
]
