"""The reporting format as data (报文格式与代码表): record layouts, code tables and bank settings.

The packaged YAML under ``loanfactory/regulatory/data`` describes the second-generation lending
account records (``personal_loan.yaml``, ``enterprise_loan.yaml``), the personal basic information
record (``personal_basic.yaml``, 110) and the personal credit agreement record
(``credit_agreement.yaml``, 220), their code tables
(``codes.yaml``) and the bank's settings with the mapping of loanfactory's values onto codes
(``settings.yaml``). A bank completes or corrects them by passing its own files: a settings file,
and optionally code tables merged over the packaged ones (a table given replaces that table).
Every file is read with positions; a mistake is a located :class:`~loanfactory.errors.Diagnostic`
and :func:`load_spec` raises :class:`~loanfactory.errors.SpecError` listing all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, SpecError

Kind = Literal["N", "AN", "ANC", "date", "month", "amount"]
_TYPE = re.compile(r"^(N|AN|ANC)(\.\.)?(\d+)$")
_EXAMPLE = "EXAMPLE0000000"


@dataclass(frozen=True, slots=True)
class FieldFormat:
    """One data item (数据项): XML tag, Chinese name, type and length, presence, code table."""

    tag: str
    name: str
    kind: Kind
    length: int | None  # the maximum (or exact) number of characters; None for dates and amounts
    exact: bool
    required: bool
    codes: str | None

    @property
    def type(self) -> str:
        if self.length is None:
            return self.kind
        return f"{self.kind}{'' if self.exact else '..'}{self.length}"


@dataclass(frozen=True, slots=True)
class SegmentFormat:
    """One segment (信息段) with its fields; ``count``/``group`` name a repeated group."""

    tag: str
    letter: str
    name: str
    fields: tuple[FieldFormat, ...]
    count: str | None = None
    group: str | None = None
    by_tag: Mapping[str, FieldFormat] = field(init=False, repr=False, compare=False)
    grouped: frozenset[str] = field(init=False, repr=False, compare=False)  # the repeated items' tags

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_tag", {f.tag: f for f in self.fields})
        repeated = frozenset(f.tag for f in self.fields if f.tag != self.count) if self.count else frozenset()
        object.__setattr__(self, "grouped", repeated)

    def field(self, tag: str) -> FieldFormat:
        found = self.by_tag.get(tag)
        if found is None:
            raise KeyError(tag)
        return found

    @property
    def group_fields(self) -> tuple[FieldFormat, ...]:
        """The fields repeated in each group item (all but the count)."""
        return tuple(f for f in self.fields if f.tag != self.count)


@dataclass(frozen=True, slots=True)
class SegmentRule:
    must: frozenset[str]
    never: frozenset[str]
    rule: str


@dataclass(frozen=True, slots=True)
class RequestFormat:
    """A correction or deletion request (更正、删除请求记录)."""

    record_type: str
    root: str
    name: str
    base: str
    fields: tuple[FieldFormat, ...]


@dataclass(frozen=True, slots=True)
class RecordFormat:
    """A record type's layout: root element, segments in order, rules by report code."""

    record_type: str
    root: str
    name: str
    account_types: tuple[str, ...]
    report_codes: str
    amount_places: int
    segments: tuple[SegmentFormat, ...]
    segment_rules: Mapping[str, SegmentRule]
    requests: Mapping[str, RequestFormat] = field(default_factory=dict)
    code_item: str | None = "AcctCode"  # the base item that starts with the data provider's code
    by_tag: Mapping[str, SegmentFormat] = field(init=False, repr=False, compare=False)
    request_types: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_tag", {s.tag: s for s in self.segments})
        object.__setattr__(self, "request_types", frozenset(r.record_type for r in self.requests.values()))

    @property
    def base(self) -> str:
        """The base segment's tag (基础段: the first segment)."""
        return self.segments[0].tag

    def segment(self, tag: str) -> SegmentFormat:
        for segment in self.segments:
            if segment.tag == tag:
                return segment
        raise KeyError(tag)

    def by_letter(self, letter: str) -> SegmentFormat:
        for segment in self.segments:
            if segment.letter == letter:
                return segment
        raise KeyError(letter)


class Settings(BaseModel):
    """What the bank configures (see ``data/settings.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider_code: str = Field(pattern=r"^[0-9A-Z]{14}$")
    management_code: str = Field(pattern=r"^[0-9A-Z]{14}$")
    district: str | None = Field(default=None, pattern=r"^\d{6}$")
    version: str = Field(default="2.0.0", pattern=r"^\d\.\d\.\d$")
    notice_days: int = Field(default=7, ge=0, le=90)
    notice_channel: Literal["sms", "push", "email", "in-app"] = "sms"
    repay_mode: dict[str, str]
    repay_frequency: dict[str, str]
    guarantee: dict[str, str]
    five_category: dict[str, str]
    busi_detail: dict[str, str]
    busi_detail_by_product: dict[str, str] = Field(default_factory=dict)
    enterprise_busi_detail: dict[str, str] = Field(default_factory=dict)

    @property
    def is_example(self) -> bool:
        """True while the institution codes are the shipped examples (files are refused then)."""
        return _EXAMPLE in (self.provider_code, self.management_code)


@dataclass(frozen=True, slots=True)
class CodeTables:
    tables: Mapping[str, Mapping[str, str]]

    def name(self, table: str, code: str) -> str | None:
        return self.tables.get(table, {}).get(code)

    def has(self, table: str, code: str) -> bool:
        return code in self.tables.get(table, {})


@dataclass(frozen=True, slots=True)
class ReportingSpec:
    """Everything a run needs to know about the format and the bank."""

    personal: RecordFormat
    enterprise: RecordFormat
    codes: CodeTables
    settings: Settings
    basic: RecordFormat  # 110 个人基本信息
    agreement: RecordFormat  # 220 个人授信协议

    def format_of(self, record_type: str) -> RecordFormat:
        """The format a record of ``record_type`` follows (a request follows its account format)."""
        for fmt in (self.enterprise, self.basic, self.agreement):
            if record_type == fmt.record_type or record_type in fmt.request_types:
                return fmt
        return self.personal


def _packaged(name: str) -> tuple[Document | None, list[Diagnostic]]:
    text = resources.files("loanfactory").joinpath(f"regulatory/data/{name}").read_text(encoding="utf-8")
    return load_document(text, file=f"loanfactory/regulatory/data/{name}")


def load_spec(
    settings: Path | str | None = None,
    *,
    codes: Path | str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ReportingSpec:
    """The packaged format, with the bank's settings file and code tables over it.

    ``overrides`` replaces top-level settings (tests and embedding code); a bad file or value is a
    :class:`~loanfactory.errors.SpecError` with every located diagnostic.
    """
    problems: list[Diagnostic] = []
    documents = {}
    for name in (
        "codes.yaml",
        "personal_loan.yaml",
        "enterprise_loan.yaml",
        "personal_basic.yaml",
        "credit_agreement.yaml",
        "settings.yaml",
    ):
        doc, found = _packaged(name)
        problems += found
        documents[name] = doc
    tables = _tables(documents["codes.yaml"], problems)
    if codes is not None:
        doc, found = load_document(Path(codes))
        problems += found
        tables.update(_tables(doc, problems))
    settings_doc = documents["settings.yaml"]
    data: dict[str, Any] = dict(settings_doc.data) if settings_doc is not None else {}
    source = settings_doc
    if settings is not None:
        doc, found = load_document(Path(settings))
        problems += found
        if doc is not None:
            if not isinstance(doc.data, dict):
                problems.append(
                    doc.diagnostic((), "not-a-mapping", "the settings file is a mapping of names")
                )
            else:
                data.update(doc.data)
                source = doc
    data.update(overrides or {})
    personal = _record(documents["personal_loan.yaml"], tables, problems)
    enterprise = _record(documents["enterprise_loan.yaml"], tables, problems)
    basic = _record(documents["personal_basic.yaml"], tables, problems)
    agreement = _record(documents["credit_agreement.yaml"], tables, problems)
    parsed: Settings | None = None
    try:
        parsed = Settings.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            path = tuple(str(p) for p in error["loc"])
            message = f"{error['msg']} (got {error.get('input')!r})"
            if source is not None:
                problems.append(
                    source.diagnostic(path, "bad-setting", message, message_zh=f"配置项有误：{message}")
                )
            else:
                problems.append(Diagnostic("bad-setting", message, path=".".join(path)))
    _check_mapping(data, tables, source, problems)
    if (
        problems
        or parsed is None
        or personal is None
        or enterprise is None
        or basic is None
        or agreement is None
    ):
        raise SpecError(diagnostics=tuple(problems) or (Diagnostic("bad-format", "the format did not load"),))
    return ReportingSpec(
        personal=personal,
        enterprise=enterprise,
        codes=CodeTables(tables),
        settings=parsed,
        basic=basic,
        agreement=agreement,
    )


def _tables(doc: Document | None, problems: list[Diagnostic]) -> dict[str, dict[str, str]]:
    if doc is None:
        return {}
    if not isinstance(doc.data, dict):
        problems.append(
            doc.diagnostic((), "not-a-mapping", "code tables are a mapping of table -> code -> name")
        )
        return {}
    tables: dict[str, dict[str, str]] = {}
    for name, table in doc.data.items():
        if not isinstance(table, dict) or not table:
            problems.append(
                doc.diagnostic((name,), "bad-code-table", f"code table '{name}' is not a mapping")
            )
            continue
        tables[name] = {}
        for code, meaning in table.items():
            if not isinstance(code, str) or not isinstance(meaning, str):
                problems.append(
                    doc.diagnostic(
                        (name, code),
                        "bad-code",
                        f"codes and their names are quoted text (table '{name}', code {code!r})",
                        message_zh=f"代码与名称须为带引号的文本（代码表 '{name}'，代码 {code!r}）",
                    )
                )
                continue
            tables[name][code] = meaning
    return tables


def _field(
    doc: Document,
    path: tuple[str | int, ...],
    raw: Any,
    tables: Mapping[str, Any],
    problems: list[Diagnostic],
) -> FieldFormat | None:
    if not isinstance(raw, list) or len(raw) != 5:
        problems.append(
            doc.diagnostic(path, "bad-field", "a field is [tag, name, type, presence, code table]")
        )
        return None
    tag, name, type_text, presence, codes = raw
    kind: Kind
    length: int | None = None
    exact = False
    if type_text in ("date", "month", "amount"):
        kind = type_text
    else:
        match = _TYPE.match(str(type_text))
        if match is None:
            problems.append(doc.diagnostic(path, "bad-type", f"unknown field type {type_text!r}"))
            return None
        kind = match.group(1)  # type: ignore[assignment]
        exact = match.group(2) is None
        length = int(match.group(3))
    if presence not in ("required", "optional"):
        problems.append(doc.diagnostic(path, "bad-presence", "presence is required or optional"))
        return None
    if codes is not None and codes not in tables:
        problems.append(doc.diagnostic(path, "unknown-code-table", f"no code table '{codes}'"))
        return None
    return FieldFormat(str(tag), str(name), kind, length, exact, presence == "required", codes)


def _record(
    doc: Document | None, tables: Mapping[str, Any], problems: list[Diagnostic]
) -> RecordFormat | None:
    if doc is None or not isinstance(doc.data, dict):
        return None
    data = doc.data
    segments = []
    for i, raw in enumerate(data.get("segments", [])):
        fields = tuple(
            f
            for j, item in enumerate(raw.get("fields", []))
            if (f := _field(doc, ("segments", i, "fields", j), item, tables, problems)) is not None
        )
        segments.append(
            SegmentFormat(
                tag=raw["tag"],
                letter=raw["letter"],
                name=raw["name"],
                fields=fields,
                count=raw.get("count"),
                group=raw.get("group"),
            )
        )
    rules = {
        str(code): SegmentRule(
            frozenset(rule.get("must", ())), frozenset(rule.get("never", ())), str(rule["rule"])
        )
        for code, rule in data.get("segment_rules", {}).items()
    }
    requests = {}
    for key, raw in data.get("requests", {}).items():
        fields = tuple(
            f
            for j, item in enumerate(raw.get("fields", []))
            if (f := _field(doc, ("requests", key, "fields", j), item, tables, problems)) is not None
        )
        requests[key] = RequestFormat(
            record_type=str(raw["record_type"]),
            root=raw["root"],
            name=raw["name"],
            base=raw["base"],
            fields=fields,
        )
    return RecordFormat(
        record_type=str(data["record_type"]),
        root=data["root"],
        name=data["name"],
        account_types=tuple(data.get("account_types", ("D1",))),
        report_codes=data["report_codes"],
        amount_places=int(data.get("amount_places", 0)),
        segments=tuple(segments),
        segment_rules=rules,
        requests=requests,
        code_item=data.get("code_item", "AcctCode"),
    )


_MAPPED = {
    "repay_mode": "repay_mode",
    "repay_frequency": "repay_frequency",
    "guarantee": "guarantee",
    "five_category": "five_category",
    "busi_detail": "busi_detail",
    "busi_detail_by_product": "busi_detail",
    "enterprise_busi_detail": "enterprise_busi_detail",
}


def _check_mapping(
    data: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, str]],
    doc: Document | None,
    problems: list[Diagnostic],
) -> None:
    """Every code a mapping produces is in its code table."""
    for name, table in _MAPPED.items():
        mapping = data.get(name)
        if not isinstance(mapping, dict):
            continue  # a missing or malformed mapping is the settings model's to report
        for key, code in mapping.items():
            if code not in tables.get(table, {}):
                message = f"'{code}' is not a code of table '{table}' (mapping {name}.{key})"
                zh = f"'{code}' 不是代码表 '{table}' 中的代码（映射 {name}.{key}）"
                if doc is not None:
                    problems.append(doc.diagnostic((name, key), "unknown-code", message, message_zh=zh))
                else:
                    problems.append(Diagnostic("unknown-code", message, path=f"{name}.{key}", message_zh=zh))


__all__ = [
    "CodeTables",
    "FieldFormat",
    "RecordFormat",
    "ReportingSpec",
    "RequestFormat",
    "SegmentFormat",
    "SegmentRule",
    "Settings",
    "load_spec",
]
