"""Review duties over HTTP: the reviewer's role comes from the credential, the filer is the caller
who filed, and the service's one duty check answers 403 with the rule that refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from http_live import Live, application_body, live_server, person

ZHOU = person("周静")  # consumer_credit 60000 x 24: manual review


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    running = live_server(f"sqlite:///{tmp_path / 'duties.db'}")
    yield running
    running.server.stop.set()


def test_an_officer_who_filed_may_not_review_and_a_plain_officer_does_no_second_review(live: Live) -> None:
    customer = live.customer(ZHOU, "lf_zhou")
    filed = live.ok(
        live.client.post(
            "/v1/applications",
            headers=live.as_("officer", key="branch-1"),
            json={**application_body(ZHOU), "customer_id": customer},
        ),
        201,
    )
    first = filed["task"]["id"]
    own = live.client.post(f"/v1/review-tasks/{first}/claim", headers=live.as_("officer", lang="zh"))
    assert own.status_code == 403, own.text
    assert own.json()["code"] == "duty-filer"
    assert "不得审核" in own.json()["detail"]

    live.ok(live.client.post(f"/v1/review-tasks/{first}/claim", headers=live.as_("risk")))
    second = live.ok(
        live.client.post(f"/v1/review-tasks/{first}/approve", headers=live.as_("risk"), json={})
    )["next_task"]["id"]
    plain = live.client.post(f"/v1/review-tasks/{second}/claim", headers=live.as_("officer"))
    assert plain.status_code == 403
    assert plain.json()["code"] == "duty-role"
    again = live.client.post(f"/v1/review-tasks/{second}/claim", headers=live.as_("risk"))
    assert (again.status_code, again.json()["code"]) == (403, "four-eyes")
    live.ok(live.client.post(f"/v1/review-tasks/{second}/claim", headers=live.as_("senior")))
    done = live.ok(
        live.client.post(f"/v1/review-tasks/{second}/approve", headers=live.as_("senior"), json={})
    )
    assert done["offer"] is not None
