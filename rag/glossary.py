"""German words for an English question's content words, from a bilingual dictionary on disk.

Across languages the sentence vectors are the only signal that ranks the German sentences for an English
question, and they rank less well than for the same question asked in German (issue #15). The dictionary
gives the German words the question's words may stand for ("confession" → Beichte, Bekenntnis,
Konfession, Geständnis); the words the articles use are kept, and each English word's German words count as
one word in the word-overlap share (`evidence.grouped_share`), as the German question's own words would.

The dictionary is Ding's German–English list (`trans-de-en` on Debian and Ubuntu, GPL), read from
`RAG_GLOSSARY` or `/usr/share/trans/de-en`; without it English questions are ranked as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from .lang import STOPWORDS, stem_tokens

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("/usr/share/trans/de-en")
#: The lookup table's layout; a change makes a new table.
FORMAT = 2
_NOTES = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|<[^>]*>|/[^/]*/")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_POSSESSIVE = re.compile(r"'s?$")
#: A German verb as a dictionary gives it: lower-case, in the infinitive ("stattfinden", "handeln", "ändern").
_VERB = re.compile(r"^[a-zäöüß]+(?:en|ern|eln)$")
#: The least letters of a translation's stem that count as the last part of a German compound ("hymn" of
#: "Nationalhymne"; anywhere inside one it takes `evidence.COMPOUND_PART`).
HEAD_PART = 4
_GERMAN_WORD = re.compile(r"^[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß-]*$")
#: An English term of two words that the table keeps ("city council" → Stadtrat, "storm surge" → Sturmflut): German
#: says in one compound what English says in two words, and neither word alone finds it.
_PHRASE = re.compile(r"^[a-z]+ [a-z]+$")


def glossary_path() -> Path:
    return Path(os.environ.get("RAG_GLOSSARY") or DEFAULT_PATH)


def _parse(path: Path) -> dict[str, list[str]]:
    """English word or two-word term (lower case) → its German single-word translations, in the dictionary's
    order: each " | "-part of an entry's German side pairs with the same part of its English side (a plural with
    a plural)."""
    out: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or "::" not in line:
                continue
            german, english = line.split("::", 1)
            for de_part, en_part in zip(german.split("|"), english.split("|"), strict=False):
                words = [w.strip() for w in _NOTES.sub("", de_part).split(";")]
                words = [w for w in words if _GERMAN_WORD.match(w)]
                if not words:
                    continue
                for term in _NOTES.sub("", en_part).split(";"):
                    term = term.strip().lower()
                    if term.startswith("to "):
                        term = term[3:]
                    if not term or (" " in term and not _PHRASE.match(term)):
                        continue
                    known = out.setdefault(term, [])
                    known.extend(w for w in words if w not in known)
    return out


def cache_dir() -> Path:
    """Where the dictionary's lookup table is kept: `RAG_CACHE_DIR` or `~/.cache/quellenlage`."""
    raw = os.environ.get("RAG_CACHE_DIR", "")
    return Path(raw).expanduser() if raw else Path.home() / ".cache" / "quellenlage"


class _Table:
    """The parsed dictionary as an SQLite table in the cache (built once per dictionary file, ~3 s on 2 cores;
    a lookup then costs well under a millisecond and a process opens it at once), or in memory where the
    cache cannot be written."""

    def __init__(self, path: Path) -> None:
        self._memory: dict[str, list[str]] | None = None
        self._db: sqlite3.Connection | None = None
        stat = path.stat()
        key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{FORMAT}".encode()).hexdigest()[:16]
        db = cache_dir() / "glossary" / f"{key}.sqlite"
        try:
            if not db.exists():
                self._build(path, db)
            self._db = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            log.info("the dictionary's table cannot be kept in %s (%s); reading it into memory", db.parent, exc)
            self._memory = _parse(path)

    @staticmethod
    def _build(path: Path, db: Path) -> None:
        db.parent.mkdir(parents=True, exist_ok=True)
        tmp = db.with_name(f".{db.name}.{os.getpid()}.tmp")
        try:
            con = sqlite3.connect(tmp)
            with con:
                con.execute("CREATE TABLE words (english TEXT PRIMARY KEY, german TEXT NOT NULL) WITHOUT ROWID")
                con.executemany("INSERT INTO words VALUES (?, ?)",
                                ((en, "\n".join(de)) for en, de in _parse(path).items()))
            con.close()
            os.replace(tmp, db)  # whole or not at all: another process sees the old state or the new table
        finally:
            tmp.unlink(missing_ok=True)

    def get(self, word: str) -> tuple[str, ...]:
        if self._memory is not None:
            return tuple(self._memory.get(word, ()))
        assert self._db is not None
        row = self._db.execute("SELECT german FROM words WHERE english = ?", (word,)).fetchone()
        return tuple(row[0].split("\n")) if row else ()


@lru_cache(maxsize=2)
def _table(path: Path) -> _Table | None:
    try:
        return _Table(path)
    except (OSError, UnicodeDecodeError) as exc:
        log.info("no bilingual dictionary at %s (%s): English questions are ranked without it", path, exc)
        return None


def _forms(word: str) -> list[str]:
    """The word and the dictionary forms it may be an inflection of ("signed" → sign, "studies" → study)."""
    forms = [word]
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("d", ""),
                         ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)] + repl)
    return forms


def german_words(question: str) -> list[tuple[str, tuple[str, ...]]]:
    """(English word, its German translations) for each content word of the English question that the
    dictionary knows; a name (capitalised past the first word) is given as itself. Two content words the
    dictionary knows as one term come first as one group, keyed by both ("city council" → Stadtrat,
    Gemeinderat: a German compound says them in one word), then each on its own: a sentence with the compound
    has all three, one with "Rat" alone still has "council". Not a name's words: "South Korea" is found by its
    own words (a compound's parts included), and its term's group too ranked a sentence with "Südkorea" above
    the one naming South Korea's minister (docs/BENCHMARKS.md, "Stop 41"). A term the dictionary gives only German verbs
    for is an idiom ("take place": stattfinden, erfolgen) and stands alone: "take" and "place" are not
    in it ("very first", allererste, keeps "first").
    """
    table = _table(glossary_path())
    if table is None:
        return []
    stop = STOPWORDS["en"]
    tokens = [_POSSESSIVE.sub("", t) for t in _WORD.findall(question)]
    groups: list[tuple[str, tuple[str, ...]]] = []
    idiom = -1  # the index of an idiom's second word
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in stop or len(low) < 3 or i == idiom:
            continue
        if (i + 1 < len(tokens) and not _named(tokens, i) and not _named(tokens, i + 1)
                and (phrase := _phrase(table, low, tokens[i + 1].lower())) is not None):
            groups.append(phrase)
            if all(_VERB.match(w) for w in phrase[1]):  # a verb idiom ("take place": stattfinden): its words
                # alone mean something else ("take": Beute, Aufnahme; "place": Platz, stellen)
                idiom = i + 1
                continue
        found: list[str] = []
        for form in _forms(low):
            found.extend(w for w in table.get(form) if w not in found)
            if found:
                break
        if _named(tokens, i):
            found = [token, *found]
        if found:
            groups.append((low, tuple(found)))
    return groups


def _named(tokens: list[str], i: int) -> bool:
    """Whether the question's i-th word is (part of) a name: capitalised past the first word."""
    return i > 0 and tokens[i][:1].isupper()


def _phrase(table: _Table, first: str, second: str) -> tuple[str, tuple[str, ...]] | None:
    """The two-word term `first second` (the second in any form it may be an inflection of: "city councils") and
    its German words, where the dictionary has it."""
    if first in STOPWORDS["en"] or second in STOPWORDS["en"] or len(second) < 3:
        return None
    for form in _forms(second):
        found = table.get(f"{first} {form}")
        if found:
            return f"{first} {second}", found
    return None


_ANY_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _content_words(text: str, words: re.Pattern[str]) -> Iterator[str]:
    """The English content words of `text` as `words` finds them, each part of a hyphenated word on its own,
    without a possessive; function words and words under 3 letters left out."""
    stop = STOPWORDS["en"]
    for token in words.findall(text):
        for part in token.split("-"):
            word = _POSSESSIVE.sub("", part.replace("’", "'"))
            if len(word) >= 3 and word.lower() not in stop:
                yield word


def _german_stems(table: _Table, word: str) -> set[str]:
    """The German stems the dictionary gives for an English word, from every form it may be ("euros": Euros and
    Euro)."""
    return {t for f in _forms(word.lower()) for g in table.get(f) for t in stem_tokens(g, "de", drop_stopwords=False)}


def _part_of(translation: str, stem: str) -> bool:
    """Whether a German translation's stem is the German stem, or a part of it as a compound: 5 letters or more
    anywhere (as `evidence.grouped_share` counts it), 4 only as its last part ("hymn" in "nationalhymn")."""
    from .evidence import COMPOUND_PART

    return translation == stem or (len(translation) >= COMPOUND_PART and translation in stem) \
        or (len(translation) >= HEAD_PART and stem.endswith(translation))


def backs(english: str, german: str) -> bool | None:
    """Whether the dictionary backs `english` as the English of the German words `german`: each content word
    of it is in the German words itself (a name, "Reformation") or has a translation there ("national anthem"
    for "Nationalhymne": "national", and "anthem" → Hymne, the compound's last part; `_part_of`). A word the
    dictionary does not know is not backed, nor one whose German is not there ("we are bedfellows" for "Wir
    sind Bettler": "bedfellow" → Bettgenosse), nor a text of function words only ("the"). None without a
    dictionary."""
    table = _table(glossary_path())
    if table is None:
        return None
    stems = set(stem_tokens(german, "de", drop_stopwords=False))
    low = german.lower()
    words = [w.lower() for w in _content_words(english, _WORD)]
    return bool(words) and all(w in low or any(_part_of(t, s) for t in _german_stems(table, w) for s in stems)
                               for w in words)


def backs_german(german: str, english: str) -> bool | None:
    """Whether the dictionary backs `german` as the German of the English words `english` (a German question
    answered from an English report): each German content word is in the English words itself (a name,
    "Euro"; its stem too: "Marstedter") or is the dictionary's translation of one of them, as a whole word or
    as a compound's part (`_part_of`: "Nationalhymne" for "national anthem"). A text of function words only is
    not backed. None without a dictionary."""
    from .lang import STOPWORDS, stem_tokens

    table = _table(glossary_path())
    if table is None:
        return None
    translations = {t for w in _content_words(english, _WORD) for t in _german_stems(table, w)}
    low = english.lower()

    def backed(word: str) -> bool:
        return word.lower() in low or any(
            (len(s) >= HEAD_PART and s in low) or any(_part_of(t, s) for t in translations)
            for s in stem_tokens(word, "de", drop_stopwords=False))

    words = [w for w in _ANY_WORD.findall(german) if w.lower() not in STOPWORDS["de"] and len(w) >= 3]
    return bool(words) and all(backed(w) for w in words)


def unsaid_names(answer: str, question: str, german: str) -> list[str]:
    """The words of an English answer that the question names (capitalised past its first word: "Bridge" of "the
    Linden Bridge") and the German sentence does not mention, itself or in a German word the dictionary gives
    for it: the model put the question's thing into an answer from a sentence about another ("decided to build
    the bridge" from "Der Stadtrat hat … den Bebauungsplan für den neuen Liegeplatz 7 … beschlossen"). A word the
    dictionary does not know is not judged. [] without a dictionary."""
    table = _table(glossary_path())
    if table is None:
        return []
    asked = _WORD.findall(question)
    named = {w.lower() for i, w in enumerate(asked) if _named(asked, i)}
    stems = set(stem_tokens(german, "de", drop_stopwords=False))
    low = german.lower()
    out: list[str] = []
    for word in _content_words(answer, _WORD):
        lower = word.lower()
        if lower not in named or lower in low or lower in out:
            continue
        translations = _german_stems(table, lower)
        if translations and not any(_part_of(t, s) for t in translations for s in stems):
            out.append(lower)
    return out


def unsaid_terms(question: str, german: str) -> list[str]:
    """The two-word terms of an English question that the dictionary knows as one ("prime minister" →
    Ministerpräsident, Premierminister) none of whose German words the German text holds, itself or as a compound's
    part (`_part_of`): "Did Hegseth also meet Vietnam's prime minister?" asked of a sentence on the defence minister
    (a name is checked as such, `verify.names_missing`). [] without a dictionary."""
    stems = set(stem_tokens(german, "de", drop_stopwords=False))
    out: list[str] = []
    for key, words in german_words(question):
        if " " not in key:
            continue
        translations = {t for w in words for t in stem_tokens(w, "de", drop_stopwords=False)}
        if translations and not any(_part_of(t, s) for t in translations for s in stems):
            out.append(key)
    return out


def unknown_english(text: str, known: str = "") -> list[str]:
    """The lower-case words of an English text that the dictionary does not know as English, nor `known` holds
    (the question): German words left in an English answer ("kistens" in "994 kistens with dead bodies",
    "beichtvater"). A capitalised word may be a name and is not looked up. [] without a dictionary."""
    table = _table(glossary_path())
    if table is None:
        return []
    asked = {w.lower() for w in _ANY_WORD.findall(known)}
    return [low for word in _content_words(text, _ANY_WORD)
            if word[:1].islower() and (low := word.lower()) not in asked and not any(table.get(f) for f in _forms(low))]
