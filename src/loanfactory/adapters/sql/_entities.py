"""The tables of loanfactory's own entity kinds (one :func:`map_entity` call per kind).

Each mapping gives the kind a typed table: its indexes as columns, the key money fields as exact
NUMERIC columns (for sums and reconciliation in SQL), and the personal-data fields that are
encrypted at rest when ``LOANFACTORY_PII_KEY`` is set. Everything else lives in the exact JSON
body. Each addition comes with a migration; ``tests/store`` fails when an Entity subclass in the
package has no mapping here, or when the tables drift from the migrations.
"""

from __future__ import annotations

from sqlalchemy import Index

from loanfactory.adapters.sql._archive import ARCHIVE, REGULATORY
from loanfactory.adapters.sql._mapping import EntityMapping, EntityMappings, map_entity
from loanfactory.origination import (
    Application,
    Campaign,
    Collateral,
    Coupon,
    CreditLine,
    Customer,
    CustomerGroup,
    CustomerLogin,
    DecisionRecord,
    LineOccupation,
    NotificationSettings,
    Offer,
    PayoutAccount,
    ReviewTask,
    Reward,
)
from loanfactory.service_desk import Ticket
from loanfactory.servicing import (
    CollectionTask,
    Contract,
    DebitOrder,
    Disbursement,
    Disposal,
    EodCalendar,
    EodRun,
    Loan,
    ManualPosting,
    NegotiatedPlan,
    Relief,
    RiskSignal,
    RiskWarning,
)


def _money(*names: str) -> dict[str, None]:
    return dict.fromkeys(names)  # None: the column type follows the Money annotation (NUMERIC(18, 2))


ORIGINATION: tuple[EntityMapping, ...] = (
    map_entity(
        Customer,
        pii=(
            "individual.id_number",
            "individual.phone",
            "individual.bank_cards[].number",
            "individual.bank_cards[].phone",
            "enterprise.legal_representative.id_number",
            "enterprise.legal_representative.phone",
            "enterprise.corporate_account.number",
        ),
    ),
    map_entity(CustomerGroup),
    map_entity(CustomerLogin),
    map_entity(Application, columns=_money("amount")),
    map_entity(DecisionRecord),
    map_entity(ReviewTask, columns=_money("approved_amount")),
    map_entity(CreditLine, columns=_money("total", "occupied", "frozen")),
    map_entity(LineOccupation, columns=_money("amount", "released")),
    map_entity(Collateral, pii=("identifier",)),
    map_entity(Campaign, columns=_money("budget", "reserved", "spent")),
    map_entity(Coupon, columns=_money("subsidy")),
    map_entity(Reward, columns=_money("amount")),
    map_entity(Offer, columns=_money("amount", "limit")),
    map_entity(NotificationSettings),
    map_entity(PayoutAccount, pii=("holder", "number")),
)

SERVICING: tuple[EntityMapping, ...] = (
    # days past due and the schedule version as columns: the books read the whole book by them
    map_entity(
        Loan,
        columns={**_money("amount"), "days_past_due": None, "schedule_version": None},
        pii=("account", "account_name"),
    ),
    map_entity(Contract),
    map_entity(Disbursement, columns=_money("amount"), pii=("payee_account",)),
    map_entity(DebitOrder, columns=_money("amount", "collected")),
    map_entity(ManualPosting, columns=_money("amount")),
    map_entity(CollectionTask, columns=_money("amount_overdue")),
    map_entity(NegotiatedPlan, columns=_money("waived_penalty")),
    map_entity(Relief, columns=_money("principal")),
    map_entity(Disposal, columns=_money("proceeds")),
    map_entity(RiskSignal),
    map_entity(RiskWarning),
    map_entity(EodRun),
    map_entity(EodCalendar),
)

SERVICE_DESK: tuple[EntityMapping, ...] = (
    map_entity(Ticket, pii=("description",)),  # what customers write may hold personal data
)

PACKAGE_MAPPINGS: tuple[EntityMapping, ...] = ORIGINATION + SERVICING + ARCHIVE + REGULATORY + SERVICE_DESK

_LOANS = SERVICING[0].table
Index(
    "ix_loan_books",  # covers what the books read of every loan: the JSON body is never touched
    _LOANS.c.status,
    _LOANS.c.id,
    _LOANS.c.product_code,
    _LOANS.c.category,
    _LOANS.c.days_past_due,
    _LOANS.c.schedule_version,
)


def _paired(mapping: EntityMapping, first: str, second: str) -> None:
    """An index on two columns: a look-up by both (a loan's open tasks, the day's active loans)
    goes through it whatever the planner's statistics say (SQLite has none until ANALYZE)."""
    table = mapping.table
    Index(f"ix_{table.name}_{first}_{second}", table.c[first], table.c[second])


_KINDS = {m.kind: m for m in SERVICING}
_paired(_KINDS["loan"], "attention_on", "status")  # the end of day's agenda
_paired(_KINDS["collection_task"], "loan_id", "status")  # a loan's open collection tasks
_paired(_KINDS["negotiated_plan"], "loan_id", "status")  # a loan's active plan


def default_mappings() -> EntityMappings:
    """The package's entity tables."""
    return EntityMappings(PACKAGE_MAPPINGS)
