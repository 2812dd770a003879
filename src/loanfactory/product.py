"""Executable products (可执行产品): a product spec with its rule sets resolved and compiled once.

A :class:`Product` answers the two questions every channel asks of a product:

- *what would it cost?* — :meth:`Product.quote`: schedule, fees and APR for an amount and term;
- *what do the rules say about this applicant?* — :meth:`Product.decide`: the product's
  :class:`~loanfactory.rules.DecisionFlow` (eligibility → pre-review → scoring → routing →
  pricing → limit → tags), every step seeing the values set before it, and the route (approve,
  manual review, reject).

:func:`product_facts` is what rules read of the product (``product.base_rate`` for the term and
amount, ``max_ltv``, the LPR tenor ...): the one builder of those facts, used by origination, the
scenario runner, ``lint`` and ``explain`` alike.

A :class:`ProductCatalog` loads product and rule files together (:func:`loanfactory.catalog.
load_catalog`) and refuses to start when any file has an error, so a running system never holds
a half-valid product.

A product's publication status (上线 / 暂停 / 下线) is the one thing that changes while the system
runs: :meth:`ProductCatalog.set_status` replaces the product with :meth:`Product.with_status`
(same compiled rules, new status) in place, following :data:`STATUS_MOVES`, so every service
that reads the catalog's live :attr:`ProductCatalog.products` sees the change at once. Where the
change is recorded (a store, an audit trail) is the caller's business.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanfactory.catalog import LoadedCatalog, load_catalog
from loanfactory.conventions import RepaymentMethod, ScheduleStyle
from loanfactory.document import Document
from loanfactory.errors import InvalidInput, NotFound, SpecError, StateConflict, hint_for
from loanfactory.facts import CustomerKind, Facts, ProductFacts
from loanfactory.lpr import LprSeries
from loanfactory.pricing import PricingDecision
from loanfactory.quote import Quote, quote
from loanfactory.rules import (
    CompiledDefinition,
    DecisionFlow,
    Definition,
    EngineName,
    FlowDecision,
    FlowStep,
    RuleLibrary,
    parse_definition,
)
from loanfactory.spec import FixedRate, FloatingRate, ProductSpec, Segment, Status
from loanfactory.terms import Concession, lpr_on, product_rate

STATUS_MOVES: Mapping[Status, frozenset[Status]] = {
    Status.draft: frozenset({Status.online, Status.offline}),
    Status.online: frozenset({Status.paused, Status.offline}),
    Status.paused: frozenset({Status.online, Status.offline}),
    Status.offline: frozenset(),
}
"""Publication moves (产品状态流转): draft → online ⇄ paused → offline; a draft may be withdrawn
straight to offline; offline is final (publish a new version instead)."""


ProductDecision = FlowDecision
"""What a product's rules decided: every step, the values they set and the route
(:class:`loanfactory.rules.FlowDecision`, named after the product)."""
Step = FlowStep
"""One step of a product decision (:class:`loanfactory.rules.FlowStep`)."""


class Product:
    """A product ready to quote and decide; immutable, safe to share between threads."""

    def __init__(
        self,
        spec: ProductSpec,
        rules: Mapping[str, Definition],
        *,
        engine: EngineName = "compiled",
        lpr: LprSeries | None = None,
        missing: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.missing: Mapping[str, str] = dict(missing or {})  # purpose -> rule id not loaded
        self.lpr = lpr or LprSeries.default()
        self.engine: EngineName = engine
        self.rules: Mapping[str, Definition] = dict(rules)
        self.flow = DecisionFlow(self.rules, engine=engine, lpr=self.lpr, id=spec.code)

    @property
    def code(self) -> str:
        return self.spec.code

    def __repr__(self) -> str:
        return f"<Product {self.spec.code} v{self.spec.version} {self.spec.status}>"

    def with_status(self, status: Status) -> Product:
        """The same product (and its compiled rules, shared, not compiled again) with ``status``."""
        twin = copy.copy(self)
        twin.spec = self.spec.model_copy(update={"status": Status(status)})
        return twin

    def compiled(self, purpose: str) -> CompiledDefinition | None:
        """The compiled rules of one step (``"limit"``, ``"eligibility"`` ...), if the product has them."""
        return self.flow.compiled(purpose)

    def decide(self, facts: Facts, *, trace: bool = False, stop_on_reject: bool = True) -> ProductDecision:
        """Run the product's rules on ``facts`` (its :class:`~loanfactory.rules.DecisionFlow`).

        Each step sees the values set by the steps before it as ``vars``; a step that rejects
        ends the flow (unless ``stop_on_reject`` is false, e.g. to collect every reason).
        Raises :class:`InvalidInput` when a rule set the product names was not loaded.
        """
        if self.missing:
            purpose, ident = next(iter(self.missing.items()))
            raise InvalidInput(
                f"{self.code}: rules.{purpose} names '{ident}', which no loaded rule file defines "
                "(load the rules/ folder with the products)",
                field=f"rules.{purpose}",
                message_zh=f"{self.code}：rules.{purpose} 引用的规则 '{ident}' 未加载（请同时加载规则目录）",
            )
        return self.flow.run(facts, trace=trace, stop_on_reject=stop_on_reject)

    def quote(
        self,
        amount: Decimal,
        term: int,
        *,
        method: RepaymentMethod | None = None,
        start: date | None = None,
        first_due: date | None = None,
        style: ScheduleStyle = ScheduleStyle.posting,
        pricing: PricingDecision | None = None,
        concession: Concession | None = None,
    ) -> Quote:
        """Schedule, fees and APR for ``amount`` and ``term`` (in the product's term unit), priced
        by ``pricing`` (default: the product's own rate) with a coupon's ``concession``."""
        return quote(
            self.spec,
            amount,
            term,
            method=method,
            start=start,
            first_due=first_due,
            lpr=self.lpr,
            style=style,
            pricing=pricing,
            concession=concession,
        )


class ProductCatalog:
    """Products by code, built from a loaded :class:`~loanfactory.catalog.LoadedCatalog`.

    :attr:`products` is live: a status change (:meth:`set_status`) replaces the product in the
    same mapping. :attr:`catalog` keeps the specs as they were loaded from the files.
    """

    def __init__(self, products: Mapping[str, Product], catalog: LoadedCatalog) -> None:
        self._products = dict(sorted(products.items()))
        self.catalog = catalog

    @classmethod
    def load(
        cls,
        paths: Sequence[Path | str],
        *,
        engine: EngineName = "compiled",
        lpr: LprSeries | None = None,
    ) -> ProductCatalog:
        """Load product and rule files; raises :class:`SpecError` listing every error found."""
        catalog, diagnostics = load_catalog(list(paths))
        errors = [d for d in diagnostics if d.severity == "error"]
        if errors:
            raise SpecError(diagnostics=errors)
        return cls.from_catalog(catalog, engine=engine, lpr=lpr)

    @classmethod
    def from_catalog(
        cls, catalog: LoadedCatalog, *, engine: EngineName = "compiled", lpr: LprSeries | None = None
    ) -> ProductCatalog:
        library = catalog.rules
        products = {}
        for code, spec in catalog.products.items():
            rules, missing = _resolve_rules(spec, library)
            products[code] = Product(spec, rules, engine=engine, lpr=lpr, missing=missing)
        return cls(products, catalog)

    @property
    def products(self) -> Mapping[str, Product]:
        return self._products

    @property
    def rules(self) -> RuleLibrary | None:
        return self.catalog.rules

    def product(self, code: str) -> Product:
        """The product with ``code``; :class:`NotFound` with a did-you-mean when there is none."""
        found = self._products.get(code)
        if found is None:
            hint, hint_zh = hint_for(code, self._products)
            raise NotFound(
                f"no product '{code}'" + (f"; {hint}" if hint else ""),
                field="product",
                message_zh=f"找不到产品 '{code}'" + (f"；{hint_zh}" if hint_zh else ""),
            )
        return found

    def check_status(self, code: str, status: Status | str) -> Product:
        """The product, if it may move to ``status`` now (:data:`STATUS_MOVES`; staying put is
        allowed); :class:`NotFound`, :class:`InvalidInput` or :class:`StateConflict` otherwise."""
        product = self.product(code)
        target = parse_status(status)
        current = product.spec.status
        if target is not current and target not in STATUS_MOVES[current]:
            allowed = ", ".join(sorted(s.value for s in STATUS_MOVES[current]))
            raise StateConflict(
                f"product {code} cannot go from {current.value} to {target.value} "
                f"(allowed: {allowed or 'none, offline is final'})",
                field="status",
                message_zh=f"产品 {code} 不能从{_STATUS_ZH[current]}变为{_STATUS_ZH[target]}"
                + (
                    f"（可变为：{'、'.join(_STATUS_ZH[s] for s in sorted(STATUS_MOVES[current]))}）"
                    if allowed
                    else "（已下线的产品不能再变更，请发布新版本）"
                ),
            )
        return product

    def set_status(self, code: str, status: Status | str, *, check: bool = True) -> Product:
        """Give product ``code`` a new publication status and return it.

        With ``check`` (the default) the move must be allowed by :data:`STATUS_MOVES`; without it
        the status is taken as given (restoring a status recorded earlier). The product is
        replaced in place, reusing its compiled rules.
        """
        product = self.check_status(code, status) if check else self.product(code)
        target = parse_status(status)
        if product.spec.status is target:
            return product
        changed = product.with_status(target)
        self._products[code] = changed  # one assignment: readers see the old or the new product
        return changed

    def sellable(self, day: date) -> list[Product]:
        """Products online and effective on ``day``."""
        return [p for p in self._products.values() if p.spec.is_sellable(day)]

    def __iter__(self) -> Iterator[Product]:
        return iter(self._products.values())

    def __len__(self) -> int:
        return len(self._products)

    def __contains__(self, code: object) -> bool:
        return code in self._products


_STATUS_ZH = {Status.draft: "草稿", Status.online: "上线", Status.paused: "暂停", Status.offline: "下线"}


def parse_status(value: Status | str) -> Status:
    """A publication status from its name; :class:`InvalidInput` naming the choices otherwise."""
    try:
        return Status(value)
    except ValueError:
        raise InvalidInput(
            f"'{value}' is not a product status: use draft, online, paused or offline",
            field="status",
            message_zh=f"'{value}' 不是产品状态：可选 draft、online、paused、offline",
        ) from None


def base_rate(
    spec: ProductSpec, term: int, amount: Decimal, lpr: LprSeries, day: date
) -> tuple[Decimal, list[tuple[str, Decimal]]]:
    """The product's own rate for this term and amount on ``day`` (the one the loan-terms builder
    starts from, :func:`loanfactory.terms.product_rate`), and its parts (index and spread, or fixed)."""
    rate = product_rate(spec, amount, term, day, lpr)
    if isinstance(spec.rate, FixedRate):
        return rate, [("fixed", rate)]
    assert isinstance(spec.rate, FloatingRate)
    index = lpr_on(lpr, spec.rate, day)
    return rate, [(f"lpr-{spec.rate.tenor.value}", index), ("product-spread", rate - index)]


CUSTOMER_KINDS: dict[Segment, CustomerKind] = {
    Segment.individual: "individual",
    Segment.sole_proprietor: "sole_proprietor",
    Segment.enterprise: "enterprise",
}
"""A product's first segment as the rules' ``product.kind``."""


def product_facts(spec: ProductSpec, term: int, amount: Decimal, lpr: LprSeries, day: date) -> ProductFacts:
    """What rules may read of ``spec`` for an application of ``amount`` over ``term`` on ``day``."""
    rate, _ = base_rate(spec, term, amount, lpr, day)
    ltvs = [c.max_ltv for c in spec.guarantee.collateral]
    tenor = spec.rate.tenor if isinstance(spec.rate, FloatingRate) else None
    extra: dict[str, Any] = {"lpr_tenor": tenor} if tenor is not None else {}
    return ProductFacts(
        code=spec.code,
        kind=CUSTOMER_KINDS[spec.segments[0]],
        min_amount=spec.amount.min,
        max_amount=spec.amount.max,
        min_term=spec.term.shortest,
        max_term=spec.term.longest,
        term_unit=spec.term.unit,
        base_rate=rate,
        rate_floor=spec.rate.floor,
        rate_cap=spec.rate.cap,
        max_ltv=max(ltvs) if ltvs else None,
        channels=tuple(c.value for c in spec.channels),
        segments=tuple(s.value for s in spec.segments),
        **extra,
    )


def _resolve_rules(
    spec: ProductSpec, library: RuleLibrary | None
) -> tuple[dict[str, Definition], dict[str, str]]:
    """The definitions a product names (ids from the rule files, inline mappings parsed), and the
    ids that no loaded rule file defines, by purpose."""
    resolved: dict[str, Definition] = {}
    missing: dict[str, str] = {}
    for purpose, ref in spec.rules.items():
        if isinstance(ref, str):
            if library is None or ref not in library.definitions:
                missing[purpose.value] = ref
            else:
                resolved[purpose.value] = library.get(ref)
            continue
        # written inline: the catalog has checked it with positions; parse it again to use it
        at = ("rules", purpose.value)
        document = Document(f"<{spec.code}>", {"rules": {purpose.value: ref}})
        definition, problems = parse_definition(ref, document, at, library=library)
        if definition is None:
            raise SpecError(diagnostics=problems)
        resolved[purpose.value] = definition
    return resolved, missing
