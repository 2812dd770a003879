"""E-contracts (电子合同): render a product's Jinja2 template, hash it, check its clauses.

Templates live in ``loanfactory/servicing/templates`` (``default.zh.txt``, ``default.en.txt``) and in
any directories the embedding application adds; a product names its template in
``contract.template`` and may ``{% extends "default.zh.txt" %}`` and override clauses. Each clause
is a block named ``clause_<name>`` (a product template adds clauses inside the ``extra_clauses``
block); a contract whose text lacks a required clause, or renders it empty, is refused.
``StrictUndefined`` makes a missing value an error, never a blank; ``.html`` templates are
autoescaped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import jinja2.nodes

from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import format_money, format_rate
from loanfactory.schedule import Schedule, method_of
from loanfactory.servicing._clauses import (
    COMPONENT_ZH,
    fee_text,
    interest_text,
    overdue_text,
    prepayment_text,
    rate_text,
)
from loanfactory.servicing._loan import Installment, Value
from loanfactory.spec import ProductSpec
from loanfactory.terms import ContractTerms

BASE_CLAUSES = (
    "parties",
    "amount",
    "rate",
    "repayment",
    "penalty",
    "prepayment",
    "dispute",
    "credit_reporting",  # the borrower's written consent to credit reporting (征信报送授权)
)
"""Clauses every loan contract has; a product's ``contract.required_clauses`` adds to these."""

TEMPLATE_DIR = Path(__file__).with_name("templates")


class LoanRequest(Value):
    """What servicing needs from an accepted offer to draw up the contract and open the loan.

    ``terms`` are the offer's contract terms (:func:`loanfactory.terms.contract_terms`): rate and
    its repricing, fees, interest-free days, penalty and prepayment — the loan is booked on them,
    not on the product as it is at booking time.
    """

    customer_id: str
    borrower_name: str
    borrower_id_number: str
    terms: ContractTerms
    apr: Decimal
    account: str
    account_name: str
    purpose: str = "个人消费"
    credit_line_id: str | None = None
    offer_id: str | None = None
    payee: str | None = None  # entrusted payment (受托支付): the seller paid directly
    payee_account: str | None = None
    payee_category: str | None = None
    languages: tuple[str, ...] = ()  # default: the product's contract languages
    payout_account_id: str | None = None  # the verified payout account ``account`` is (放款账户)
    payee_account_id: str | None = None  # the verified account of the entrusted-payment payee

    @property
    def product_code(self) -> str:
        return self.terms.product_code

    @property
    def amount(self) -> Decimal:
        return self.terms.amount

    @property
    def term(self) -> int:
        return self.terms.term

    @property
    def method(self) -> RepaymentMethod:
        return self.terms.method

    @property
    def annual_rate(self) -> Decimal:
        return self.terms.annual_rate

    @property
    def start(self) -> date:
        if self.terms.start is None:
            raise InvalidInput(
                "the contract terms need a start date", field="terms.start", message_zh="合同条款需要起息日"
            )
        return self.terms.start


@dataclass(frozen=True, slots=True)
class RenderedContract:
    """A rendered contract: its text, SHA-256 and the clauses it contains."""

    language: str
    body: str
    sha256: str
    clauses: tuple[str, ...]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ContractRenderer:
    """Renders contracts from Jinja2 templates (packaged ones plus ``extra_dirs``, searched first)."""

    def __init__(self, extra_dirs: Sequence[Path | str] = ()) -> None:
        loaders: list[jinja2.BaseLoader] = (
            [jinja2.FileSystemLoader([str(d) for d in extra_dirs])] if extra_dirs else []
        )
        loaders.append(jinja2.FileSystemLoader(str(TEMPLATE_DIR)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm"), default_for_string=False),
            keep_trailing_newline=True,
            trim_blocks=False,
        )
        self._parents: dict[str, str | None] = {}

    def template(self, name: str, language: str) -> jinja2.Template:
        candidates = [name] if "." in name else [f"{name}.{language}.txt", f"{name}.{language}.html"]
        try:
            return self.env.select_template(candidates)
        except jinja2.TemplatesNotFound:
            raise InvalidInput(
                f"no contract template {' or '.join(candidates)}",
                field="contract.template",
                message_zh=f"找不到合同模板 {' 或 '.join(candidates)}",
            ) from None

    def render(
        self, product: ProductSpec, context: dict[str, Any], language: str, required: Sequence[str]
    ) -> RenderedContract:
        template = self.template(product.contract.template, language)
        try:
            body = template.render(context)
            jinja_context = template.new_context(dict(context))
            present = []
            for block_name, render_block in self._blocks(template).items():
                if block_name.startswith("clause_"):
                    text = "".join(render_block(jinja_context)).strip()
                    if text and text in body:  # a block the layout never calls is not in the contract
                        present.append(block_name.removeprefix("clause_"))
        except jinja2.UndefinedError as exc:
            raise InvalidInput(
                f"contract template {template.name} uses an undefined value: {exc.message}",
                field="contract.template",
                message_zh=f"合同模板 {template.name} 引用了未提供的值：{exc.message}",
            ) from None
        missing = [c for c in required if c not in present]
        if missing:
            raise StateConflict(
                f"contract template {template.name} lacks required clause(s): {', '.join(missing)}",
                field="contract.required_clauses",
                code="clause-missing",
                message_zh=f"合同模板 {template.name} 缺少必备条款：{'、'.join(missing)}",
            )
        return RenderedContract(language, body, sha256_text(body), tuple(sorted(present)))

    def _blocks(self, template: jinja2.Template) -> dict[str, Any]:
        """Every block of the template, inherited ones included (a child's override wins)."""
        chain = [template]
        while (parent := self._parent(chain[-1])) is not None:
            chain.append(self.env.get_template(parent))
        blocks: dict[str, Any] = {}
        for link in reversed(chain):
            blocks.update(link.blocks)
        return blocks

    def _parent(self, template: jinja2.Template) -> str | None:
        assert self.env.loader is not None
        assert template.name is not None
        if template.name not in self._parents:
            source, _, _ = self.env.loader.get_source(self.env, template.name)
            parent = None
            for node in self.env.parse(source).find_all(jinja2.nodes.Extends):
                if isinstance(node.template, jinja2.nodes.Const) and isinstance(node.template.value, str):
                    parent = node.template.value
            self._parents[template.name] = parent
        return self._parents[template.name]


def required_clauses(product: ProductSpec) -> tuple[str, ...]:
    extra = tuple(c for c in product.contract.required_clauses if c not in BASE_CLAUSES)
    fees = ("fees",) if product.fees and "fees" not in extra else ()
    return BASE_CLAUSES + extra + fees


def contract_context(
    product: ProductSpec,
    request: LoanRequest,
    schedule: Schedule,
    rows: Sequence[Installment],
    terms: ContractTerms,
    *,
    contract_no: str,
    drafted_on: date,
    lender_name: str,
    language: str,
    dispute: str | None = None,
) -> dict[str, Any]:
    """Everything a contract template may use, as display strings."""
    zh = language == "zh"
    totals = schedule.totals
    return {
        "contract_no": contract_no,
        "drafted_on": drafted_on.isoformat(),
        "product_name": product.name.text(language),
        "product_code": product.code,
        "lender": {"name": lender_name},
        "borrower": {"name": request.borrower_name, "id_masked": mask(request.borrower_id_number)},
        "amount": format_money(request.amount),
        "amount_upper": rmb_upper(request.amount),
        "term": request.term,
        "start": request.start.isoformat(),
        "maturity": rows[-1].due_date.isoformat(),
        "purpose": request.purpose,
        "rate": format_rate(terms.annual_rate),
        "rate_rule": rate_text(terms, zh),
        "apr": format_rate(request.apr, places=2),
        "interest_basis": interest_text(product, zh) if zh else schedule.convention,
        "method": method_of(request.method).label_zh if zh else request.method.value,
        "account_masked": mask(request.account),
        "schedule": [
            {
                "number": r.number,
                "due_date": r.due_date.isoformat(),
                "principal": format_money(r.principal),
                "interest": format_money(r.interest),
                "fee": format_money(r.fee),
                "total": format_money(r.total),
                "balance": format_money(r.balance),
            }
            for r in rows
        ],
        "totals": {
            "principal": format_money(totals.principal),
            "interest": format_money(totals.interest),
            "fee": format_money(totals.fee + schedule.upfront_fee),
            "total": format_money(totals.total + schedule.upfront_fee),
        },
        "fees": [
            {"name": f.name.text(language) if f.name else f.id, "description": fee_text(f, zh)}
            for f in product.fees
        ],
        "interest_free_days": terms.interest_free_days,
        "penalty": {
            "grace_days": terms.penalty.grace_days,
            "grace_waives": terms.penalty.grace_waives,
            "uplift": format_rate(terms.penalty.uplift),
            "rate": format_rate(terms.penalty_rate),
            "day_basis": terms.penalty.day_basis,
            "compound": terms.penalty.compound,
        },
        "overdue_actions": overdue_text(product, zh),
        "allocation": (" → " if zh else " -> ").join(
            (COMPONENT_ZH[c.value] if zh else c.value) for c in terms.allocation.order
        ),
        "prepayment": prepayment_text(terms, zh),
        "dispute": dispute
        or (
            "任何一方可向贷款人住所地有管辖权的人民法院提起诉讼"
            if zh
            else "either party may sue in the competent people's court where the lender is domiciled"
        ),
    }


def mask(text: str) -> str:
    """``6222020200112233`` -> ``************2233`` (the last four kept)."""
    return "*" * max(len(text) - 4, 0) + text[-4:]


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_SECTIONS = ("", "万", "亿", "万亿")


def rmb_upper(amount: Decimal) -> str:
    """The amount in Chinese capital numerals (人民币大写), e.g. 10000.50 -> 壹万元零伍角."""
    if amount < 0:
        raise InvalidInput("amount must not be negative", field="amount")
    fen_total = int((amount * 100).to_integral_value())
    yuan, fen = divmod(fen_total, 100)
    jiao, fen = divmod(fen, 10)
    text = _integer_upper(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return (text or "零元") + "整"
    if jiao:
        text += ("零" if yuan and yuan % 10 == 0 else "") + _DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return text


def _integer_upper(number: int) -> str:
    sections: list[int] = []
    while number:
        number, section = divmod(number, 10000)
        sections.append(section)
    out = ""
    need_zero = False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or section < 1000):
            out += "零"
        out += _section_upper(section) + _SECTIONS[index]
        need_zero = False
    return out


def _section_upper(section: int) -> str:
    digits = [int(d) for d in f"{section:04d}"]
    out = ""
    zero = False
    started = False
    for position, digit in enumerate(digits):
        unit = _UNITS[3 - position]
        if digit == 0:
            zero = started
            continue
        if zero:
            out += "零"
        out += _DIGITS[digit] + unit
        zero = False
        started = True
    return out
