"""Contracts and their signatures (合同生成与签署): open a loan from an accepted offer, sign it.

The signing trail — drafting, every signature, completion — is written to the hash-chained audit
log, so editing any record afterwards is detected by :func:`loanfactory.audit.verify_chain`.
"""

from __future__ import annotations

from loanfactory.audit import verify_chain
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import SignatureMethod, Transaction
from loanfactory.servicing._contract import (
    LoanRequest,
    contract_context,
    required_clauses,
    sha256_text,
)
from loanfactory.servicing._core import Context, loan_in
from loanfactory.servicing._loan import AllocationPolicy, Loan, LoanStatus
from loanfactory.servicing._records import Contract, ContractStatus
from loanfactory.servicing._terms import contract_rows
from loanfactory.spec import ProductSpec
from loanfactory.terms import check_allowed


def allocation_for(ctx: Context, product_code: str) -> AllocationPolicy:
    chosen = ctx.config.allocation_by_product.get(product_code, ctx.config.allocation)
    return chosen if isinstance(chosen, AllocationPolicy) else AllocationPolicy()


def open_loan(ctx: Context, request: LoanRequest, *, key: str, actor: str = "system") -> Contract:
    """Draw up the contract of an accepted offer and open the loan awaiting signatures (生成合同)."""
    product = ctx.product(request.product_code)
    _check_request(product, request)
    terms = request.terms.evolve(allocation=allocation_for(ctx, product.code))
    schedule, rows = contract_rows(terms)

    def body(tx: Transaction) -> tuple[str, Contract]:
        loan_id = ctx.ids.new("loan")
        contract_id = ctx.ids.new("ctr")
        languages = request.languages or product.contract.languages
        rendered = [
            ctx.renderer.render(
                product,
                contract_context(
                    product,
                    request,
                    schedule,
                    rows,
                    terms,
                    contract_no=contract_id,
                    drafted_on=ctx.clock.today(),
                    lender_name=ctx.config.lender_name,
                    language=lang,
                ),
                lang,
                required_clauses(product),
            )
            for lang in languages
        ]
        binding = rendered[0]
        loan = Loan(
            id=loan_id,
            customer_id=request.customer_id,
            product_code=product.code,
            product_version=terms.product_version,
            contract_id=contract_id,
            credit_line_id=request.credit_line_id,
            offer_id=request.offer_id,
            amount=request.amount,
            term=request.term,
            method=request.method,
            terms=terms,
            account=request.account,
            account_name=request.account_name,
            schedule=rows,
            purpose=request.purpose,
            payee=request.payee,
            payee_account=request.payee_account,
            payee_category=request.payee_category,
            payout_account_id=request.payout_account_id,
            payee_account_id=request.payee_account_id,
        )
        contract = Contract(
            id=contract_id,
            loan_id=loan_id,
            customer_id=request.customer_id,
            product_code=product.code,
            product_version=terms.product_version,
            template=product.contract.template,
            language=binding.language,
            body=binding.body,
            sha256=binding.sha256,
            clauses=binding.clauses,
            translations={r.language: r.body for r in rendered[1:]},
            created_at=ctx.clock.now(),
        )
        tx.repo(Loan).add(loan)
        stored = tx.repo(Contract).add(contract)
        tx.audit.append(
            actor=actor,
            action="contract.drafted",
            subject=contract_id,
            at=ctx.clock.now(),
            after={"loan_id": loan_id, "sha256": binding.sha256, "clauses": list(binding.clauses)},
        )
        return contract_id, stored

    return ctx.run(
        name="contract.drafted", key=key, arguments=request, result_type=Contract, body=body, actor=actor
    )


def sign_contract(
    ctx: Context, contract_id: str, *, signer: str, role: str, method: SignatureMethod, key: str
) -> Contract:
    """Add a party's signature (签署); the contract is signed once every required role has signed."""

    def body(tx: Transaction) -> tuple[str, Contract]:
        contract = tx.repo(Contract).lock(contract_id)
        if contract.status is not ContractStatus.draft:
            raise StateConflict(
                f"contract {contract_id} is {contract.status}",
                field="contract_id",
                message_zh=f"合同 {contract_id} 状态为 {contract.status}，不能签署",
            )
        if role not in contract.required_signers:
            raise InvalidInput(
                f"'{role}' is not a party to sign ({', '.join(contract.required_signers)})",
                field="role",
                message_zh=f"'{role}' 不是需要签署的一方",
            )
        if any(s.signer_role == role for s in contract.signatures):
            raise StateConflict(f"the {role} has already signed", field="role", message_zh=f"{role} 已签署")
        if sha256_text(contract.body) != contract.sha256:
            raise StateConflict(field="contract_id", code="contract-tampered")
        record = ctx.signer.sign(
            document_sha256=contract.sha256,
            signer=signer,
            signer_role=role,
            method=method,
            at=ctx.clock.now(),
        )
        if not ctx.signer.verify(record) or record.document_sha256 != contract.sha256:
            raise StateConflict(field="signature", code="bad-signature")
        signatures = (*contract.signatures, record)
        done = {s.signer_role for s in signatures} >= set(contract.required_signers)
        changed = contract.evolve(
            signatures=signatures, status=ContractStatus.signed if done else ContractStatus.draft
        )
        stored = tx.repo(Contract).update(changed)
        tx.audit.append(
            actor=signer,
            action="contract.signature",
            subject=contract_id,
            at=record.signed_at,
            after=record.model_dump(mode="json"),
        )
        if done:
            loan = loan_in(tx, contract.loan_id, lock=True)
            tx.repo(Loan).update(loan.evolve(status=LoanStatus.signed))
            tx.audit.append(
                actor="system",
                action="contract.signed",
                subject=contract_id,
                at=ctx.clock.now(),
                after={"sha256": contract.sha256, "signers": [s.signer for s in signatures]},
            )
        return contract_id, stored

    return ctx.run(
        name="contract.sign",
        key=key,
        arguments={"contract": contract_id, "signer": signer, "role": role, "method": method.value},
        result_type=Contract,
        body=body,
        actor=signer,
    )


def verify_contract(ctx: Context, contract_id: str) -> list[str]:
    """Problems with a contract's integrity: text vs digest, each signature, the audit chain."""
    problems: list[str] = []
    with ctx.store.transaction() as tx:
        contract = tx.repo(Contract).get(contract_id)
        chain = tx.audit.records()
    if sha256_text(contract.body) != contract.sha256:
        problems.append("the text does not match its SHA-256")
    for record in contract.signatures:
        if record.document_sha256 != contract.sha256 or not ctx.signer.verify(record):
            problems.append(f"the signature of {record.signer} ({record.signer_role}) does not verify")
    broken = verify_chain(chain)
    if broken is not None:
        problems.append(f"audit chain broken at record {broken.sequence}: {broken.reason}")
    trail = [r for r in chain if r.subject == contract_id and r.action == "contract.signature"]
    if len(trail) != len(contract.signatures):
        problems.append("the audit trail does not record every signature")
    return problems


def _check_request(product: ProductSpec, request: LoanRequest) -> None:
    """The request's terms are for what the product offers, with a value date."""
    terms = request.terms
    check_allowed(product, terms.amount, terms.term, terms.method)
    if terms.start is None:
        raise InvalidInput(
            "the contract terms need a start date", field="terms.start", message_zh="合同条款需要起息日"
        )
