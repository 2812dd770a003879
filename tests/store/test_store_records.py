"""The product catalog, and personal data (masking and encryption at rest); see also test_store_archive."""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from store_entities import Owner, Widget
from store_support import START, Databases

from loanfactory.adapters.sql import PiiCipher, ProductStatus, SqlStore, verify_audit
from loanfactory.adapters.sql._schema import ProductVersionRow
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.pii import PiiLogFilter, mask_bank_card, mask_id_number, mask_phone, mask_text

ID = "110105199003071234"
PHONE = "13812345678"
CARD = "6222021234567890123"


# --- product catalog --------------------------------------------------------------------------

SPEC = "code: personal-loan\nversion: 2024.1\nrate: 4.35%\n"


def test_product_versions_are_immutable_and_their_status_history_is_kept(sql_store: SqlStore) -> None:
    t0 = START
    with sql_store.transaction() as tx:
        draft = tx.catalog.publish("personal-loan", "2024.1", SPEC, actor="pm-li", at=t0)
        assert draft.status == ProductStatus.draft
        assert tx.catalog.publish("personal-loan", "2024.1", SPEC, actor="pm-li") == draft  # idempotent
        with pytest.raises(StateConflict):
            tx.catalog.publish("personal-loan", "2024.1", SPEC + "# edited\n", actor="pm-li")
        tx.catalog.set_status(
            "personal-loan",
            "2024.1",
            "online",
            actor="lead-wang",
            reason="approved",
            at=t0 + timedelta(days=1),
        )
        tx.catalog.set_status(
            "personal-loan",
            "2024.1",
            ProductStatus.paused,
            actor="risk-zhao",
            reason="rate review",
            at=t0 + timedelta(days=2),
        )
        tx.catalog.set_status(
            "personal-loan", "2024.1", "online", actor="lead-wang", at=t0 + timedelta(days=3)
        )
        tx.catalog.set_status(
            "personal-loan", "2024.1", "offline", actor="lead-wang", at=t0 + timedelta(days=4)
        )
        with pytest.raises(StateConflict):
            tx.catalog.set_status("personal-loan", "2024.1", "online", actor="lead-wang")
        with pytest.raises(InvalidInput):
            tx.catalog.set_status("personal-loan", "2024.1", "archived", actor="lead-wang")
        with pytest.raises(NotFound):
            tx.catalog.set_status("personal-loan", "9.9", "online", actor="lead-wang")
        tx.catalog.publish("personal-loan", "2024.2", SPEC.replace("4.35", "3.95"), actor="pm-li", at=t0)
    with sql_store.transaction() as tx:
        history = tx.catalog.history("personal-loan", "2024.1")
        assert [(h.from_status, h.to_status, h.actor) for h in history] == [
            (None, "draft", "pm-li"),
            ("draft", "online", "lead-wang"),
            ("online", "paused", "risk-zhao"),
            ("paused", "online", "lead-wang"),
            ("online", "offline", "lead-wang"),
        ]
        assert history[2].reason == "rate review"
        assert history[2].at == t0 + timedelta(days=2)
        assert [v.version for v in tx.catalog.versions("personal-loan")] == ["2024.1", "2024.2"]
        assert [v.version for v in tx.catalog.versions("personal-loan", status="draft")] == ["2024.2"]
        assert tx.catalog.get("personal-loan", "2024.1").spec == SPEC
        assert tx.catalog.verify("personal-loan", "2024.1")
    assert verify_audit(sql_store) is None
    with sql_store.engine.begin() as connection:
        connection.execute(
            update(ProductVersionRow).values(spec="rate: 1%").where(ProductVersionRow.version == "2024.1")
        )
    with sql_store.transaction() as tx:
        assert not tx.catalog.verify("personal-loan", "2024.1")


# --- personal data ----------------------------------------------------------------------------


def test_masks() -> None:
    assert mask_id_number(ID) == "110***********1234"
    assert mask_phone(PHONE) == "138****5678"
    assert mask_bank_card(CARD) == "622202*********0123"
    assert mask_id_number("123") == "***"
    text_in = (
        f"客户 {ID} 手机 {PHONE}, +86 {PHONE} 卡号 {CARD}; 订单 app_2024010112345678901234 金额 12345.67"
    )
    masked = mask_text(text_in)
    assert ID not in masked
    assert PHONE not in masked
    assert CARD not in masked
    assert "110***********1234" in masked
    assert "138****5678" in masked
    assert "622202*********0123" in masked
    assert "app_2024010112345678901234" in masked
    assert "12345.67" in masked


def test_the_log_filter_masks_messages_and_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("loanfactory.test.pii")
    logger.addFilter(PiiLogFilter())
    with caplog.at_level(logging.INFO, logger="loanfactory.test.pii"):
        logger.info("verified %s by phone %s", ID, PHONE)
    assert caplog.messages == ["verified 110***********1234 by phone 138****5678"]


def _key() -> str:
    return base64.b64encode(bytes(range(32))).decode()


def test_personal_fields_are_encrypted_at_rest_and_still_found(sql_databases: Databases) -> None:
    url = sql_databases.url()
    cipher = PiiCipher.from_env({"LOANFACTORY_PII_KEY": _key()})
    assert cipher is not None
    assert "hidden" in repr(cipher)
    store = sql_databases.store(url, cipher=cipher)
    assert isinstance(store, SqlStore)
    owned = Widget(id="w1", owner_id="c1", owner=Owner(name="张三", id_number=ID, phone=PHONE))
    with store.transaction() as tx:
        tx.repo(Widget).add(owned)
    with store.engine.connect() as connection:
        raw = connection.execute(text("SELECT * FROM test_widget")).mappings().one()
    dumped = json.dumps(dict(raw), default=str, ensure_ascii=False)
    assert ID not in dumped
    assert PHONE not in dumped
    assert "张三" in dumped
    assert raw["owner__id_number"].startswith("hmac:")
    with store.transaction() as tx:
        assert tx.repo(Widget).get("w1").owner == owned.owner
        assert [w.id for w in tx.repo(Widget).list(**{"owner.id_number": ID})] == ["w1"]
    keyless = sql_databases.store(url, cipher=None)
    with keyless.transaction() as tx, pytest.raises(StateConflict) as refused:
        tx.repo(Widget).get("w1")
    assert "LOANFACTORY_PII_KEY" in refused.value.message
    other = sql_databases.store(url, cipher=PiiCipher(bytes(32)))
    with other.transaction() as tx, pytest.raises(StateConflict):
        tx.repo(Widget).get("w1")


def test_a_ciphertext_moved_to_another_row_does_not_decrypt(sql_databases: Databases) -> None:
    cipher = PiiCipher(bytes(range(32)))
    store = sql_databases.store(cipher=cipher)
    assert isinstance(store, SqlStore)
    with store.transaction() as tx:
        tx.repo(Widget).add(Widget(id="a", owner_id="c", owner=Owner(name="a", id_number=ID)))
        tx.repo(Widget).add(
            Widget(id="b", owner_id="c", owner=Owner(name="b", id_number="310105199003071234"))
        )
    with store.engine.begin() as connection:
        body_a = connection.execute(text("SELECT body FROM test_widget WHERE id = 'a'")).scalar_one()
        body_b = connection.execute(text("SELECT body FROM test_widget WHERE id = 'b'")).scalar_one()
        a = json.loads(body_a) if isinstance(body_a, str) else body_a
        b = json.loads(body_b) if isinstance(body_b, str) else body_b
        b["owner"]["id_number"] = a["owner"]["id_number"]
        connection.execute(text("UPDATE test_widget SET body = :b WHERE id = 'b'"), {"b": json.dumps(b)})
    with store.transaction() as tx, pytest.raises(StateConflict):
        tx.repo(Widget).get("b")


def test_plain_values_written_before_encryption_stay_readable(sql_databases: Databases) -> None:
    url = sql_databases.url()
    plain = sql_databases.store(url, cipher=None)
    with plain.transaction() as tx:
        tx.repo(Widget).add(Widget(id="w1", owner_id="c", owner=Owner(name="a", id_number=ID)))
    sealed = sql_databases.store(url, cipher=PiiCipher(bytes(range(32))))
    with sealed.transaction() as tx:
        assert tx.repo(Widget).get("w1").owner == Owner(name="a", id_number=ID)


def test_bad_keys_are_refused() -> None:
    assert PiiCipher.from_env({}) is None
    with pytest.raises(InvalidInput):
        PiiCipher.from_env({"LOANFACTORY_PII_KEY": "c2hvcnQ="})
    with pytest.raises(InvalidInput):
        PiiCipher.from_env({"LOANFACTORY_PII_KEY": "not base64 !"})
    assert PiiCipher.from_env({"LOANFACTORY_PII_KEY": bytes(range(32)).hex()}) is not None


def test_urls_in_reprs_hide_the_password(sql_store: SqlStore) -> None:
    from loanfactory.adapters.sql import mask_url

    assert repr(sql_store).startswith("SqlStore(")
    assert mask_url("postgresql://lf:secret@db:5432/lf") == "postgresql://lf:***@db:5432/lf"
