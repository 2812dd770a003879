"""Personal data in text: masking for reprs and logs (个人信息脱敏).

Identity numbers, mobile phone numbers and bank card numbers never appear in full in a log line,
an exception message or a ``repr``. The ``mask_*`` functions mask one known value; :func:`mask_text`
finds such numbers inside free text; :class:`PiiLogFilter` applies it to every log record of a
logger or handler. Pure functions, no I/O: the core may use them anywhere.

Encryption at rest is the store's business (``loanfactory.adapters.sql`` encrypts the fields a
table mapping marks as personal data with a key from ``LOANFACTORY_PII_KEY``).
"""

from __future__ import annotations

import logging
import re

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


# Numbers are found only where they stand alone (no digit or letter right before or after), so an
# order id such as ``app_20240101123456789012`` or an amount is not mistaken for a card.
_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_ID_RE = re.compile(
    _EDGE_BEFORE + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[0-9Xx]" + _EDGE_AFTER
)
_PHONE_RE = re.compile(_EDGE_BEFORE + r"(?:\+?86[- ]?)?1[3-9]\d{9}" + _EDGE_AFTER)
_CARD_RE = re.compile(_EDGE_BEFORE + r"[3-9]\d{11,18}" + _EDGE_AFTER)


def _mask_phone_match(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = text[-11:]
    return text[:-11] + mask_phone(digits)


def mask_text(text: str) -> str:
    """``text`` with every identity, mobile and card number in it masked.

    Identity numbers are matched first (18 characters with a plausible birth date), then mobile
    numbers (11 digits starting 13-19), then other runs of 12-19 digits as bank cards.
    """
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _PHONE_RE.sub(_mask_phone_match, text)
    return _CARD_RE.sub(lambda m: mask_bank_card(m.group(0)), text)


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
