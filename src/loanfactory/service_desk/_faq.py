"""The self-service answerer (智能客服): a FAQ knowledge base in YAML, Chinese retrieval with jieba
and BM25, personal facts for questions about the customer's own application or loan, and a
handover to a human agent when it is unsure or asked to (转人工).

The knowledge base is a list of entries, each with the standard question, its other wordings
(``variants``), the generic ``answer`` and, for personal topics, a ``personal`` answer with
placeholders that :class:`CustomerFacts` fill (``{application_status}``, ``{next_due_date}`` ...).
Every wording of an entry is one BM25 document over jieba's search-mode segmentation; a question
is answered by the entry of its best-scoring wording when that score reaches ``threshold`` and
leads the best other entry by ``margin``; below either it is handed over. A customer who asks for
a person (``转人工``, ``人工客服`` ...) is handed over at once.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from loanfactory.document import load_document
from loanfactory.errors import Diagnostic, SpecError

TOPICS = ("products", "application", "repayment", "account", "service")
HANDOVER_WORDS = ("转人工", "人工客服", "人工服务", "找人工", "真人客服", "接人工", "要人工")
DEFAULT_KB = Path(__file__).resolve().parent.parent / "data" / "faq-zh.yaml"


class AnswerOutcome(StrEnum):
    answered = "answered"  # 已自动回答
    handover = "handover"  # 转人工


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    question: str
    variants: tuple[str, ...]
    answer: str
    personal: str | None = None  # an answer with placeholders filled from the customer's facts

    @property
    def wordings(self) -> tuple[str, ...]:
        return (self.question, *self.variants)

    @property
    def fields(self) -> tuple[str, ...]:
        if self.personal is None:
            return ()
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.personal) if name)


@dataclass(frozen=True)
class Answer:
    outcome: AnswerOutcome
    text: str
    entry_id: str | None = None
    topic: str | None = None
    score: Decimal = Decimal(0)  # the best wording's BM25 score, to 3 places
    personal: bool = False  # the text carries the customer's own facts
    reason: str | None = None  # why it was handed over: asked, unsure, ambiguous, empty


class CustomerFacts(Protocol):
    """The customer's own facts a personal answer may show (``application_status`` ...)."""

    def facts(self, customer_id: str) -> Mapping[str, str]: ...


def load_faq(source: Path | str = DEFAULT_KB) -> tuple[FaqEntry, ...]:
    """Entries of a knowledge base file; :class:`SpecError` lists every located problem."""
    document, problems = load_document(source)
    if document is None:
        raise SpecError(diagnostics=problems)
    data = document.data
    items = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise SpecError(
            diagnostics=[document.diagnostic([], "faq-empty", "a FAQ file needs a list 'entries'")]
        )
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        entry, found = _entry(document, index, item, seen)
        problems += found
        if entry is not None:
            entries.append(entry)
    if problems:
        raise SpecError(diagnostics=problems)
    return tuple(entries)


def _entry(document: Any, index: int, item: Any, seen: set[str]) -> tuple[FaqEntry | None, list[Diagnostic]]:
    at: list[str | int] = ["entries", index]
    if not isinstance(item, dict):
        return None, [
            document.diagnostic(at, "faq-entry", "an entry is a mapping", message_zh="条目须为映射")
        ]
    problems = [
        document.diagnostic(
            [*at, key], "unknown-key", f"unknown key '{key}'", message_zh=f"未知字段 '{key}'", key=True
        )
        for key in item
        if key not in ("id", "topic", "question", "variants", "answer", "personal")
    ]
    texts = {k: item.get(k) for k in ("id", "topic", "question", "answer")}
    for key, value in texts.items():
        if not isinstance(value, str) or not value.strip():
            problems.append(
                document.diagnostic(
                    [*at, key], "faq-field", f"'{key}' is required text", message_zh=f"'{key}' 为必填文本"
                )
            )
    topic, entry_id = texts["topic"], texts["id"]
    if isinstance(topic, str) and topic not in TOPICS:
        problems.append(
            document.diagnostic(
                [*at, "topic"],
                "faq-topic",
                f"topic '{topic}' is not one of {', '.join(TOPICS)}",
                message_zh="未知主题",
            )
        )
    if isinstance(entry_id, str):
        if entry_id in seen:
            problems.append(
                document.diagnostic([*at, "id"], "faq-duplicate", f"id '{entry_id}' is used twice")
            )
        seen.add(entry_id)
    variants = item.get("variants", [])
    if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
        problems.append(document.diagnostic([*at, "variants"], "faq-field", "'variants' is a list of text"))
    personal = item.get("personal")
    if personal is not None:
        try:
            names = [n for _, n, _, _ in string.Formatter().parse(str(personal)) if n]
        except ValueError as exc:
            names = []
            problems.append(document.diagnostic([*at, "personal"], "faq-template", f"bad placeholder: {exc}"))
        unknown = sorted(set(names) - set(FACT_NAMES))
        if unknown:
            problems.append(
                document.diagnostic(
                    [*at, "personal"],
                    "faq-template",
                    f"unknown fact(s) {', '.join(unknown)}; known: {', '.join(FACT_NAMES)}",
                    message_zh=f"未知的客户信息占位符 {', '.join(unknown)}",
                )
            )
    if problems:
        return None, problems
    return (
        FaqEntry(
            id=str(entry_id),
            topic=str(topic),
            question=str(texts["question"]).strip(),
            variants=tuple(v.strip() for v in variants),
            answer=str(texts["answer"]).strip(),
            personal=str(personal).strip() if personal is not None else None,
        ),
        [],
    )


FACT_NAMES = (
    "customer_name",
    "application_id",
    "application_status",
    "application_product",
    "loan_count",
    "next_due_date",
    "next_due_amount",
    "overdue_amount",
    "principal_outstanding",
    "line_available",
)


class Answerer:
    """Answers a question from the knowledge base, personally where it can; or hands it over.

    ``threshold`` is the least BM25 score of an answer; ``margin`` the least lead of the best entry
    over the runner-up, as a fraction of the best score (two entries nearly tied is a guess).
    """

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        *,
        facts: CustomerFacts | None = None,
        threshold: Decimal = Decimal("3.0"),
        margin: Decimal = Decimal("0.05"),
    ) -> None:
        import jieba
        from rank_bm25 import BM25Okapi

        self.entries = tuple(entries)
        self.facts = facts
        self.threshold = threshold
        self.margin = margin
        self._jieba = jieba.Tokenizer()  # its own dictionary, not jieba's module-level default
        self._jieba.initialize()
        self._owner: list[FaqEntry] = []
        corpus: list[list[str]] = []
        for entry in self.entries:
            for wording in entry.wordings:
                corpus.append(self.tokens(wording))
                self._owner.append(entry)
        self._bm25 = BM25Okapi(corpus)

    def tokens(self, text: str) -> list[str]:
        """Search-mode segmentation, without punctuation, spaces and one-character particles."""
        words = self._jieba.lcut_for_search(text.lower())
        return [w for w in words if w.strip() and not _NOISE.fullmatch(w) and w not in STOP_WORDS]

    def answer(self, question: str, customer_id: str | None = None) -> Answer:
        text = question.strip()
        if any(word in text for word in HANDOVER_WORDS):
            return Answer(AnswerOutcome.handover, HANDOVER_TEXT, reason="asked")
        tokens = self.tokens(text)
        if not tokens:
            return Answer(AnswerOutcome.handover, HANDOVER_TEXT, reason="empty")
        scores = self._bm25.get_scores(tokens)
        best: dict[str, float] = {}
        for entry, score in zip(self._owner, scores, strict=True):
            best[entry.id] = max(best.get(entry.id, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
        top_id, top = ranked[0]
        runner = ranked[1][1] if len(ranked) > 1 else 0.0
        score = Decimal(str(round(top, 3)))
        entry = next(e for e in self.entries if e.id == top_id)
        if score < self.threshold:
            return Answer(AnswerOutcome.handover, HANDOVER_TEXT, top_id, entry.topic, score, reason="unsure")
        if Decimal(str(top - runner)) < self.margin * Decimal(str(top)):
            return Answer(
                AnswerOutcome.handover, HANDOVER_TEXT, top_id, entry.topic, score, reason="ambiguous"
            )
        personal = self._personal(entry, customer_id)
        return Answer(
            AnswerOutcome.answered,
            personal or entry.answer,
            entry.id,
            entry.topic,
            score,
            personal=personal is not None,
        )

    def _personal(self, entry: FaqEntry, customer_id: str | None) -> str | None:
        if entry.personal is None or customer_id is None or self.facts is None:
            return None
        known = self.facts.facts(customer_id)
        if not all(known.get(name) for name in entry.fields):
            return None  # e.g. no loan yet: the generic answer rather than a blank
        return entry.personal.format_map(dict(known))


STOP_WORDS = frozenset(
    (
        "怎么样",
        "怎么",
        "怎样",
        "什么",
        "多少",
        "如何",
        "哪些",
        "哪里",
        "哪个",
        "为什么",
        "可以",
        "能不能",
        "是不是",
        "有没有",
        "请问",
        "一下",
        "想",
        "问",
        "问下",
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "就",
        "都",
        "还",
        "也",
        "要",
        "会",
        "能",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "哦",
        "嗯",
        "好",
        "请",
        "帮",
        "帮忙",
        "下",
        "个",
        "一",
        "这",
        "那",
    )
)
"""Question words and particles: they say that something is asked, not what (一般疑问词与语气词)."""

HANDOVER_TEXT = "正在为您转接人工客服，请稍候；非工作时间可留言，我们会在工作时间内尽快回复。"
_NOISE = re.compile(r"[\W_]+|[的了吗呢吧啊呀么我你是在有和]")
