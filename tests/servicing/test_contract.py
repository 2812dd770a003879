"""E-contracts: rendering, required clauses, signatures and the tamper-evident signing trail."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from servicing_world import World, product

from loanfactory.audit import verify_chain
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import SignatureMethod
from loanfactory.servicing import (
    BASE_CLAUSES,
    Contract,
    ContractStatus,
    Loan,
    LoanStatus,
    ServicingConfig,
    required_clauses,
    rmb_upper,
)
from loanfactory.servicing._contract import sha256_text


def test_contract_has_every_clause_and_the_schedule(world: World) -> None:
    contract = world.servicing.open_loan(world.request(), key="open-1")
    assert contract.status is ContractStatus.draft
    assert set(BASE_CLAUSES) <= set(contract.clauses)
    assert "壹万元整" in contract.body
    assert "**************8512" in contract.body
    assert "110101199003078512" not in contract.body
    assert "12.68%" in contract.body  # the APR of the offer
    assert "888.49" in contract.body
    assert "888.47" in contract.body
    assert "上浮 50%" in contract.body
    assert "宽限期为 3 天" in contract.body
    assert contract.sha256 == sha256_text(contract.body)
    loan = world.servicing.loan(contract.loan_id)
    assert loan.status is LoanStatus.drafted
    assert loan.contract_id == contract.id


def test_english_translation_is_rendered_when_asked(world: World) -> None:
    contract = world.servicing.open_loan(world.request(languages=("zh", "en")), key="open-en")
    assert contract.language == "zh"
    english = contract.translations["en"]
    assert "Loan Agreement" in english
    assert "penalty interest" in english
    assert "CNY 10000.00" in english


def test_replaying_the_open_command_returns_the_same_contract(world: World) -> None:
    first = world.servicing.open_loan(world.request(), key="open-1")
    again = world.servicing.open_loan(world.request(), key="open-1")
    assert again == first
    with world.store.transaction() as tx:
        assert len(tx.repo(Loan).list(customer_id="cust-1")) == 1
    with pytest.raises(StateConflict, match="different request"):
        world.servicing.open_loan(world.request(amount=Decimal("20000")), key="open-1")


def test_a_template_missing_a_required_clause_is_refused(tmp_path: Path) -> None:
    (tmp_path / "thin.zh.txt").write_text(
        '{% extends "default.zh.txt" %}{% block clause_penalty %}{% endblock %}', encoding="utf-8"
    )
    spec = product("consumer_credit")
    thin = spec.model_copy(update={"contract": spec.contract.model_copy(update={"template": "thin"})})
    world = World(products={"consumer_credit": thin}, config=ServicingConfig(template_dirs=(str(tmp_path),)))
    with pytest.raises(StateConflict, match="penalty") as caught:
        world.servicing.open_loan(world.request(), key="open-thin")
    assert caught.value.code == "clause-missing"
    with world.store.transaction() as tx:  # nothing half-written
        assert tx.repo(Loan).list(customer_id="cust-1") == []


def test_a_product_can_require_an_extra_clause(tmp_path: Path) -> None:
    spec = product("consumer_credit")
    strict = spec.model_copy(
        update={"contract": spec.contract.model_copy(update={"required_clauses": ("guarantee",)})}
    )
    assert "guarantee" in required_clauses(strict)
    world = World(products={"consumer_credit": strict})
    with pytest.raises(StateConflict, match="guarantee"):
        world.servicing.open_loan(world.request(), key="open-strict")
    (tmp_path / "withguarantee.zh.txt").write_text(
        '{% extends "default.zh.txt" %}{% block extra_clauses %}{% block clause_guarantee %}'
        "第十条 担保：无。{% endblock %}{% endblock %}",
        encoding="utf-8",
    )
    with_template = strict.model_copy(
        update={"contract": strict.contract.model_copy(update={"template": "withguarantee"})}
    )
    world = World(
        products={"consumer_credit": with_template}, config=ServicingConfig(template_dirs=(str(tmp_path),))
    )
    contract = world.servicing.open_loan(world.request(), key="open-ok")
    assert "guarantee" in contract.clauses
    assert "担保：无" in contract.body


def test_an_undefined_value_in_a_template_is_an_error_not_a_blank(tmp_path: Path) -> None:
    (tmp_path / "typo.zh.txt").write_text(
        '{% extends "default.zh.txt" %}{% block header %}{{ prodcut_name }}{% endblock %}', encoding="utf-8"
    )
    spec = product("consumer_credit")
    typo = spec.model_copy(update={"contract": spec.contract.model_copy(update={"template": "typo"})})
    world = World(products={"consumer_credit": typo}, config=ServicingConfig(template_dirs=(str(tmp_path),)))
    with pytest.raises(InvalidInput, match="prodcut_name"):
        world.servicing.open_loan(world.request(), key="open-typo")


def test_an_unknown_template_is_named(world: World) -> None:
    spec = product("consumer_credit")
    world.products["consumer_credit"] = spec.model_copy(
        update={"contract": spec.contract.model_copy(update={"template": "nope"})}
    )
    with pytest.raises(InvalidInput, match=r"nope\.zh\.txt"):
        world.servicing.open_loan(world.request(), key="open-nope")


def test_html_templates_are_autoescaped(tmp_path: Path) -> None:
    (tmp_path / "web.zh.html").write_text(
        "<p>{{ borrower.name }}</p>"
        + "".join(f"{{% block clause_{c} %}}<p>{c}</p>{{% endblock %}}" for c in BASE_CLAUSES),
        encoding="utf-8",
    )
    spec = product("consumer_credit")
    web = spec.model_copy(update={"contract": spec.contract.model_copy(update={"template": "web"})})
    world = World(products={"consumer_credit": web}, config=ServicingConfig(template_dirs=(str(tmp_path),)))
    contract = world.servicing.open_loan(world.request(borrower_name="<script>x</script>"), key="open-web")
    assert "&lt;script&gt;" in contract.body
    assert "<script>" not in contract.body


def test_signing_needs_every_party_and_records_a_verifiable_trail(world: World) -> None:
    contract = world.servicing.open_loan(world.request(), key="open-1")
    signed = world.servicing.sign_contract(
        contract.id, signer="cust-1", role="borrower", method=SignatureMethod.face, key="sign-b"
    )
    assert signed.status is ContractStatus.draft
    assert len(signed.signatures) == 1
    with pytest.raises(StateConflict, match="already signed"):
        world.servicing.sign_contract(
            contract.id, signer="cust-1", role="borrower", method=SignatureMethod.face, key="sign-b2"
        )
    with pytest.raises(InvalidInput, match="not a party"):
        world.servicing.sign_contract(
            contract.id, signer="x", role="notary", method=SignatureMethod.face, key="sign-x"
        )
    done = world.servicing.sign_contract(
        contract.id, signer="bank", role="lender", method=SignatureMethod.ca_certificate, key="sign-l"
    )
    assert done.status is ContractStatus.signed
    assert all(world.signer.verify(s) and s.document_sha256 == done.sha256 for s in done.signatures)
    assert world.servicing.loan(contract.loan_id).status is LoanStatus.signed
    assert world.servicing.verify_contract(contract.id) == []
    links = [r for r in world.store.audit_records() if r.subject == contract.id]
    commands = [r.action for r in links if r.after is not None and "command" in r.after]
    assert commands == ["contract.drafted", "contract.sign", "contract.sign"]  # every command is a link
    actions = [r.action for r in links if r.after is None or "command" not in r.after]
    assert actions == ["contract.drafted", "contract.signature", "contract.signature", "contract.signed"]
    assert verify_chain(world.store.audit_records()) is None
    with pytest.raises(StateConflict):
        world.servicing.sign_contract(
            contract.id, signer="g", role="borrower", method=SignatureMethod.face, key="s3"
        )


def test_tampering_with_the_trail_or_a_signature_is_detected(world: World) -> None:
    loan_id = world.signed()
    contract_id = world.servicing.loan(loan_id).contract_id
    assert contract_id is not None
    records = [r for r in world.store.audit_records() if r.action == "contract.signature"]
    world.store.tamper_audit(records[0].sequence, actor="someone-else")
    problems = world.servicing.verify_contract(contract_id)
    assert any("audit chain broken" in p for p in problems)
    with world.store.transaction() as tx:
        contract = tx.repo(Contract).get(contract_id)
        forged = contract.signatures[0].model_copy(update={"signer": "mallory"})
        tx.repo(Contract).update(
            contract.evolve(signatures=(forged, *contract.signatures[1:]), body=contract.body + "x")
        )
    problems = world.servicing.verify_contract(contract_id)
    assert any("SHA-256" in p for p in problems)
    assert any("mallory" in p for p in problems)


def test_a_changed_text_cannot_be_signed(world: World) -> None:
    contract = world.servicing.open_loan(world.request(), key="open-1")
    with world.store.transaction() as tx:
        tx.repo(Contract).update(tx.repo(Contract).get(contract.id).evolve(body="改过的合同"))
    with pytest.raises(StateConflict) as caught:
        world.servicing.sign_contract(
            contract.id, signer="cust-1", role="borrower", method=SignatureMethod.face, key="sign-1"
        )
    assert caught.value.code == "contract-tampered"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "零元整"),
        ("10000", "壹万元整"),
        ("10000.50", "壹万元零伍角"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("100000000", "壹亿元整"),
        ("120034.56", "壹拾贰万零叁拾肆元伍角陆分"),
        ("10010", "壹万零壹拾元整"),
        ("0.05", "伍分"),
    ],
)
def test_amounts_in_chinese_capitals(amount: str, text: str) -> None:
    assert rmb_upper(Decimal(amount)) == text


def test_bad_requests_are_refused_before_anything_is_written(world: World) -> None:
    with pytest.raises(InvalidInput, match="amount"):
        world.servicing.open_loan(world.request(amount=Decimal("500")), key="small")
    from loanfactory.conventions import RepaymentMethod

    with pytest.raises(InvalidInput, match="method"):
        world.servicing.open_loan(world.request(method=RepaymentMethod.bullet), key="bullet")
    with pytest.raises(InvalidInput, match="idempotency"):
        world.servicing.open_loan(world.request(), key="")
