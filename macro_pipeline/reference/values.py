"""Numbers as their sources state them: ``60-65``, ``1,400``, ``nearly 5``, ``over 2,600``, ``about 4,116``.

A stated value becomes a :class:`StatedValue`: the figure named (``value``, null for a range), the bounds the
wording implies (``low``/``high``; ``None`` is an open side: "over 2,600" has no upper bound, "nearly 5" no lower
one), the qualifier word as written, and what kind of statement it is (``bound``). The grammar is small and
closed: anything outside it is refused with :class:`ReferenceValueError`, never guessed.

Grammar (case-insensitive, surrounding blanks ignored)::

    stated   := [qualifier] ["$"] number [remark]
              | [qualifier] ["$"] number ("-" | "–") ["$"] number [remark]     (a range, low <= high)
    number   := ["-"] digits ["." digits]            plain: 1400, 3.7, -12
              | ["-"] d{1,3} ("," d{3})+ ["." digits]  thousands separators: 1,400  3,764,700  266,619.9
    remark   := "(" text ")"                         kept verbatim, e.g. "3.7 (vs 2.1)" -> 3.7, remark "vs 2.1"

Qualifiers: approximate (about, around, approximately, roughly, some, ~), lower bound (over, more than, at least,
in excess of, above, upwards of) and upper bound (nearly, almost, under, up to, less than, below).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

APPROXIMATE = ("approximately", "around", "roughly", "about", "circa", "some", "~")
LOWER_BOUND = ("in excess of", "upwards of", "more than", "at least", "above", "over")
UPPER_BOUND = ("just under", "less than", "nearly", "almost", "up to", "under", "below")
QUALIFIERS = {**dict.fromkeys(APPROXIMATE, "approximate"), **dict.fromkeys(LOWER_BOUND, "lower_bound"),
              **dict.fromkeys(UPPER_BOUND, "upper_bound")}
BOUNDS = ("exact", "approximate", "lower_bound", "upper_bound", "range")

# ASCII digits only: Python's \d also matches fullwidth and other scripts' digits, which float() would accept
_NUMBER = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNSIGNED = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SINGLE = re.compile(rf"^\$?(?P<v>{_NUMBER})$", re.ASCII)
_RANGE = re.compile(rf"^\$?(?P<lo>{_UNSIGNED})\s*[-–]\s*\$?(?P<hi>{_UNSIGNED})$", re.ASCII)
# the typographic minus (U+2212) is read as '-'; other look-alike digits and signs are refused, never guessed
MINUS_SIGNS = {"\u2212": "-"}
_REMARK = re.compile(r"^(?P<body>.*?)\s*\((?P<remark>[^()]*)\)$")
# longest first, so "more than" wins over a hypothetical "more", "just under" over "under"
_QUALIFIER = re.compile(
    r"^(?P<q>" + "|".join(re.escape(q) for q in sorted(QUALIFIERS, key=len, reverse=True)) + r")(?:\s+|(?<=~))",
    re.IGNORECASE)


class ReferenceValueError(ValueError):
    """A stated value outside the grammar; the loader adds the file, row and column."""


@dataclass(frozen=True)
class StatedValue:
    """One number as its source states it."""

    as_stated: str
    value: float | None
    low: float | None
    high: float | None
    qualifier: str | None
    bound: str
    remark: str | None = None

    @property
    def is_approximate(self) -> bool:
        return self.bound != "exact"


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def split_qualifier(text: str) -> tuple[str | None, str]:
    """``("nearly", "5")`` for ``"nearly 5"``; ``(None, text)`` when no qualifier leads the text."""
    found = _QUALIFIER.match(text)
    if not found:
        return None, text
    return found.group("q").lower(), text[found.end():].strip()


def parse_stated_value(text: str, qualifier: str | None = None) -> StatedValue:
    """Parse one stated value; ``qualifier`` is a qualifier given beside the value (e.g. a ``qualifier`` column).

    Raises ReferenceValueError for anything outside the grammar, an unknown qualifier, a reversed range, or a
    qualifier beside the value that contradicts one inside it.
    """
    raw = text if isinstance(text, str) else ""
    body = raw.strip()
    for sign, ascii_sign in MINUS_SIGNS.items():
        body = body.replace(sign, ascii_sign)
    if not body:
        raise ReferenceValueError("empty value")
    refuse_non_ascii_digits(raw)
    remark = None
    has_remark = _REMARK.match(body)
    if has_remark:
        body, remark = has_remark.group("body").strip(), has_remark.group("remark").strip()
    inner_q, body = split_qualifier(body)
    outer_q = _normalise_qualifier(qualifier)
    if inner_q and outer_q and QUALIFIERS[inner_q] != QUALIFIERS[outer_q]:
        raise ReferenceValueError(f"value {raw!r} says {inner_q!r} but its qualifier says {outer_q!r}")
    q = inner_q or outer_q
    kind = QUALIFIERS[q] if q else "exact"
    single = _SINGLE.match(body)
    if single:
        v = _number(single.group("v"))
        low = None if kind == "upper_bound" else v
        high = None if kind == "lower_bound" else v
        return StatedValue(raw, v, low, high, q, kind, remark)
    ranged = _RANGE.match(body)
    if ranged:
        lo, hi = _number(ranged.group("lo")), _number(ranged.group("hi"))
        if lo > hi:
            raise ReferenceValueError(f"range {raw!r} has its low end above its high end")
        if kind in ("lower_bound", "upper_bound"):
            raise ReferenceValueError(f"range {raw!r} with a one-sided qualifier {q!r} is ambiguous")
        return StatedValue(raw, None, lo, hi, q, "range", remark)
    raise ReferenceValueError(f"cannot read {raw!r} as a number, a range or a qualified number "
                              "(e.g. '1,400', '60-65', 'nearly 5', 'over 2,600')")


def refuse_non_ascii_digits(text: str) -> None:
    """Raise when ``text`` holds a digit that is not 0-9 (fullwidth '５', Arabic-Indic, ...)."""
    odd = sorted({c for c in text if c.isdigit() and not c.isascii()})
    if odd:
        raise ReferenceValueError(f"{text!r} has digits other than 0-9 ({', '.join(repr(c) for c in odd)}); "
                                  "write the figure with ASCII digits")


def _normalise_qualifier(qualifier: str | None) -> str | None:
    if qualifier is None or not qualifier.strip():
        return None
    q = qualifier.strip().lower()
    if q not in QUALIFIERS:
        raise ReferenceValueError(f"unknown qualifier {qualifier!r}; known: {sorted(QUALIFIERS)}")
    return q


_STATED_IN_NOTE = re.compile(r"stated as '([^']*)'", re.IGNORECASE)


def qualifier_from_note(note: str | None, value: StatedValue) -> str | None:
    """The qualifier of a note such as ``stated as 'nearly 5,100 MW'`` when it speaks of this value.

    The number quoted in the note must be the value's figure; a note quoting another number is an error (we
    cannot tell which is right), and a note without a leading qualifier adds nothing.
    """
    if not note:
        return None
    found = _STATED_IN_NOTE.search(note)
    if not found:
        return None
    q, rest = split_qualifier(found.group(1).strip())
    if q is None:
        return None
    number = re.match(rf"^\$?({_NUMBER})", rest)
    if not number or value.value is None or _number(number.group(1)) != value.value:
        raise ReferenceValueError(f"note {note!r} quotes a figure that is not the value {value.as_stated!r}")
    return q
