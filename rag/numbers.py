"""Numbers, amounts and months in text, read the ways German and English write them ("1.234,5",
"1,234.5", "2,5 Mio.", "zwölf", "3. November", "02.11.2025"), so that the answer checks can tell
whether a number in an answer is one a cited sentence says."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lang import FULL_MONTHS, MONTHS, NUMBER_WORDS, tokenize

_SCALES: dict[str, tuple[float, ...]] = {
    **dict.fromkeys(("tausend", "tsd", "thousand"), (1e3,)),
    **dict.fromkeys(("mio", "million", "millionen", "mn"), (1e6,)),
    **dict.fromkeys(("mrd", "milliarde", "milliarden", "bn"), (1e9,)),
    **dict.fromkeys(("billionen", "trillion"), (1e12,)),
    "billion": (1e9, 1e12),  # English 10^9, German 10^12
}
_NUM = re.compile(
    r"(?<![\w.,])(?<![^\W\d_]-)(\d{1,3}(?:([.,\u00a0\u202f\u2009 ])\d{3})(?:\2\d{3})*(?:[.,]\d+)?(?![\d])"
    r"|\d+(?:[.,]\d+)?(?![\d]))(?:\s*(" + "|".join(_SCALES) + r")\b\.?)?",
    re.I,
)
_DATE = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{2,4})\b|\b(\d{4})-(\d{2})-(\d{2})\b|\b(\d{1,2}):(\d{2})\b")
_LIST_NUM = re.compile(r"^\s*\d+[.)]\s+|\b(?:satz|artikel|quelle|sentence|article|source)\s+\d+\b", re.M | re.I)
_WORDS = {w: float(v) for w, v in NUMBER_WORDS.items()}


@dataclass(frozen=True)
class Number:
    text: str
    readings: tuple[tuple[float, float, int], ...]  # (mantissa, scale, decimals) per way to read it


def find_numbers(text: str) -> list[Number]:
    """Numbers in `text`, dates and times split into parts; German and English separators both read."""
    text = _DATE.sub(lambda m: " ; ".join(g for g in m.groups() if g), _LIST_NUM.sub(" ", text))
    out = []
    for m in _NUM.finditer(text):
        raw, sep, unit = m.group(1), m.group(2), (m.group(3) or "").lower()
        readings = set()
        for mantissa, decimals in _readings(raw, sep):
            for scale in _SCALES.get(unit, (1.0,)):
                readings.add((mantissa, scale, decimals))
        out.append(Number(m.group(0).strip(), tuple(sorted(readings))))
    return out


def _readings(raw: str, sep: str | None) -> list[tuple[float, int]]:
    if sep and sep not in ".,":
        raw = raw.replace(sep, "")
        sep = None
    if sep is None:  # "1,5", "1.5", "994": one decimal separator at most
        digits = raw.replace(",", ".")
        return [(float(digits), len(digits.partition(".")[2]))]
    out = []
    head, _, tail = raw.partition(sep)
    if tail.isdigit():  # "1.234" or "1,234": thousands, or a decimal with three places
        out.append((float(head + "." + tail), 3))
    other = "," if sep == "." else "."
    whole, _, frac = raw.partition(other)
    out.append((float(whole.replace(sep, "") + ("." + frac if frac else "")), len(frac)))
    return out


def supported_values(text: str) -> set[float]:
    """Every value a cited sentence may support: scaled and unscaled, parts of decimals, words."""
    values: set[float] = set()
    for num in find_numbers(text):
        for mantissa, scale, _ in num.readings:
            values |= {mantissa * scale, mantissa, float(int(mantissa))}
            frac = str(mantissa).partition(".")[2]
            if frac and frac != "0":
                values.add(float(frac))
    values |= {_WORDS[w] for w in tokenize(text) if w in _WORDS}
    return values


def is_supported(num: Number, values: set[float]) -> bool:
    for mantissa, scale, decimals in num.readings:
        for v in values:
            if _close(v, mantissa * scale) or (scale > 1 and _close(round(v / scale, decimals), mantissa)):
                return True
    return False


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def months_named(text: str, answer: bool) -> list[tuple[str, int]]:
    """Month names (capitalised full names in an answer; any form in evidence, plus numeric dates)."""
    out = []
    for m in re.finditer(r"(?<!\w)[^\W\d_]+\.?", text):
        word = m.group(0).rstrip(".")
        month = MONTHS.get(word.lower())
        if month and (not answer or (word[0].isupper() and len(word) >= 3 and word.lower() in FULL_MONTHS)):
            out.append((word, month))
    if not answer:
        for m in _DATE.finditer(text):
            if m.group(2) or m.group(5):
                out.append(("", int(m.group(2) or m.group(5))))
    return out


#: Words before a figure that make it a bound or an estimate ("mehr als 100 Millionen", "about 5 %"): the
#: sentence's figure may then answer yes without being the same.
_BOUND = re.compile(r"\b(mehr|weniger|über|unter|mindestens|höchstens|bis\s+zu|rund|etwa|ungefähr|circa|ca|knapp|fast|"
                    r"nahezu|more|less|fewer|over|under|above|below|at\s+least|at\s+most|up\s+to|about|around|"
                    r"roughly|approximately|nearly|almost)\b\W*(als|than)?\W*$", re.IGNORECASE)


_CURRENCY = r"\s*(?:Euro|EUR|€|US-Dollar|Dollar|USD|\$|Pfund|Franken|euros?|dollars?|pounds?)\b"


def amounts(text: str) -> list[Number]:
    """The amounts of `text`: figures with a scale word ("130 Millionen", "2,5 Mio.", "300 million") or a currency
    ("350.000 Euro"); a bare count or a year is no amount."""
    return [num for num in find_numbers(text) if any(scale > 1 for _, scale, _ in num.readings)
            or re.search(re.escape(num.text) + _CURRENCY, text, re.IGNORECASE)]


#: A unit of measure after a figure ("760 nm", "117 km", "13 %"): such figures of one unit measure the same kind of
#: thing, unlike bare counts.
_UNIT = re.compile(r"\s*(%|prozent|percent|per\s+cent|nm|mm|cm|km|m|kg|t|°c|grad|degrees?|meter|metern|metres?|meters?|"
                   r"kilometer|kilometern|kilometres?|kilometers?|quadratkilometer\w*|square\s+kilomet\w+|tonnen|tons?|"
                   r"tonnes?|kilogramm|kilograms?)(?![\w%])", re.IGNORECASE)


#: One name for each unit however it is written ("Prozent", "percent" → "%").
_UNIT_NAMES = {"%": re.compile(r"%|prozent|per ?cent"), "km": re.compile(r"kilomet"), "m": re.compile(r"met"),
               "°": re.compile(r"°c|grad|degree"), "t": re.compile(r"tonn|tons?$"), "kg": re.compile(r"kilogram")}


def measures(text: str) -> list[tuple[Number, str]]:
    """The figures of `text` with a unit of measure right after them, each with its unit (`_UNIT_NAMES`)."""
    out = []
    for num in find_numbers(text):
        at = text.find(num.text)
        m = _UNIT.match(text, at + len(num.text)) if at >= 0 else None
        if m:
            unit = " ".join(m.group(1).lower().split())
            out.append((num, next((short for short, said in _UNIT_NAMES.items() if said.match(unit)), unit)))
    return out


def other_amount(question: str, sentence: str) -> str:
    """The amount the sentence gives where a yes/no question names another one ("Was the package worth 300
    million dollars?" / "… ein neues Hilfspaket in Höhe von 130 Millionen US-Dollar …"): the sentence's first
    amount, when none of its figures is the question's amount and the question gives it exactly (not "more
    than …", "about …"); the same for a figure in a unit of measure the sentence gives another figure in ("peaking
    at 687 and 860 nm?" / "… bei den Wellenlängen 687 und 760 nm"); "" otherwise."""
    def exact(num: Number) -> bool:
        return not _BOUND.search(question[:question.find(num.text)] if num.text in question else "")

    values = supported_values(sentence)
    asked = [num for num in amounts(question) if exact(num)]
    given = amounts(sentence)
    if asked and given and not all(is_supported(num, values) for num in asked):
        return given[0].text
    units = {unit: num for num, unit in reversed(measures(sentence))}  # the first figure of each unit
    for num, unit in measures(question):
        if exact(num) and not is_supported(num, values) and unit in units:
            return f"{units[unit].text} {unit}"
    return ""


#: A question whether an amount doubled, tripled or halved ("Hat sich die Hilfe mehr als verdoppelt?", "Did it double?")
_FACTOR = re.compile(r"\b(mehr\s+als\s+|more\s+than\s+)?(verdoppel\w*|verdreifach\w*|vervierfach\w*|halbier\w*|"
                     r"doubled?|tripled?|quadrupled?|halved?)\b", re.IGNORECASE)
_FACTORS = {"verdoppel": 2.0, "doubl": 2.0, "verdreifach": 3.0, "tripl": 3.0, "vervierfach": 4.0, "quadrupl": 4.0,
            "halbier": 0.5, "halv": 0.5}
#: "von 300 Millionen auf 430 Millionen US-Dollar", "from 300 to 430 million"
_FROM_TO = re.compile(r"\b(?:von|from)\s+(?P<a>[^;:]{1,30}?)\s+(?:auf|to)\s+(?P<b>[^;:]{1,30})", re.IGNORECASE)


def other_factor(question: str, sentence: str) -> str:
    """The change a sentence gives ("von 300 Millionen auf 430 Millionen") where a question asks whether the amount
    doubled, tripled or halved ("mehr als verdoppelt?") and no reading of the two figures makes it so (within a tenth
    of the factor; "mehr als": above it); "" otherwise. A first figure without a scale word takes the second's ("von
    300 auf 430 Millionen")."""
    m = _FACTOR.search(question)
    if m is None:
        return ""
    word = m.group(2).lower()
    factor = next(v for k, v in _FACTORS.items() if word.startswith(k))
    more = bool(m.group(1))
    for change in _FROM_TO.finditer(sentence):
        first, second = find_numbers(change.group("a")), find_numbers(change.group("b"))
        if not first or not second:
            continue
        ratios = []
        for a, a_scale, _ in first[0].readings:
            for b, b_scale, _ in second[0].readings:
                a_scale = b_scale if a_scale == 1.0 else a_scale
                if a * a_scale:
                    ratios.append(b * b_scale / (a * a_scale))
        if ratios and not any(r > factor if more else abs(r - factor) <= 0.1 * factor for r in ratios):
            return change.group(0).strip().rstrip(".")
    return ""
