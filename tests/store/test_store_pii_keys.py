"""PII keys: several keys (newest encrypts, all decrypt and match), rotation rewrites everything
under the newest key, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from store_entities import Owner, Widget
from store_support import Databases

from loanfactory.adapters.sql import PiiCipher, SqlStore, rotate_pii_key
from loanfactory.adapters.sql._crypto import key_id
from loanfactory.errors import InvalidInput, StateConflict

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "origination"))
from orig_samples import individual  # noqa: E402

OLD, NEW = bytes(range(32)), bytes(range(100, 132))
ID_A, ID_B, ID_C = "110105199003071234", "310105198512120011", "440305200001010022"
PHONE = "13812345678"


def _widget(id: str, number: str) -> Widget:
    return Widget(id=id, owner_id="c", owner=Owner(name="张三", id_number=number, phone=PHONE))


def _raw(store: SqlStore) -> dict[str, dict[str, Any]]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, body, owner__id_number FROM test_widget")).mappings().all()
    out = {}
    for row in rows:
        body = row["body"] if isinstance(row["body"], dict) else json.loads(row["body"])
        out[row["id"]] = {"body": body, "blind": row["owner__id_number"]}
    return out


def _sql(databases: Databases, url: str, cipher: PiiCipher | None) -> SqlStore:
    store = databases.store(url, cipher=cipher)
    assert isinstance(store, SqlStore)
    return store


def test_the_newest_key_encrypts_and_every_key_decrypts_and_finds(sql_databases: Databases) -> None:
    url = sql_databases.url()
    old = _sql(sql_databases, url, PiiCipher(OLD))
    with old.transaction() as tx:
        tx.repo(Widget).add(_widget("w1", ID_A))
    both = _sql(sql_databases, url, PiiCipher([NEW, OLD]))
    with both.transaction() as tx:
        tx.repo(Widget).add(_widget("w2", ID_B))
        assert tx.repo(Widget).get("w1").owner.id_number == ID_A
        assert [w.id for w in tx.repo(Widget).list(**{"owner.id_number": ID_A})] == ["w1"]  # old hash found
        assert [w.id for w in tx.repo(Widget).list(**{"owner.id_number": ID_B})] == ["w2"]
    raw = _raw(both)
    assert raw["w1"]["body"]["owner"]["id_number"].startswith(f"enc:v2:{key_id(OLD)}:")
    assert raw["w2"]["body"]["owner"]["id_number"].startswith(f"enc:v2:{key_id(NEW)}:")
    new_only = _sql(sql_databases, url, PiiCipher(NEW))
    with new_only.transaction() as tx, pytest.raises(StateConflict) as refused:
        tx.repo(Widget).get("w1")
    assert key_id(OLD) in refused.value.message  # names the key that is missing, not the data


def test_rotation_rewrites_old_keys_and_plain_values_and_look_ups_follow(sql_databases: Databases) -> None:
    url = sql_databases.url()
    plain = _sql(sql_databases, url, None)
    with plain.transaction() as tx:
        tx.repo(Widget).add(_widget("w0", ID_C))  # written before encryption was switched on
    old = _sql(sql_databases, url, PiiCipher(OLD))
    with old.transaction() as tx:
        tx.repo(Widget).add(_widget("w1", ID_A))
        tx.repo(Widget).add(_widget("w2", ID_B))
        tx.repo(Widget).add(Widget(id="w3", owner_id="c"))  # no personal data at all
    versions = {w: _version(old, w) for w in ("w0", "w1", "w2")}
    rotating = _sql(sql_databases, url, PiiCipher([NEW, OLD]))

    looked = rotate_pii_key(rotating, dry_run=True)
    assert looked.values[key_id(OLD)] == 4  # id number and phone of w1, w2
    assert looked.values["plain"] == 2
    assert looked.left_behind == 6
    assert sum(looked.rewritten.values()) == 0
    assert _raw(rotating)["w1"]["body"]["owner"]["id_number"].startswith(f"enc:v2:{key_id(OLD)}:")

    done = rotate_pii_key(rotating, batch=2)  # several batches
    assert done.rewritten["test_widget"] == 3
    assert done.changed_meanwhile == 0
    raw = _raw(rotating)
    dumped = json.dumps(raw, ensure_ascii=False)
    assert ID_A not in dumped
    assert ID_C not in dumped
    assert PHONE not in dumped
    assert key_id(OLD) not in dumped
    assert {w: _version(rotating, w) for w in versions} == versions  # the entities did not change
    after = rotate_pii_key(rotating, dry_run=True)
    assert after.left_behind == 0
    assert after.values[key_id(NEW)] == 6

    new_only = _sql(sql_databases, url, PiiCipher(NEW))  # the old key can go now
    with new_only.transaction() as tx:
        assert tx.repo(Widget).get("w0").owner.id_number == ID_C
        assert tx.repo(Widget).get("w1").owner == Owner(name="张三", id_number=ID_A, phone=PHONE)
        for number, wid in ((ID_A, "w1"), (ID_B, "w2"), (ID_C, "w0")):
            assert [w.id for w in tx.repo(Widget).list(**{"owner.id_number": number})] == [wid]


def _version(store: SqlStore, id: str) -> int:
    with store.engine.connect() as connection:
        return int(
            connection.execute(text("SELECT version FROM test_widget WHERE id = :i"), {"i": id}).scalar_one()
        )


def test_values_sealed_before_key_ids_still_decrypt_and_are_rotated(sql_databases: Databases) -> None:
    url = sql_databases.url()
    store = _sql(sql_databases, url, PiiCipher(OLD))
    with store.transaction() as tx:
        tx.repo(Widget).add(_widget("w1", ID_A))
    nonce = os.urandom(12)
    context = "test_widget/w1/owner.id_number"  # how the mapping binds a value to its place
    legacy = (
        "enc:v1:"
        + base64.b64encode(
            nonce + AESGCM(OLD).encrypt(nonce, json.dumps(ID_A).encode(), context.encode())
        ).decode()
    )
    body = _raw(store)["w1"]["body"]
    body["owner"]["id_number"] = legacy
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE test_widget SET body = :b WHERE id = 'w1'"), {"b": json.dumps(body)})
    rotating = _sql(sql_databases, url, PiiCipher([NEW, OLD]))
    with rotating.transaction() as tx:
        assert tx.repo(Widget).get("w1").owner.id_number == ID_A
    assert rotate_pii_key(rotating, dry_run=True).values["enc:v1"] == 1
    rotate_pii_key(rotating)
    assert _raw(rotating)["w1"]["body"]["owner"]["id_number"].startswith(f"enc:v2:{key_id(NEW)}:")


def test_rotating_without_a_key_is_refused(sql_databases: Databases) -> None:
    with pytest.raises(StateConflict):
        rotate_pii_key(_sql(sql_databases, sql_databases.url(), None))


def test_key_lists_from_the_environment() -> None:
    listed = PiiCipher.from_env({"LOANFACTORY_PII_KEY": f"{NEW.hex()}, {base64.b64encode(OLD).decode()}"})
    assert listed is not None
    assert listed.key_ids == (key_id(NEW), key_id(OLD))
    assert "2 key(s) hidden" in repr(listed)
    assert NEW.hex() not in repr(listed)
    assert PiiCipher.from_env({"LOANFACTORY_PII_KEY": " , "}) is None
    with pytest.raises(InvalidInput, match="key 2"):
        PiiCipher.from_env({"LOANFACTORY_PII_KEY": f"{NEW.hex()},short"})
    with pytest.raises(InvalidInput):
        PiiCipher([])


def test_the_cli_rotates_and_says_when_an_old_key_can_go(tmp_path: Path) -> None:
    from loanfactory.cli import cli

    url = f"sqlite:///{tmp_path / 'lf.db'}"
    _register_a_customer(url, OLD)
    runner = CliRunner()
    both = {"LOANFACTORY_PII_KEY": f"{NEW.hex()},{OLD.hex()}"}
    keyless = runner.invoke(cli, ["db", "rotate-pii-key", "--db", url], env={"LOANFACTORY_PII_KEY": ""})
    assert keyless.exit_code == 2
    assert "LOANFACTORY_PII_KEY" in keyless.output
    dry = runner.invoke(cli, ["db", "rotate-pii-key", "--db", url, "--dry-run"], env=both)
    assert dry.exit_code == 1, dry.output
    assert json.loads(dry.output)["values_by_key"][key_id(OLD)] >= 2  # ID number and phone
    done = runner.invoke(cli, ["db", "rotate-pii-key", "--db", url], env=both)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["rows_rewritten"]["customer"] == 1
    only_new = {"LOANFACTORY_PII_KEY": NEW.hex()}
    again = runner.invoke(cli, ["db", "rotate-pii-key", "--db", url, "--dry-run"], env=only_new)
    assert again.exit_code == 0, again.output
    assert set(json.loads(again.output)["values_by_key"]) == {key_id(NEW)}
    server = _server(url, NEW)  # the server finds the customer by ID number under the new key alone
    customer = server.origination.find_customer(individual().id_number)
    assert customer is not None


def _server(url: str, key: bytes) -> Any:
    from loanfactory.adapters.http._wiring import ServerSettings, build_server

    return build_server(
        ServerSettings(
            simulate=True,
            db=url,
            products=ROOT / "products",
            rules=ROOT / "rules",
            relay_interval=0,
            environ={"LOANFACTORY_PII_KEY": key.hex(), "LOANFACTORY_API_KEYS": "a:admin:lf_a"},
        )
    )


def _register_a_customer(url: str, key: bytes) -> None:
    server = _server(url, key)
    server.origination.register_customer(individual(), idempotency_key="reg-1")
    server.lender.store.dispose()
