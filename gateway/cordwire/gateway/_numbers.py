"""The one number parser: proto3 JSON's rules for every numeric request value.

Path variables, query parameters and JSON bodies all come through here (json_format itself
would take whatever Python's ``int()``/``float()`` take: ``1_000``, ``+5``, ``" 7"``, ``inf``).

Integers: the text (or JSON number) must be an RFC 8259 number whose value is a whole number
within the field's range: ``-`` optional, no ``+``, no leading zeros, no spaces, no ``_``, no hex.
Fraction and exponent forms of whole numbers (``1e5``, ``"1e5"``, ``100000.000``) are accepted
because the protobuf conformance suite requires it (Int32FieldExponentialFormat,
Int32FieldQuotedExponentialValue, Int32FieldFloatTrailingZero); ``0.5`` and ``"1.5"`` are not.
``-0`` is 0. Floats: an RFC 8259 number, or the strings ``NaN``, ``Infinity``, ``-Infinity``;
a finite literal beyond the type's range is refused rather than rounded to infinity.
"""

from __future__ import annotations

import math
import re
from typing import Final

from google.protobuf.descriptor import FieldDescriptor

__all__ = ["INT_RANGES", "NumberError", "parse_float", "parse_integer"]

_NUMBER = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?\Z")  # RFC 8259 §6
_PLAIN = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_MAX_DIGITS: Final = 20  # 2**64 has 20 digits: anything longer is out of every range
_SPECIAL: Final = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
FLOAT32_MAX: Final = 3.4028234663852886e38

_C = FieldDescriptor
INT_RANGES: Final = {
    _C.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    _C.CPPTYPE_UINT32: (0, 2**32 - 1),
    _C.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    _C.CPPTYPE_UINT64: (0, 2**64 - 1),
    _C.CPPTYPE_ENUM: (-(2**31), 2**31 - 1),
}
"""Inclusive bounds per integer C++ type (sint/fixed/sfixed share their width's)."""


class NumberError(ValueError):
    """A value that is not a number of the field's type; the text is the reason, for a 400."""


def parse_integer(value: object, low: int, high: int) -> int:
    """The integer ``value`` (a JSON number or string) denotes, within ``[low, high]``."""
    if isinstance(value, bool):
        raise NumberError(f"expected an integer, got {str(value).lower()}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise NumberError(f"expected an integer, got {value!r}")
        number = int(value)
    elif isinstance(value, str):
        number = _integer_text(value, low, high)
    else:
        raise NumberError(f"expected an integer, got {_json_type(value)}")
    if not low <= number <= high:
        raise NumberError(f"{_show(value)} is out of range [{low}, {high}]")
    return number


def _integer_text(text: str, low: int, high: int) -> int:
    if len(text) <= _MAX_DIGITS + 1 and _PLAIN.match(text):
        return int(text)
    match = _NUMBER.match(text)
    if match is None:
        raise NumberError(f"{text[:40]!r} is not a decimal integer")
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return 0  # "0.000e7", "-0"
    significant = digits.rstrip("0")
    exp = exponent or "0"
    # Bound the exponent's text before int(): "1e99999999999" must cost nothing.
    scale = int(exp) if len(exp) <= 8 else (10**9 if exp[0] != "-" else -(10**9))
    scale += len(digits) - len(significant) - len(fraction)
    if scale < 0:
        raise NumberError(f"{text[:40]!r} is not a whole number")
    if len(significant) + scale > _MAX_DIGITS:
        raise NumberError(f"{text[:40]!r} is out of range [{low}, {high}]")
    number: int = int(significant) * 10**scale
    return -number if sign else number


def parse_float(value: object, single: bool) -> float | str:
    """The float ``value`` denotes; the special strings come back as given (json_format's form)."""
    if isinstance(value, bool):
        raise NumberError(f"expected a number, got {str(value).lower()}")
    if isinstance(value, int):
        try:
            number = float(value)
        except OverflowError:
            raise NumberError(f"{_show(value)} is out of range") from None
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        if value in _SPECIAL:
            return value
        if not _NUMBER.match(value):
            raise NumberError(f"{value[:40]!r} is not a number (or NaN, Infinity, -Infinity)")
        number = float(value)
    else:
        raise NumberError(f"expected a number, got {_json_type(value)}")
    if math.isinf(number) or math.isnan(number) or (single and abs(number) > FLOAT32_MAX):
        raise NumberError(f"{_show(value)} is out of range for a {'float' if single else 'double'}")
    return number


def _show(value: object) -> str:
    return repr(value[:40]) if isinstance(value, str) else str(value)


def _json_type(value: object) -> str:
    return {dict: "an object", list: "an array", type(None): "null"}.get(type(value), type(value).__name__)
