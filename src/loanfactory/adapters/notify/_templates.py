"""Notification templates (通知模板) in Chinese and English, and the notifications made from them.

Templates are Jinja2 text kept in ``templates/{zh,en}.yaml`` next to this module; a bank overrides
or adds kinds with its own ``zh.yaml``/``en.yaml`` in a directory. Every kind has a ``subject``,
a ``body`` (in-app, email, webhook) and a ``short`` text (SMS, push). Rendering is strict: a
variable the data does not give is an :class:`~loanfactory.errors.InvalidInput` naming it, never
an empty gap in a message sent to a customer. Templates run in Jinja's immutable sandbox.

The kinds the core sends and their fields are registered in :mod:`loanfactory.notices`. A book
refuses to be built (:class:`~loanfactory.errors.SpecError`, every problem located) when a
registered kind lacks its Chinese or English template, or a template uses a variable its kind
does not register (with a did-you-mean hint): a server never starts with a notice it cannot send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from loanfactory.adapters.notify._filters import environment as _environment
from loanfactory.document import load_document
from loanfactory.errors import Diagnostic, InvalidInput, Language, SpecError, hint_for
from loanfactory.notices import NOTICE_KINDS
from loanfactory.ports import Channel, Notification

BUILTIN_DIR = Path(__file__).with_name("templates")
LANGUAGES: tuple[Language, ...] = ("zh", "en")
PARTS = ("subject", "body", "short")
SHORT_CHANNELS = frozenset({Channel.sms, Channel.push})


GLOBALS = frozenset({"brand"})


@dataclass(frozen=True, slots=True)
class Rendered:
    """A template rendered in one language."""

    subject: str
    body: str
    short: str


def normalize_language(value: str | None, default: Language = "zh") -> Language:
    """``zh-CN``/``zh_Hans`` -> ``zh``, ``en-US`` -> ``en``; None -> ``default``; others refused."""
    if value is None or not value.strip():
        return default
    head = value.strip().lower().replace("_", "-").split("-")[0]
    if head == "zh":
        return "zh"
    if head == "en":
        return "en"
    raise InvalidInput(
        f"language '{value}' is not supported; use 'zh' or 'en'",
        field="language",
        message_zh=f"不支持语言 '{value}'，请使用 'zh' 或 'en'",
    )


class TemplateBook:
    """Compiled templates for every kind and language; immutable and safe to share."""

    def __init__(
        self,
        sources: Mapping[Language, Mapping[str, Mapping[str, str]]],
        *,
        brand: str = "loanfactory",
        origins: Mapping[tuple[str, str, str], tuple[str, int | None]] | None = None,
    ) -> None:
        """Compile ``sources[language][kind][part]``; ``origins`` places problems in their files."""
        self.brand = brand
        self._compiled: dict[tuple[str, Language], dict[str, jinja2.Template]] = {}
        problems: list[Diagnostic] = []
        envs = {lang: _environment(lang) for lang in LANGUAGES}
        for lang, kinds in sources.items():
            for kind, parts in kinds.items():
                start = len(problems)
                compiled: dict[str, jinja2.Template] = {}
                for part in PARTS:
                    text = parts.get(part)
                    if text is None:
                        problems.append(
                            Diagnostic(
                                "missing-part",
                                f"{lang}.{kind} has no '{part}'",
                                path=f"{kind}.{part}",
                                message_zh=f"{lang}.{kind} 缺少 '{part}'",
                            )
                        )
                        continue
                    try:
                        compiled[part] = envs[lang].from_string(text)
                    except jinja2.TemplateSyntaxError as exc:
                        problems.append(
                            Diagnostic(
                                "template-syntax",
                                f"{lang}.{kind}.{part}: {exc.message}",
                                path=f"{kind}.{part}",
                                line=exc.lineno,
                            )
                        )
                        continue
                    problems += _check_variables(envs[lang], kind, part, text, lang)
                self._compiled[(kind, lang)] = compiled
                where = (origins or {}).get((lang, kind, "")) or (None, None)
                problems[start:] = [_place(d, lang, kind, origins, where) for d in problems[start:]]
        for kind in sorted(NOTICE_KINDS.keys() - {k for k, _ in self._compiled}):
            problems += [
                Diagnostic(
                    "missing-template",
                    f"the registered notice kind '{kind}' has no {lang} template",
                    path=kind,
                    message_zh=f"已登记的通知类型 '{kind}' 缺少 {lang} 模板",
                    hint=f"add '{kind}:' with subject, body and short to {lang}.yaml",
                    hint_zh=f"请在 {lang}.yaml 中添加 '{kind}:'（含 subject、body、short）",
                )
                for lang in LANGUAGES
            ]
        for kind in {k for k, _ in self._compiled}:
            for lang in LANGUAGES:
                if (kind, lang) not in self._compiled:
                    other: Language = "en" if lang == "zh" else "zh"
                    where = (origins or {}).get((other, kind, "")) or (None, None)
                    problems.append(
                        Diagnostic(
                            "missing-language",
                            f"'{kind}' has no {lang} template",
                            path=kind,
                            message_zh=f"'{kind}' 缺少 {lang} 模板",
                        ).located(*where)
                    )
        if problems:
            raise SpecError(diagnostics=tuple(problems))

    @classmethod
    def default(cls, *, brand: str = "loanfactory") -> TemplateBook:
        """The built-in Chinese and English templates."""
        return cls.load(None, brand=brand)

    @classmethod
    def load(cls, directory: Path | None, *, brand: str = "loanfactory") -> TemplateBook:
        """The built-in templates overlaid with ``directory/zh.yaml`` and ``directory/en.yaml``."""
        sources: dict[Language, dict[str, dict[str, str]]] = {}
        origins: dict[tuple[str, str, str], tuple[str, int | None]] = {}
        problems: list[Diagnostic] = []
        for lang in LANGUAGES:
            merged = _read(BUILTIN_DIR / f"{lang}.yaml", lang, problems, origins)
            if directory is not None and (directory / f"{lang}.yaml").exists():
                for kind, parts in _read(directory / f"{lang}.yaml", lang, problems, origins).items():
                    merged[kind] = {**merged.get(kind, {}), **parts}
            sources[lang] = merged
        try:
            book = cls(sources, brand=brand, origins=origins)
        except SpecError as exc:
            problems += exc.diagnostics
        if problems:
            raise SpecError(diagnostics=tuple(sorted(problems, key=Diagnostic.sort_key)))
        return book

    @property
    def kinds(self) -> list[str]:
        return sorted({k for k, _ in self._compiled})

    def render(self, kind: str, language: str | None, data: Mapping[str, Any]) -> Rendered:
        """The three parts of ``kind`` in ``language`` with ``data``; InvalidInput when data is short."""
        lang = normalize_language(language)
        parts = self._compiled.get((kind, lang))
        if parts is None:
            hint, hint_zh = hint_for(kind, self.kinds)
            raise InvalidInput(
                f"no notification template '{kind}'" + (f"; {hint}" if hint else ""),
                field="template",
                message_zh=f"没有通知模板 '{kind}'" + (f"；{hint_zh}" if hint_zh else ""),
            )
        context = {**data, "brand": self.brand}
        try:
            texts = {part: template.render(context).strip() for part, template in parts.items()}
        except jinja2.UndefinedError as exc:
            name = _undefined_name(str(exc.message))
            raise InvalidInput(
                f"template '{kind}' needs '{name}' in its data",
                field=f"data.{name}",
                message_zh=f"模板 '{kind}' 的数据缺少 '{name}'",
            ) from None
        except jinja2.exceptions.SecurityError as exc:
            raise InvalidInput(
                f"template '{kind}' is not allowed: {exc}",
                field="template",
                message_zh=f"模板 '{kind}' 含有不允许的操作：{exc}",
            ) from None
        except InvalidInput as exc:
            raise InvalidInput(
                f"template '{kind}': {exc.message}",
                field="data",
                message_zh=f"模板 '{kind}'：{exc.localized('zh')}",
            ) from None
        return Rendered(texts["subject"], texts["body"], texts["short"])

    def compose(
        self,
        kind: str,
        *,
        recipient: str,
        channel: Channel,
        data: Mapping[str, Any],
        dedup_key: str,
        language: str | None = None,
        id: str | None = None,
    ) -> Notification:
        """A ready-to-send :class:`Notification`; SMS and push get the short text as body."""
        lang = normalize_language(language)
        rendered = self.render(kind, lang, data)
        body = rendered.short if channel in SHORT_CHANNELS else rendered.body
        return Notification(
            id=id or f"ntf_{dedup_key}",
            recipient=recipient,
            channel=channel,
            template=kind,
            language=lang,
            subject=rendered.subject,
            body=body,
            data=dict(data),
            dedup_key=dedup_key,
        )

    def rerender(
        self, notification: Notification, *, language: str | None = None, channel: Channel | None = None
    ) -> Notification:
        """The same notification rendered again (another language or channel) from its data."""
        lang = normalize_language(language or notification.language)
        target = channel or notification.channel
        rendered = self.render(notification.template, lang, notification.data)
        body = rendered.short if target in SHORT_CHANNELS else rendered.body
        return notification.model_copy(
            update={"language": lang, "channel": target, "subject": rendered.subject, "body": body}
        )


def _check_variables(env: jinja2.Environment, kind: str, part: str, text: str, lang: str) -> list[Diagnostic]:
    known = NOTICE_KINDS.get(kind)
    if known is None:  # a bank's own kind: its variables are its own business
        return []
    used = jinja2.meta.find_undeclared_variables(env.parse(text))
    allowed = known.field_names | GLOBALS
    problems = []
    for name in sorted(used - allowed):
        hint, hint_zh = hint_for(name, allowed)
        problems.append(
            Diagnostic(
                "unknown-variable",
                f"{lang}.{kind}.{part} uses '{name}', which '{kind}' does not provide",
                path=f"{kind}.{part}",
                hint=hint or f"available: {', '.join(sorted(allowed))}",
                message_zh=f"{lang}.{kind}.{part} 使用了 '{kind}' 不提供的变量 '{name}'",
                hint_zh=hint_zh,
            )
        )
    return problems


def _place(
    diagnostic: Diagnostic,
    lang: str,
    kind: str,
    origins: Mapping[tuple[str, str, str], tuple[str, int | None]] | None,
    fallback: tuple[str | None, int | None],
) -> Diagnostic:
    part = diagnostic.path.rsplit(".", 1)[-1]
    file, line = (origins or {}).get((lang, kind, part)) or fallback
    if diagnostic.line is not None and line is not None:  # a line inside the template text
        return replace(diagnostic, file=file, line=line + diagnostic.line - 1)
    return replace(diagnostic, file=file, line=line)


def _read(
    path: Path,
    lang: str,
    problems: list[Diagnostic],
    origins: dict[tuple[str, str, str], tuple[str, int | None]],
) -> dict[str, dict[str, str]]:
    document, found = load_document(path)
    problems += found
    if document is None:
        return {}
    if not isinstance(document.data, dict):
        problems.append(
            document.diagnostic(
                (),
                "not-a-mapping",
                "a template file maps kinds to templates",
                message_zh="模板文件应为“类型: 模板”的映射",
            )
        )
        return {}
    out: dict[str, dict[str, str]] = {}
    for kind, parts in document.data.items():
        if not isinstance(parts, dict):
            problems.append(
                document.diagnostic((kind,), "not-a-mapping", f"'{kind}' must map subject/body/short to text")
            )
            continue
        entry: dict[str, str] = {}
        for part, text in parts.items():
            if part not in PARTS:
                hint, hint_zh = hint_for(str(part), PARTS)
                problems.append(
                    document.diagnostic(
                        (kind, part),
                        "unknown-key",
                        f"unknown part '{part}'",
                        hint=hint,
                        hint_zh=hint_zh,
                        key=True,
                        message_zh=f"未知的部分 '{part}'",
                    )
                )
            elif not isinstance(text, str):
                problems.append(
                    document.diagnostic(
                        (kind, part),
                        "not-text",
                        f"'{kind}.{part}' must be text",
                        message_zh=f"'{kind}.{part}' 必须是文本",
                    )
                )
            else:
                entry[str(part)] = text
                mark = document.mark((kind, part))
                origins[(lang, str(kind), str(part))] = (document.file, mark.line if mark else None)
        kind_mark = document.mark((kind,), key=True)
        origins[(lang, str(kind), "")] = (document.file, kind_mark.line if kind_mark else None)
        out[str(kind)] = entry
    return out


def _undefined_name(message: str) -> str:
    # jinja's message is "'name' is undefined" or "'dict object' has no attribute 'x'"
    parts = message.split("'")
    if "has no attribute" in message and len(parts) >= 4:
        return parts[3]
    return parts[1] if len(parts) >= 2 else "?"
