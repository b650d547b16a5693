"""Language detection (German or English only) and stemming tokenizers, shared by BM25 and checks."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from .types import Language

if TYPE_CHECKING:  # pragma: no cover
    import Stemmer

# --- the one month table: ingest (dates), chunking ("2. November" ends no sentence), question analysis,
# answer forms and checks all read it ----------------------------------------------------------------
_MONTH_TABLE = (
    ("januar jänner january", "jan"), ("februar february", "feb"), ("märz maerz march", "mär mar"),
    ("april", "apr"), ("mai may", ""), ("juni june", "jun"), ("juli july", "jul"), ("august", "aug"),
    ("september", "sep sept"), ("oktober october", "okt oct"), ("november", "nov"), ("dezember december", "dez dec"),
)
#: Full month names (German and English) -> month number.
FULL_MONTHS: dict[str, int] = {w: i + 1 for i, (full, _) in enumerate(_MONTH_TABLE) for w in full.split()}
#: Full names and abbreviations -> month number.
MONTHS: dict[str, int] = {**FULL_MONTHS,
                          **{w: i + 1 for i, (_, short) in enumerate(_MONTH_TABLE) for w in short.split()}}
#: Full month names as a regex alternation (match case-insensitively), longest first.
MONTH_NAMES = "|".join(sorted((w for w in FULL_MONTHS if w != "maerz"), key=len, reverse=True))

# --- the one number-word table (verify reads words as numbers; evidence, forms and question analysis
# look for counts) -----------------------------------------------------------------------------------
_NUMBER_TABLE = (
    "null zero|ein eine einen einem einer eins one|zwei two|drei three|vier four|fünf five|sechs six|"
    "sieben seven|acht eight|neun nine|zehn ten|elf eleven|zwölf twelve"
)
#: Number words 0–12 -> value, German and English (the articles "ein", "eine" … read as one).
NUMBER_WORDS: dict[str, int] = {w: i for i, names in enumerate(_NUMBER_TABLE.split("|")) for w in names.split()}
#: Words that always name a count ("drei", "twelve", "eins"; not the article "ein"), as a regex alternation.
COUNT_WORDS = "|".join(w for w, v in NUMBER_WORDS.items() if v >= 2 or w in ("eins", "one"))
#: A German adjective that counts in its first part ("zweispurige", "dreistöckig", "fünfköpfige"): a count too.
COUNT_COMPOUND = ("(?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf)(?:spurig|stöckig|köpfig|jährig|tägig|"
                  "wöchig|monatig|stündig|teilig|sprachig|fach|malig|seitig|gleisig|sitzig|räumig|geschossig|stufig|"
                  "bändig)\\w*")

#: Ordinal number words 1–12 -> value, German (any ending: "dritte", "dritten") and English.
_ORDINAL_TABLE = (
    "erst first|zweit second|dritt third|viert fourth|fünft fifth|sechst sixth|siebt siebent seventh|"
    "acht eighth|neunt ninth|zehnt tenth|elft eleventh|zwölft twelfth"
)
ORDINAL_STEMS: dict[str, int] = {w: i + 1 for i, names in enumerate(_ORDINAL_TABLE.split("|")) for w in names.split()}
_ORDINAL = re.compile(r"^(" + "|".join(sorted(ORDINAL_STEMS, key=len, reverse=True)) + r")(e|en|er|es|em)?$")


def ordinal_value(word: str) -> int | None:
    """1 for "erste"/"ersten"/"first", 3 for "dritte"/"third" …; None for any other word."""
    m = _ORDINAL.match(word.lower())
    if not m or (m.group(1) in ("erst", "acht") and not m.group(2) and m.group(1) != "first"):
        return None  # "erst" (only) and "acht" (eight) are not ordinals without an ending
    return ORDINAL_STEMS[m.group(1)]


_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)

# Short, very frequent words decide short questions better than character statistics do. Words
# both languages use ("in", "an", "was", "will", "so") count for neither.
_DE_HINTS = frozenset(
    "der die das und ist sind war waren wer wen wem wessen wie wann wo woher wohin warum weshalb "
    "wieso welche welcher welches welchem welchen wieviel wieviele viele nicht mit von vom für auf am "
    "dem den des ein eine einer einem einen hat haben hatte wird werden wurde wurden im zum zur über "
    "nach seit bis gegen unter beim sich auch noch dass er sie es sein seine ihr ihre um zu".split()
)
_EN_HINTS = frozenset(
    "the and is are who whom whose how what when where why which many much not with of for on a has "
    "have had were did does do to from about after that this by at it its his their they been be "
    "into there".split()
)

#: Function words only one of the two languages writes (words the other language also has, or names use, left
#: out: "war", "die", "am", "um", "hat", "so", "es", "bis", "a"): such words outside an answer's quotes tell that
#: it mixes in that language (`rag.verify.mixes_languages`).
ONLY_IN: dict[Language, frozenset[str]] = {
    "de": (_DE_HINTS - _EN_HINTS) - frozenset("war die am um hat so es bis".split()),
    "en": (_EN_HINTS - _DE_HINTS) - frozenset("a am".split()),
}

STOPWORDS: dict[Language, frozenset[str]] = {
    "de": frozenset(
        "der die das und oder ist sind war waren wer wie was wann wo warum welche welcher welches "
        "wieviel wieviele viele viel nicht mit von vom für auf an am dem den des ein eine einer eines "
        "einem einen hat haben hatte wurde wurden wird werden im in zum zur über nach sich auch noch "
        "dass bei aus es er sie ihr ihre sein seine um zu als bis durch gegen ohne so wie denn doch "
        "sei seien nur schon sehr mehr man kann können soll sollen will wollen muss müssen".split()
    ),
    "en": frozenset(
        "the a an and or is are was were be been being who how what when where why which many much "
        "not with of for on at to from by in into about after before that this these those it its "
        "he she they them his her their has have had did does do done will would can could should "
        "there than then so as if but also only".split()
    ),
}


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (hyphenated words kept together)."""
    return [w.lower() for w in _WORD.findall(text)]  # findall: no Match objects (BM25 rebuilds are hot)


#: A longer text with at least this many function words of one language, and four times those of the
#: other, is that language without asking py3langid (whose model takes ~0.6 s to load per process).
DECISIVE_HINTS = 12


def detect_language(text: str) -> Language:
    """Return "de" or "en". Short texts and plain longer ones are decided by function words, the rest
    (mixed, or few function words) by py3langid."""
    words = tokenize(text)
    if any(ch in text for ch in "äöüßÄÖÜ"):
        de_bonus = 1
    else:
        de_bonus = 0
    de = sum(w in _DE_HINTS for w in words) + de_bonus
    en = sum(w in _EN_HINTS for w in words)
    if len(words) <= 25 and de != en:
        return "de" if de > en else "en"
    if max(de, en) >= DECISIVE_HINTS and max(de, en) >= 4 * min(de, en):  # a plain German or English text
        return "de" if de > en else "en"
    lang = _langid_de_en(text[:5000])
    if lang is not None:
        return lang
    return "de" if de >= en else "en"


def _langid_de_en(text: str) -> Language | None:
    try:
        import py3langid as langid
    except ImportError:  # pragma: no cover - core dependency
        return None
    ranked = dict(langid.rank(text))
    de, en = ranked.get("de", -1e9), ranked.get("en", -1e9)
    return "de" if de >= en else "en"


@lru_cache(maxsize=4)
def _stemmer(language: Language) -> Stemmer.Stemmer:
    import Stemmer

    return Stemmer.Stemmer("german" if language == "de" else "english")


def stem_tokens(text: str, language: Language, drop_stopwords: bool = True) -> list[str]:
    """Tokens stemmed with Snowball for `language`, stopwords dropped."""
    words = tokenize(text)
    if drop_stopwords:
        stop = STOPWORDS[language]
        words = [w for w in words if w not in stop]
    return list(_stemmer(language).stemWords(words))


def chunk_tokens(text: str, language: Language) -> tuple[str, ...]:
    """The words a chunk is indexed by (`stem_tokens` in the chunk's language). A commit tokenizes only
    its new chunks and keeps their postings, so nothing needs remembering between commits."""
    return tuple(stem_tokens(text, language))
