"""Personal data in text: masking for reprs and logs (个人信息脱敏).

Identity numbers, mobile phone numbers and bank card numbers never appear in full in a log line,
an exception message or a ``repr``. The ``mask_*`` functions mask one known value; :func:`mask_text`
finds such numbers inside free text however they are written (full-width or other digits,
percent-encoded, grouped with spaces or dashes); :class:`PiiLogFilter` applies it to every log
record of a logger or handler. Pure functions, no I/O: the core may use them anywhere.

Encryption at rest is the store's business (``loanfactory.adapters.sql`` encrypts the fields a
table mapping marks as personal data with a key from ``LOANFACTORY_PII_KEY``).
"""

from __future__ import annotations

import logging
import re
import unicodedata

__all__ = [
    "PiiLogFilter",
    "mask_bank_card",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_text",
]


def mask_id_number(number: str) -> str:
    """``110105199003071234`` -> ``110***********1234`` (身份证号: first 3 and last 4 kept)."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678`` (手机号: first 3 and last 4 kept)."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_bank_card(number: str) -> str:
    """``6222021234567890123`` -> ``622202*********0123`` (银行卡号: bank BIN and last 4 kept)."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """``张三丰`` -> ``张**`` (姓名: the family name only)."""
    return name[:1] + "*" * (len(name) - 1)


# Numbers are found however they are written: in ASCII or any other decimal digits (full-width
# ０-９, Arabic-Indic ...), percent-encoded (``%31``, ``%EF%BC%91``), and split into the groups
# people write them in (``138 1234 5678``, ``138-1234-5678``, ``6222 0212 3456 7890 123``). A number
# counts only where it stands alone: the character before and after it (percent-decoded) is no
# ASCII letter or digit, so an order id such as ``app_20240101123456789012`` is not taken for a
# card; and grouped digits count only in the layouts above, so amounts and dates stay as they are.
_HEX = "0-9A-Fa-f"
_SHORTEST = 11  # no number masked here has fewer digits (a mobile number)
_DIGIT = rf"(?:(?<!%)(?<!%[{_HEX}])\d|%3[0-9]|%[Ee][Ff]%[Bb][Cc]%9[0-9])"
_CHECK = r"(?:[XxＸｘ]|%58|%78|%[Ee][Ff]%[Bb][Cc]%[Bb]8|%[Ee][Ff]%[Bb][Dd]%98)"  # an ID's last character
_SEPARATOR = (
    r"(?:[ \-+\u00a0\u2010-\u2015\u3000\uff0d]|%20|%2[Dd]|%2[Bb]|%[Ee]3%80%80|%[Ee][Ff]%[Bb][Cc]%8[Dd])"
)
_GROUP = rf"{_DIGIT}+{_CHECK}?"
# the look-ahead skips short runs (most digits in a log line) without a call per run
_CANDIDATE = re.compile(
    rf"(?=[\d%])(?=(?:{_DIGIT}|{_SEPARATOR}){{{_SHORTEST}}}){_GROUP}(?:{_SEPARATOR}{_GROUP})*"
)
_SPLIT = re.compile(_SEPARATOR)
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_ID = re.compile(r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[0-9X]", re.ASCII)
_PHONE = re.compile(r"(?:86|0086)?(1[3-9]\d{9})", re.ASCII)
_CARD = re.compile(r"[3-9]\d{11,18}", re.ASCII)
_ID_LAYOUTS = {(6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4)}
_PHONE_LAYOUTS = {(3, 4, 4), (3, 8), (7, 4)}


def _plain_digits(text: str) -> str:
    """ASCII digits (and ``X``) of one written group: percent-decoded, any script's digits."""
    decoded = _PERCENT.sub(
        lambda m: bytes.fromhex(m.group(0).replace("%", "")).decode("utf-8", "replace"), text
    )
    out = []
    for char in decoded:
        if char.isdecimal():
            out.append(str(unicodedata.decimal(char)))
        elif char in "XxＸｘ":
            out.append("X")
        else:
            out.append(char)
    return "".join(out)


def _stands_apart(text: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether the character before ``start`` and the one at ``end`` are not ASCII letters or digits."""
    if start >= 3 and text[start - 3] == "%" and _is_hex(text[start - 2 : start]):
        before = chr(int(text[start - 2 : start], 16))
    else:
        before = text[start - 1] if start > 0 else ""
    if text[end : end + 1] == "%" and _is_hex(text[end + 1 : end + 3]):
        after = chr(int(text[end + 1 : end + 3], 16))
    else:
        after = text[end : end + 1]
    return not _ascii_alnum(before), not _ascii_alnum(after)


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def _ascii_alnum(char: str) -> bool:
    plain = unicodedata.normalize("NFKC", char) if char else ""
    return len(plain) == 1 and plain.isascii() and plain.isalnum()


def _masked(groups: list[str]) -> tuple[int, str] | None:
    """When these groups together are a personal number: how many leading groups stay as written
    (a ``+86`` country code) and the masked rest; None otherwise."""
    digits = "".join(groups)
    layout = tuple(len(g) for g in groups)
    single = len(groups) == 1
    if (single or layout in _ID_LAYOUTS) and _ID.fullmatch(digits):
        return 0, mask_id_number(digits)
    phone = _PHONE.fullmatch(digits)
    if phone and (single or layout in _PHONE_LAYOUTS):
        return 0, digits[: phone.start(1)] + mask_phone(phone.group(1))
    if phone and groups[0] in ("86", "0086") and (layout[1:] in _PHONE_LAYOUTS or layout[1:] == (11,)):
        return 1, mask_phone(phone.group(1))
    grouped_card = len(groups) >= 3 and all(n == 4 for n in layout[:-1]) and 1 <= layout[-1] <= 4
    if (single or grouped_card) and _CARD.fullmatch(digits):
        return 0, mask_bank_card(digits)
    return None


def _mask_candidate(text: str, match: re.Match[str]) -> str:
    written = match.group(0)
    apart_before, apart_after = _stands_apart(text, match.start(), match.end())
    pieces = _SPLIT.split(written)
    spans: list[tuple[int, int]] = []
    at = 0
    for piece in pieces:
        at = written.index(piece, at)
        spans.append((at, at + len(piece)))
        at += len(piece)
    groups = [_plain_digits(p) for p in pieces]
    out: list[str] = []
    done = 0  # characters of ``written`` already in ``out``
    i = 0
    while i < len(groups):
        found: tuple[int, int, str] | None = None
        if i > 0 or apart_before:
            for j in range(len(groups), i, -1):
                if (j < len(groups) or apart_after) and (number := _masked(groups[i:j])) is not None:
                    found = j, *number
                    break
        if found is None:
            i += 1
            continue
        end, kept, masked = found
        out.append(written[done : spans[i + kept][0]])
        out.append(masked)
        done = spans[end - 1][1]
        i = end
    out.append(written[done:])
    return "".join(out)


def mask_text(text: str) -> str:
    """``text`` with every identity, mobile and bank card number in it masked.

    Identity numbers are 18 characters with a plausible birth date, mobile numbers 11 digits
    starting 13-19 (with or without ``+86``), bank cards other runs of 12-19 digits starting 3-9,
    each written in any digits, percent-encoded or grouped as people write them.
    """
    return _CANDIDATE.sub(lambda m: _mask_candidate(text, m), text)


class PiiLogFilter(logging.Filter):
    """A logging filter that masks personal numbers in the message and its arguments.

    Attach it to a handler (``handler.addFilter(PiiLogFilter())``) so that every record passing
    through is masked, whichever library logged it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
