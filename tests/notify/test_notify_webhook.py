"""Webhooks: signed POSTs verified by a real local server; retries and failures reach the relay."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from notify_samples import SAMPLES

from loanfactory.adapters.notify import (
    DELIVERY_HEADER,
    WEBHOOK_SIGNATURE_HEADER,
    TemplateBook,
    WebhookNotifier,
    sign_payload,
    verify_signature,
)
from loanfactory.ports import Channel, Notification

SECRET = "whsec_test"


class Receiver:
    """A bank's webhook endpoint on loopback: verifies signatures, answers with scripted statuses."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[dict[str, object]] = []
        self.verified: list[bool] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.verified.append(
                    verify_signature(SECRET, body, self.headers[WEBHOOK_SIGNATURE_HEADER])
                )
                receiver.received.append(
                    {"body": json.loads(body), "delivery": self.headers[DELIVERY_HEADER]}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/loanfactory"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _note(book: TemplateBook) -> Notification:
    return book.compose(
        "risk_notice",
        recipient="risk-team",
        channel=Channel.webhook,
        data=SAMPLES["risk_notice"],
        dedup_key="w1",
    )


def _notifier(url: str, **kwargs: object) -> WebhookNotifier:
    sleeps: list[float] = []
    notifier = WebhookNotifier(url, SECRET, sleep=sleeps.append, **kwargs)  # type: ignore[arg-type]
    notifier.sleeps = sleeps  # type: ignore[attr-defined]
    return notifier


def test_a_delivery_is_signed_and_carries_the_notification(book: TemplateBook, receiver: Receiver) -> None:
    notifier = _notifier(receiver.url)
    receipt = notifier.send(_note(book))
    notifier.close()
    assert receipt.delivered
    assert receiver.verified == [True]
    payload = receiver.received[0]
    assert payload["delivery"] == "w1"
    assert Notification.model_validate(payload["body"]["notification"]) == _note(book)  # type: ignore[index]


def test_server_errors_are_retried_with_backoff(book: TemplateBook, receiver: Receiver) -> None:
    receiver.statuses = [503, 500]
    notifier = _notifier(receiver.url, attempts=3, backoff=0.25)
    assert notifier.send(_note(book)).delivered
    assert len(receiver.received) == 3
    assert notifier.sleeps == [0.25, 0.5]  # type: ignore[attr-defined]
    assert all(receiver.verified)


def test_retries_that_run_out_are_a_failed_receipt(book: TemplateBook, receiver: Receiver) -> None:
    receiver.statuses = [500, 502]
    receipt = _notifier(receiver.url, attempts=2).send(_note(book))
    assert not receipt.delivered
    assert receipt.error == "webhook failed after 2 attempts: HTTP 502"


def test_a_client_error_is_not_retried(book: TemplateBook, receiver: Receiver) -> None:
    receiver.statuses = [400]
    receipt = _notifier(receiver.url).send(_note(book))
    assert receipt.error == "webhook refused: HTTP 400"
    assert len(receiver.received) == 1


def test_an_unreachable_endpoint_is_a_failed_receipt(book: TemplateBook, receiver: Receiver) -> None:
    url = receiver.url
    receiver.server.shutdown()
    receiver.server.server_close()
    receipt = _notifier(url, attempts=2, timeout=1.0).send(_note(book))
    assert not receipt.delivered
    assert receipt.error is not None
    assert receipt.error.startswith("webhook failed after 2 attempts: ConnectError")


def test_signatures_refuse_tampering_stale_timestamps_and_wrong_secrets() -> None:
    body = b'{"a":1}'
    header = sign_payload(SECRET, 1_700_000_000, body)
    assert verify_signature(SECRET, body, header, now=1_700_000_100)
    assert not verify_signature(SECRET, b'{"a":2}', header, now=1_700_000_100)
    assert not verify_signature(SECRET, body, header, now=1_700_000_301)
    assert not verify_signature("other", body, header, now=1_700_000_000)
    assert verify_signature(["old", SECRET], body, header, now=1_700_000_000)  # rotation
    for broken in (None, "", "v1=abc", "t=x,v1=abc", header.replace("v1=", "v0=")):
        assert not verify_signature(SECRET, body, broken, now=1_700_000_000)


def test_a_webhook_needs_a_secret_and_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookNotifier("http://127.0.0.1:9/", "")
    with pytest.raises(ValueError, match="attempts"):
        WebhookNotifier("http://127.0.0.1:9/", SECRET, attempts=0)
