"""Product query, comparison and recommendation on the origination service (产品查询、对比与推荐)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from loanfactory.money import to_money
from loanfactory.origination import _catalog_query as catalog_query
from loanfactory.origination._catalog_query import (
    ComparisonRow,
    Need,
    ProductFilter,
    ProductSummary,
    Recommendation,
)
from loanfactory.origination._customer import Customer
from loanfactory.origination._factsheet import need_facts
from loanfactory.origination._service_base import ServiceBase
from loanfactory.origination._values import StepReason, parse_input
from loanfactory.spec import ProductSpec, Segment


class ProductQueries(ServiceBase):
    """The read side over the catalog."""

    # --- product query, comparison, recommendation ------------------------------------------

    def find_products(self, wanted: ProductFilter | Mapping[str, Any] | None = None) -> list[ProductSummary]:
        """Products on sale today matching the filter, cheapest first (产品查询)."""
        parsed = parse_input(ProductFilter, wanted or {}, field="filter")
        return catalog_query.find_products(self.specs, parsed, self.clock.today(), self.settings.lpr)

    def compare(
        self, codes: Sequence[str], *, amount: Decimal | str | int, term: int, lang: str = "zh"
    ) -> list[ComparisonRow]:
        """Quote up to ``settings.compare_max`` products for the same amount and term (产品对比)."""
        return catalog_query.compare(
            self.specs,
            list(codes),
            amount=to_money(amount),
            term=term,
            day=self.clock.today(),
            lpr=self.settings.lpr,
            limit=self.settings.compare_max,
            lang=lang,
        )

    def recommend(self, customer_id: str, need: Need | Mapping[str, Any]) -> list[Recommendation]:
        """Products ranked for this customer's profile and need, ineligible ones last with why (产品推荐)."""
        parsed = parse_input(Need, need, field="need")
        with self.store.transaction() as tx:
            customer = tx.repo(Customer).get(customer_id)
        day = self.clock.today()

        def screen(spec: ProductSpec, wanted: Need) -> tuple[StepReason, ...]:
            return self.screener(spec, need_facts(customer, spec, wanted, self.settings.lpr, day))

        return catalog_query.recommend(
            self.specs,
            Segment(customer.type.value),
            parsed,
            day=day,
            lpr=self.settings.lpr,
            screen=screen,
            lang=customer.language,
        )
