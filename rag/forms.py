"""Answer forms and the alignment checks behind them.

- a factoid: the short answer (an exact span of the cited sentence) beside the quote;
- a list, overview, comparison or question over several articles: one cited quote per bullet;
- yes/no: the verdict beside the quote.

The extractive short answer is the number, date or time span of the asked kind in the best sentence
when one candidate stands out; a model's short answer is snapped to the sentence it came from, so
what is shown as the sentence's words is the sentence's words.
"""

from __future__ import annotations

import difflib
import re

from .dates import date_keys
from .lang import COUNT_COMPOUND, COUNT_WORDS, MONTH_NAMES, NUMBER_WORDS, ordinal_value, stem_tokens, tokenize
from .types import Evidence, Language

#: A citation as answers write it: [1], [1, 2], [1-3], [1 und 2] (the one pattern: the checks and the page).
CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:[,;]|[-–]|und|and)\s*\d{1,3})*)\s*\]")


def citation_numbers(inner: str) -> list[int]:
    """The numbers a citation's inside names, ranges expanded ("1-3" -> 1, 2, 3; wide ranges: the ends)."""
    out: list[int] = []
    for a, b in re.findall(r"(\d+)(?:\s*[-–]\s*(\d+))?", inner):
        lo, hi = int(a), int(b or a)
        out.extend(range(lo, hi + 1) if 0 <= hi - lo <= 20 else (lo, hi))
    return out


_MONTH = f"(?:{MONTH_NAMES})"  # DATE_SPAN matches case-insensitively
DATE_SPAN = re.compile(
    rf"\b(?:(?:Anfang|Mitte|Ende|Beginn|early|mid|late)\s+)?\d{{1,2}}\.\s*(?:und\s+\d{{1,2}}\.\s*)?"
    rf"{_MONTH}(?:\s+\d{{4}})?"
    rf"|\b{_MONTH}\s+\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\b(?:(?:Anfang|Mitte|Ende|Beginn|early|mid|late)\s+)?{_MONTH}\s+\d{{4}}"
    r"|\b\d{1,2}\.\s*(?:(?:und|bis|-)\s*\d{1,2}\.\s*)?(?:Jahrhundert|Jh\.)\w*"
    r"|\b\d{1,2}(?:st|nd|rd|th)\s+(?:and\s+\d{1,2}(?:st|nd|rd|th)\s+)?centur(?:y|ies)"
    r"|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(?:(?:Anfang|Mitte|Ende|Beginn|early|mid|late)\s+)?(?:(?:im\s+Jahr|in)\s+)?(?:1\d{3}|20\d{2})(?:er)?\b"
    # a season ("im kommenden Frühjahr", "im Sommer 2026", "next spring")
    r"|\b(?:(?:im|in|the|this|next|last|kommenden|nächsten|vergangenen|diesem|diesen)\s+){0,2}"
    r"(?:Frühjahr|Frühling|Sommer|Herbst|Winter|spring|summer|autumn)\b(?:\s+(?:1\d{3}|20\d{2})\b)?",
    re.IGNORECASE,
)
_SCALE = r"(?:Millionen|Million|Milliarden|Milliarde|Mio\.?|Mrd\.?|Tausend|million|billion|thousand|Prozent|percent|%)"
#: A number with its scale and unit; not one a name holds after a hyphen ("MIRA-2", "Falcon-9", "COVID-19")
_NUMBER_SPAN = re.compile(
    r"(?<![\w.,])(?<![^\W\d_]-)(?:\d{1,3}(?:[.\u00a0 ]\d{3})+|\d+)(?:[.,]\d+)?\.?"
    rf"(?:\s*{_SCALE})?"
    r"(?:\s+(?:US-Dollar|Dollar|Euro|USD|EUR|Meter|Kilometer|km|Tonnen|Jahre\w*|[a-zäöü]+(?:en|er|es|e|n)\s+[A-ZÄÖÜ][\w-]+|"
    r"[A-ZÄÖÜ][\w-]+|[a-z]+s))?",
)
_DURATION_SPAN = re.compile(
    rf"\b(?:\d+(?:[.,]\d+)?|ein\w*|{COUNT_WORDS}|zwanzig|twenty|several|mehrere\w*|a|an)\s+"
    r"(?:Sekunde|Minute|Stunde|Tag|Woche|Monat|Jahr|Jahrzehnt|second|minute|hour|day|week|month|year|decade)\w*",
    re.IGNORECASE,
)
PERCENT_SPAN = re.compile(
    r"(?<![\w.,])\d+(?:[.,]\d+)?\s*(?:%|Prozent\w*|percent\w*|per\s+cent|percentage\s+points?)", re.IGNORECASE
)
_SPANS = {"date": DATE_SPAN, "number": _NUMBER_SPAN, "duration": _DURATION_SPAN, "percent": PERCENT_SPAN}


def number_span(number: str, sentence: str) -> str:
    """The longest date, percent or number span of the sentence that holds `number` whole ("130 Millionen
    US-Dollar" for "130", "26. Oktober" for "26"); "" when none does."""
    whole = re.compile(rf"(?<![\d.,]){re.escape(number)}(?![\d,])")
    found = [m.group(0).strip() for p in (DATE_SPAN, PERCENT_SPAN, _NUMBER_SPAN) for m in p.finditer(sentence)
             if whole.search(m.group(0))]
    return max(found, key=len, default="")


def with_scale(span: str, sentence: str) -> str:
    """A bare number with the scale the sentence gives it ("300" → "300 Millionen" in "von 300 Millionen auf 430
    Millionen US-Dollar", "12" → "12 Prozent"): without it the number is another one; `span` unchanged
    otherwise."""
    if not re.fullmatch(r"\d+(?:[.,\u00a0 ]\d+)*", span.strip()):
        return span
    m = re.search(rf"(?<![\w.,]){re.escape(span.strip())}\s*{_SCALE}(?![\w])", sentence)
    return m.group(0) if m else span


def typed_candidates(sentence: str, question: str, atype: str | None) -> list[re.Match[str]]:
    """Spans of the asked type in the sentence that the question does not already say."""
    pattern = _SPANS.get(atype or "")
    if pattern is None:
        return []
    asked = question.lower()
    dates = [(d.start(), d.end()) for d in DATE_SPAN.finditer(sentence)] if atype != "date" else []
    return [m for m in pattern.finditer(sentence) if m.group(0).strip().lower() not in asked
            and not any(a <= m.start() < b for a, b in dates)]  # "2. November" is a date, not a number


_UNITS = re.compile(r"(?:US-Dollar|Dollar|Euro|USD|EUR|€|\$|Meter|metre|meter|Kilometer|km|Tonnen|tonnes|"
                    r"Prozent|percent|%|Betten|beds|Stimmen|votes|Jahr\w*|year\w*)", re.IGNORECASE)


def units(sentence: str, question: str, atype: str | None) -> set[str]:
    """The units of the sentence's spans of the asked type ("15,4 Millionen Euro" -> {"euro"}): a newer
    report gives the same fact only in the same unit."""
    return {u.group(0).lower().rstrip("s") for m in typed_candidates(sentence, question, atype)
            for u in _UNITS.finditer(sentence[m.start():m.end() + 12])}


def has_type(text: str, atype: str | None) -> bool:
    """Whether `text` is of the asked type; a count word ("sechs", "two") or an ordinal ("dritte", "third")
    is a number ("Wie viele Grammys gewann sie?" / "die sechs-malige Grammy-Gewinnerin")."""
    pattern = _SPANS.get(atype or "")
    if pattern is None or pattern.search(text):
        return True
    return atype == "number" and (bool(_COUNT_WORD.search(text))
                                  or any(ordinal_value(w) for w in re.findall(r"[^\W\d_]+", text)))


_COUNT_WORD = re.compile(rf"(?<![\w-])(?:{COUNT_WORDS})(?![\w])|\b{COUNT_COMPOUND}", re.IGNORECASE)
_HOW_MANY = re.compile(r"\b(wie\s*viele\w*|how\s+many)\b", re.IGNORECASE)


def ordinal_for_count(text: str, question: str) -> bool:
    """Whether `text` answers "wie viele"/"how many" with an ordinal alone ("dritte" for "Wie viele Aussteller werden
    erwartet?"): the third exhibition is no number of exhibitors. "Die wievielte …?" asks for an ordinal."""
    return (bool(_HOW_MANY.search(question)) and not re.search(r"\d", text) and not _COUNT_WORD.search(text)
            and any(ordinal_value(w) for w in re.findall(r"[^\W\d_]+", text)))


def extractive_short(sentence: str, question: str, atype: str | None, language: Language) -> tuple[str, bool]:
    """The span of the asked type that stands out, and whether it is the only one: the only candidate,
    else the one nearest the question's words ("" when none or a tie)."""
    cands = typed_candidates(sentence, question, atype)
    if len(cands) <= 1:
        return (cands[0].group(0).strip(), True) if cands else ("", False)
    q = set(stem_tokens(question, language))
    scores = []
    for m in cands:  # the span's own words ("994 Kisten") count twice as much as its neighbours'
        window = sentence[max(0, m.start() - 40) : m.end() + 40]
        scores.append(2 * len(q & set(stem_tokens(m.group(0), language))) + len(q & set(stem_tokens(window, language))))
    best = max(scores)
    return (cands[scores.index(best)].group(0).strip(), False) if scores.count(best) == 1 else ("", False)


_TRIM = " \t\n.,;:!?\"'„“”«»‚‘’()[]"


def number_as_written(reply: str, source: str) -> str:
    """A reply that is a bare number ("3", "3.") where the source writes it as a word ("die dritte
    Ausstellung", "drei Ziele", "the third") becomes that word as the source writes it; else the reply."""
    m = re.fullmatch(r"\s*(\d{1,2})\.?\s*", reply)
    if not m or re.search(rf"(?<![\d.,]){m.group(1)}(?![\d,])", source):
        return reply
    n = int(m.group(1))
    for word in re.finditer(r"[^\W\d_]+", source):
        w = word.group(0)
        if ordinal_value(w) == n or (NUMBER_WORDS.get(w.lower()) == n and n >= 2):
            return w
    return reply


#: What may follow a span inside a word of the sentence: an inflection ending the model left off ("Bettler" of
#: "Bettlern"), which the snapped span takes along; not the rest of another word ("vietnam" of "vietnamesische").
ENDINGS = frozenset({"e", "n", "s", "en", "er", "es", "em", "ns", "ens", "ern"})


def snap(span: str, source: str) -> str | None:
    """`span` as it stands in `source` (case and spacing forgiven; at most a word's edit for longer
    spans; where it ends inside a word, only before one of `ENDINGS`, which it then takes), or None when
    the source does not hold it."""
    want = " ".join(span.split()).strip(_TRIM)
    text = " ".join(source.split())
    if not want:
        return None
    for m in re.finditer(rf"{re.escape(want)}(?=(\w*))", text, re.IGNORECASE):  # and the rest of its last word
        rest = m.group(1) if want[-1].isalnum() else ""
        if not rest or rest.lower() in ENDINGS:
            return text[m.start() : m.end() + len(rest)]
    listed = _snap_items(want, text)
    if listed:
        return listed
    words = [(m.start(), m.end(), m.group(0).lower().strip(_TRIM)) for m in re.finditer(r"\S+", text)]
    target = [w.lower().strip(_TRIM) for w in want.split()]
    if len(target) < 3:
        return None
    best, where = 0.0, None
    for size in (len(target) - 1, len(target), len(target) + 1):
        for a in range(0, max(0, len(words) - size) + 1):
            window = words[a : a + size]  # shorter than `size` when the source has fewer words
            if not window:
                continue
            ratio = difflib.SequenceMatcher(None, [w for _, _, w in window], target).ratio()
            if ratio > best:
                best, where = ratio, (window[0][0], window[-1][1])
    if best >= 0.8 and where:
        return text[where[0] : where[1]].strip(_TRIM)
    return None


#: what joins the items of a list a reply gives ("Mika, Tove", "Hawaii and Japan")
_ITEM_JOINS = re.compile(r"\s*(?:[,;/&]|\b(?:und|and|oder|or|sowie)\b)\s*", re.IGNORECASE)


def _snap_items(want: str, text: str) -> str | None:
    """A reply listing items in other joining words than the sentence's ("Mika, Tove" for "Die Luchse Mika und Tove
    …"): the stretch of `text` from its first item to its last where each item stands as whole words and nothing
    stands between them but the items and at most a joining word or article each; else None."""
    items = [item.strip(_TRIM) for item in _ITEM_JOINS.split(want) if item.strip(_TRIM)]
    if len(items) < 2:
        return None
    found = []
    for item in items:
        m = re.search(rf"(?<!\w){re.escape(item)}(?!\w)", text, re.IGNORECASE)
        if m is None:
            return None
        found.append(m)
    start, end = min(m.start() for m in found), max(m.end() for m in found)
    rest = text[start:end]
    for m in sorted(found, key=lambda m: m.start(), reverse=True):
        rest = rest[: m.start() - start] + " " + rest[m.end() - start :]
    if len(_ITEM_JOINS.sub(" ", rest).split()) > len(items):
        return None
    return text[start:end]


def snap_date(reply: str, source: str) -> str | None:
    """The sentence's own words for a date the reply gives in other words or another language ("October 1954" for
    "im Oktober 1954", "2 November" for "2. November"): the one date span of `source` naming the same date; None
    where none does, or several."""
    wanted = date_keys(reply)
    if not wanted:
        return None
    same = {m.group(0).strip() for m in DATE_SPAN.finditer(source) if date_keys(m.group(0)) & wanted}
    return same.pop() if len(same) == 1 else None


def only_repeats(span: str, question: str, language: Language) -> bool:
    """True when the span says nothing the question did not ("Hegseth" for "Wen trifft Hegseth?")."""
    words = set(stem_tokens(span, language))
    return not words - set(stem_tokens(question, language)) and not re.search(r"\d", span)


def too_long(span: str, kind: str) -> bool:
    return len(tokenize(span)) > (30 if kind == "why" else 15)


# --- the text of an answer ------------------------------------------------------------------------

QUOTES: dict[Language, tuple[str, str]] = {"de": ("„", "“"), "en": ("“", "”")}
VERDICTS: dict[Language, dict[str, str]] = {"de": {"yes": "Ja", "no": "Nein"}, "en": {"yes": "Yes", "no": "No"}}


def quoted(text: str, language: Language) -> str:
    a, b = QUOTES[language]
    return f"{a}{' '.join(text.split())}{b}"


def _published(ev: Evidence, dated: bool) -> str:
    return f" ({ev.published})" if dated and ev.published else ""


def quote_lines(evidence: list[Evidence], language: Language, dated: bool = False) -> str:
    """One quoted sentence a line, each with its citation number (`dated`: and its article's publication day)."""
    return "\n".join(f"{quoted(ev.sentence.text, language)} [{n}]{_published(ev, dated)}"
                     for n, ev in enumerate(evidence, 1))


def single_text(evidence: list[Evidence], language: Language, short: str = "", cite: int = 1,
                dated: bool = False) -> str:
    """The factoid form: the short answer with its citation, then the quotes it rests on."""
    quotes = quote_lines(evidence, language, dated)
    return f"{short} [{cite}]\n\n{quotes}" if short else quotes


def bullets(evidence: list[Evidence], language: Language, dated: bool = False) -> str:
    """The list form: one quoted sentence a bullet, each cited."""
    return "\n".join(f"• {quoted(ev.sentence.text, language)} [{n}]{_published(ev, dated)}"
                     for n, ev in enumerate(evidence, 1))


def timeline(evidence: list[Evidence], days: list[str], language: Language, outlets: list[str] | None = None) -> str:
    """The timeline form: one dated event a bullet, in the order given, each cited ("• 2025-11-03: „…“ [1]");
    with `outlets`, each bullet names its report's outlet ("• 2025-10-29, nordbote.example: „…“ [1]")."""
    undated = {"de": "ohne Datum", "en": "undated"}[language]
    named = outlets if outlets is not None else [""] * len(evidence)
    return "\n".join(f"• {day or undated}{', ' + outlet if outlet else ''}: {quoted(ev.sentence.text, language)} [{n}]"
                     for n, (ev, day, outlet) in enumerate(zip(evidence, days, named, strict=True), 1))


# A sentence that opens by pointing back ("Sie veranlassten …", "Dies ist …", "They …"): what it speaks of
# is named in the sentence before. Articles ("Das Ministerium", "Die USA") are not pronouns.
_REFERS_BACK = re.compile(
    r"^\W*(sie|er|es|ihm|ihr|ihre\w*|sein\w*|dies\w*|jene\w*|dabei|damit|dadurch|daher|deshalb|deswegen|darauf|"
    r"danach|dort|dazu|darüber|demnach|dafür|dagegen|letzter\w*|beide|he|she|it|its|they|their|them|this|these|"
    r"that|those|such|there|therefore|thus|hence|both|als\s+solche\w*|as\s+such)\b(?!\s+(gibt|is\s+(said|tempting|possible)))",
    re.IGNORECASE,
)


# "… eine Vereinbarung in diesem Bereich …": the area is named before
_THIS_FIELD = re.compile(
    r"\b(in|auf|zu|für|aus|bei|mit|von)\s+(diese[mnr]|jene[mnr])\s+(bereich|zusammenhang|feld|gebiet|rahmen|"
    r"punkt|thema|fall|sinne)\b|\b(in|on|to|for|with)\s+(this|that|these)\s+(area|field|regard|respect|context|"
    r"matter|issue|case)\b",
    re.IGNORECASE,
)


def refers_back(sentence: str) -> bool:
    """Whether the sentence points back to the sentence before it: it opens with such a word, or it
    speaks of "diesem Bereich" / "this area" named before."""
    return bool(_REFERS_BACK.search(sentence) or _THIS_FIELD.search(sentence))


#: A sentence that opens with a definite article and a noun ("Das Viertel liegt …", "The district lies …"), maybe
#: after one adjective
_DEFINITE_OPENING = re.compile(
    r"^\W*(?i:der|die|das|den|dem|des|the)\s+(?:[a-zäöüß]\w*\s+(?=[A-ZÄÖÜ]))?([A-ZÄÖÜ][a-zäöüß]{3,}|[a-z]{4,})\b")


def names_again(sentence: str, before: str) -> bool:
    """Whether the sentence opens by naming again, with a definite article, what the sentence before it named: the
    noun stands there as a word or as the last part of a compound ("Das Viertel gilt …" after "… eines der ältesten
    Viertel der Stadt"; "Der Kanal wurde …" after "… den Kabelkanal …")."""
    m = _DEFINITE_OPENING.match(sentence)
    if m is None or not before:
        return False
    noun = m.group(1).lower()
    return any(word == noun or (word.startswith(noun) and len(word) <= len(noun) + 2)
               or (word.endswith(noun) and len(word) > len(noun) + 2)
               for word in re.findall(r"\w+", before.lower()))


#: A reason given in a sentence: a causal conjunction or preposition ("…, da …", "weil", "wegen", "because",
#: "due to"); "deshalb" / "therefore" give a consequence, whose reason is the sentence before.
_REASON = re.compile(
    r"(?:^|[,;:–—(]\s*)(?:da|denn)\b|\b(weil|wegen|aufgrund|auf\s+grund|infolge|dank|angesichts|because|"
    r"since(?!\s+(?:the\s+)?\d)|"
    r"due\s+to|owing\s+to|thanks\s+to|as\s+a\s+result\s+of|in\s+view\s+of)\b",
    re.IGNORECASE,
)


#: How news text names a cause without a causal conjunction: "Der Kostenanstieg geht vor allem auf die Baupreise
#: zurück", "… ist auf … zurückzuführen", "Grund dafür sei …", "Als Ursache nennt …", "begründete dies mit …",
#: "verwies auf die Rechtslage", "The rise was caused by / is blamed on / attributed to …", "The reason …".
_CAUSE_NAMED = re.compile(
    r"\b(?:geht|gehen|ging|gingen|führt\w*|führen)\b[^.;:!?]*\bauf\b[^.;:!?]*\bzurück\b|\bzurückzuführen\b|"
    r"\b(?:Gr[üu]nde?|Ursachen?|Begründung|Hintergrund)\b|\bbegründe\w*\b|\bverwies\b[^.;!?]*\bauf\b|"
    r"\bverweis\w*\s+auf\b|\blieg[te]\s+(?:vor\s+allem\s+)?(?:an|daran)\b|"
    r"\b(?:caused|driven)\s+by\b|\bblamed?\b|\battributed\s+to\b|\breasons?\b|\bcauses?\b|\bcited\b|"
    r"\bpointed\s+to\b",
    re.IGNORECASE)


def gives_reason(sentence: str) -> bool:
    """Whether the sentence gives a reason in so many words ("Dies ist jedoch nicht der Fall, da …"), or names a cause
    the way news text does ("Der Kostenanstieg geht vor allem auf die gestiegenen Baupreise zurück")."""
    return _REASON.search(sentence) is not None or _CAUSE_NAMED.search(sentence) is not None


def reason_clause(sentence: str) -> str:
    """The reason the sentence gives in so many words, as it stands there ("da Funktionsprobleme als
    Entscheidungsprobleme umformuliert werden können" of "Dies ist jedoch nicht der Fall, da …"; "Da es regnete"
    of "Da es regnete, blieb er."): from the causal word to the end of the sentence, or to the comma that ends a
    clause the sentence opens with; "" where it gives none."""
    m = _REASON.search(sentence)
    if m is None:
        return ""
    start = m.start() + len(m.group(0)) - len(m.group(0).lstrip(",;:–—( "))
    rest = sentence[start:]
    if not sentence[:start].strip():  # "Da es regnete, blieb er.": the clause ends at its comma
        rest = rest.split(",", 1)[0]
    return rest.strip().rstrip(".!?;:").strip()


def is_bare_word(span: str, language: Language) -> bool:
    """One German word in lower case: no noun, no name, no clause ("verlockend"); it names no reason."""
    words = span.split()
    return language == "de" and len(words) == 1 and words[0][:1].islower() and not re.search(r"\d", span)
