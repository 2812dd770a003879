"""The campaign methods of :class:`~._service_backend.ServiceBackend` (营销活动).

Marketing launches, pauses and resumes campaigns through the origination service's commands (each
one audited and idempotent there) and reads the effect report of
:func:`loanfactory.reporting.campaign_effect`; nothing here counts or decides anything itself.
"""

from __future__ import annotations

from typing import Any

from loanfactory.adapters.http._models import CampaignCreate
from loanfactory.errors import NotFound
from loanfactory.lender import Lender
from loanfactory.origination import Campaign
from loanfactory.reporting import campaign_effect


class CampaignMethods:
    lender: Lender

    def list_campaigns(self, *, status: str | None) -> list[Campaign]:
        where = {"status": status} if status else {}
        found: list[Campaign] = self.lender.origination.list(Campaign, **where)
        return sorted(found, key=lambda c: c.code)

    def get_campaign(self, code: str) -> Campaign:
        found: list[Campaign] = self.lender.origination.list(Campaign, code=code)
        if not found:
            raise NotFound(f"no campaign '{code}'", field="code", message_zh=f"没有活动 '{code}'")
        return found[0]

    def launch_campaign(self, request: CampaignCreate, *, actor: str, key: str) -> Campaign:
        launched: Campaign = self.lender.origination.launch_campaign(
            request.model_dump(), idempotency_key=key, actor=actor
        )
        return launched

    def set_campaign_status(
        self, code: str, status: str, *, reason: str | None, actor: str, key: str
    ) -> Campaign:
        changed: Campaign = self.lender.origination.set_campaign_status(
            code, status, reason=reason, idempotency_key=key, actor=actor
        )
        return changed

    def campaign_effect(self, code: str, *, attribution_days: int) -> dict[str, Any]:
        effect = campaign_effect(self.lender.store, code, attribution_days=attribution_days)
        return effect.model_dump(mode="json") | {"attribution_days": attribution_days}
