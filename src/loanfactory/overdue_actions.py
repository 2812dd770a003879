"""Overdue actions (逾期处置动作): the one registry of what a tier of ``overdue.tiers`` may do.

A product lists, per band of days past due, the actions to take (``actions: [reminder, penalty]``).
Each action is registered here once, as data: its name, its titles, and its *effects* — the few
things servicing knows how to do:

- :class:`SendNotice` — queue a notice of a registered kind to the borrower (:mod:`loanfactory.notices`);
- :class:`OpenTask` — open a collection task in a work queue (催收任务), once per delinquency episode;
- :class:`Refer` — an outbox message for an outside party: the collection agency, the court or the
  auction house (``collection``);
- :class:`ReportingNotice` — the notice before adverse information is reported (不良信息报送前告知)
  becomes due: :mod:`loanfactory.regulatory` sends it through the notifier and keeps the receipt;
- :class:`FlagLoan` — a flag the five-category classification reads (``litigation`` → at least 次级).

The product language (:mod:`loanfactory.spec._policies`) validates tier actions against
:class:`OverdueAction`; servicing (``servicing/_collection.py``) carries out the effects of
:data:`ACTIONS` and has no per-action code; ``docs/products.md`` lists every action (a test checks
the page against this registry). Adding an action is one member of :class:`OverdueAction`, one
:class:`ActionType` in :data:`ACTIONS`, a row in the docs and a test — nothing else.

Penalty interest itself accrues as the contract's ``penalty`` section says whatever the tiers list;
the ``penalty`` action is the notice that tells the borrower it has started.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class OverdueAction(StrEnum):
    """What is done at an overdue tier (逾期处置动作); each member has an entry in :data:`ACTIONS`."""

    reminder = "reminder"  # SMS reminder (短信提醒)
    phone_reminder = "phone-reminder"  # call-centre reminder (电话提醒)
    penalty = "penalty"  # penalty-interest notice (罚息通知)
    manual_collection = "manual-collection"  # staff collection task (人工催收)
    negotiated_plan = "negotiated-plan"  # negotiated repayment plan (协商还款)
    outsourced_collection = "outsourced-collection"  # third-party collection (委外催收)
    litigation = "litigation"  # 诉讼
    collateral_disposal = "collateral-disposal"  # 处置押品
    credit_report = "credit-report"  # report to the credit bureau (报送征信)


@dataclass(frozen=True, slots=True)
class SendNotice:
    """Queue a notice of ``kind`` (a kind of :mod:`loanfactory.notices`) to the borrower."""

    kind: str


@dataclass(frozen=True, slots=True)
class OpenTask:
    """Open a collection task in ``queue``; ``None`` is servicing's own collections role."""

    queue: str | None = None


@dataclass(frozen=True, slots=True)
class Refer:
    """An outbox message on ``topic`` for an outside party (``collection``)."""

    topic: str


@dataclass(frozen=True, slots=True)
class ReportingNotice:
    """From this tier the adverse-information notice is due; credit reporting sends and evidences it
    (servicing does nothing itself: every loan is reported monthly whatever its tiers)."""


@dataclass(frozen=True, slots=True)
class FlagLoan:
    """Put ``flag`` on the loan; the classification rules may hold it as a floor (``litigation``)."""

    flag: str


Effect = SendNotice | OpenTask | Refer | FlagLoan | ReportingNotice


@dataclass(frozen=True, slots=True)
class ActionType:
    """One registered overdue action: titles for people, effects for servicing."""

    action: OverdueAction
    title_zh: str
    title_en: str
    effects: tuple[Effect, ...]
    repeats: bool = False  # again every ``reminder_every_days`` while the loan stays in the tier
    during_plan: bool = False  # also while a negotiated repayment plan is active
    secured_only: bool = False  # only for a product that takes collateral (mortgage or pledge)

    @property
    def notices(self) -> tuple[str, ...]:
        return tuple(e.kind for e in self.effects if isinstance(e, SendNotice))


def _register(*types: ActionType) -> Mapping[OverdueAction, ActionType]:
    table = {t.action: t for t in types}
    missing = [a.value for a in OverdueAction if a not in table]
    if missing or len(table) != len(types):
        raise RuntimeError(f"every overdue action is registered once; not registered: {missing}")
    return MappingProxyType(table)


ACTIONS: Mapping[OverdueAction, ActionType] = _register(
    ActionType(
        OverdueAction.reminder,
        "短信提醒",
        "SMS reminder",
        (SendNotice("overdue_notice"),),
        repeats=True,
        during_plan=True,
    ),
    ActionType(OverdueAction.phone_reminder, "电话提醒", "call-centre reminder", (OpenTask("call-centre"),)),
    ActionType(OverdueAction.penalty, "罚息通知", "penalty-interest notice", (SendNotice("penalty_notice"),)),
    ActionType(OverdueAction.manual_collection, "人工催收", "staff collection", (OpenTask(),)),
    ActionType(OverdueAction.negotiated_plan, "协商还款", "negotiated repayment plan", (OpenTask(),)),
    ActionType(
        OverdueAction.outsourced_collection,
        "委外催收",
        "third-party collection",
        (OpenTask("collection-agency"), Refer("collection")),
    ),
    ActionType(
        OverdueAction.litigation,
        "诉讼",
        "litigation",
        (OpenTask("legal"), Refer("collection"), FlagLoan("litigation")),
    ),
    ActionType(
        OverdueAction.collateral_disposal,
        "处置押品",
        "collateral disposal",
        (OpenTask("collateral"), Refer("collection")),
        secured_only=True,
    ),
    ActionType(OverdueAction.credit_report, "报送征信", "credit-bureau report", (ReportingNotice(),)),
)
"""Every overdue action, by :class:`OverdueAction`."""


def action_type(action: OverdueAction | str) -> ActionType:
    """The registered action (``KeyError``-free for any member of :class:`OverdueAction`)."""
    return ACTIONS[OverdueAction(action)]


__all__ = [
    "ACTIONS",
    "ActionType",
    "Effect",
    "FlagLoan",
    "OpenTask",
    "OverdueAction",
    "Refer",
    "ReportingNotice",
    "SendNotice",
    "action_type",
]
