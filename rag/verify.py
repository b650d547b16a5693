"""Checks on a generated answer against the sentences it cites.

`evidence[i]` is the sentence the answer may cite as `[i+1]`. The checks: citation numbers exist;
something is cited (unless the answer abstains); every number, amount and date is in a cited
sentence; names are in a cited sentence; the answer says more than the question did ("Hegseth wird
in Hawaii treffen" for "Wen wird Hegseth in Hawaii treffen?" does not); the answer is in the
question's language. Problems are
short sentences for the user. The checks are heuristics tuned for few false alarms.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .forms import CITATION, QUOTES, citation_numbers
from .lang import MONTHS, ONLY_IN, STOPWORDS, detect_language, stem_tokens, tokenize
from .numbers import find_numbers, is_supported, months_named, supported_values
from .types import Language

__all__ = ["Verification", "verify_answer", "is_abstention", "cited_numbers", "names_missing", "MONTHS",
           "words_of_the_other_language", "mixes_languages"]


@dataclass(frozen=True)
class Verification:
    ok: bool
    problems: tuple[str, ...]
    cited: tuple[int, ...]  # the sentence numbers the answer cites, in order of first mention


_CITE = CITATION
_QUOTED = re.compile(r"[\"„“”»«].*?[\"“”«»]", re.S)
_CAP_TOKEN = re.compile(r"(?<![\w-])[^\W\d_][\w'’.-]*", re.U)
_SENT_END = re.compile(r"[.!?:;]\s*$|^\s*$|[\n•*\-–(\"„“»]\s*$")

_ABSTAIN = (
    r"\b(dazu|darüber|hierzu|davon)\b.{0,40}\b(nichts|keine|keinen|nicht)\b",
    r"\b(artikel\w*|quellen?|texte?n?)\b.{0,30}\b(nichts|keine (angaben|informationen|antwort|auskunft|hinweise))",
    r"\bkeine (angaben|informationen|auskunft|antwort)\b|weiß (ich )?(es )?nicht|nicht beantworten",
    r"\b(articles?|sources?|texts?|context|evidence)\b.{0,30}\b(do not|don't|does not|doesn't|did not|didn't)"
    r"\s+(say|mention|contain|state|tell|provide|cover|specify|answer)",
    r"\bno (information|mention|details?|answer)\b|\bnot (mentioned|stated|covered|specified)\b",
    r"\bi (do not|don't) know\b|\b(cannot|can't|can not) answer\b|\bnothing\b.{0,30}\b(articles?|sources?)\b",
)
# Capitalised words that are no names: formal pronouns, units, days, answer boilerplate.
_COMMON = frozenset(
    "i sie ihr ihre ihnen laut gemäß artikel artikeln quelle quellen satz sätze article articles source "
    "sources sentence according euro eur dollar us-dollar usd prozent percent mio mrd millionen milliarden "
    "million billion tausend montag dienstag mittwoch donnerstag freitag samstag sonntag monday tuesday "
    "wednesday thursday friday saturday sunday ja nein yes no however but also".split()
)
# Names a translation may change: English word -> German prefixes it may appear as (and back).
_ALIASES: dict[str, tuple[str, ...]] = {
    en: tuple(de.split(","))
    for en, _, de in (
        pair.partition("=")
        for pair in (
            "germany=deutschland german=deutsch,deutschland united=usa,vereinigt states=usa,staaten us=usa,us- "
            "america=amerika,usa american=amerikan,us- europe=europa european=europä,eu russia=russland "
            "russian=russ france=frankreich french=französ,frankreich britain=großbritannien,britisch "
            "british=britisch,großbritannien uk=großbritannien italy=italien spain=spanien "
            "austria=österreich switzerland=schweiz netherlands=niederlande poland=polen turkey=türkei "
            "greece=griechenland vienna=wien munich=münchen cologne=köln brussels=brüssel moscow=moskau "
            "china=china,chines chinese=chines,china japanese=japan ukrainian=ukrain,ukraine spanish=spani "
            "italian=italien dutch=niederländ,niederlande polish=poln,polen swedish=schwed english=engl "
            "mongolian=mongol mongols=mongol scottish=schott,schottland scotland=schott "
            "usa=united,america,us eu=european,europä vereinigten=united south=süd north=nord east=ost "
            "southern=süd northern=nord korea=korea korean=korea"
        ).split()
    )
}
for _en, _de in list(_ALIASES.items()):  # and back: "Deutschland" may be "Germany" in English evidence
    for _word in _de:
        if _word.isalpha() and len(_word) > 4 and _word not in _ALIASES:
            _ALIASES[_word] = (_en,)
_TITLES = frozenset(
    "laut gemäß präsident präsidentin kanzler kanzlerin minister ministerin herr frau chef chefin "
    "sprecher sprecherin firma konzern unternehmen partei".split()
)
_DETERMINERS = frozenset(
    "der die das den dem des ein eine einer eines einem einen kein keine keiner keinen keinem dieser "
    "diese dieses diesen diesem jeder jede jedes sein seine ihr ihre unser unsere the a an this that".split()
)
_STOP = STOPWORDS["de"] | STOPWORDS["en"] | _COMMON

def cited_numbers(answer: str) -> list[int]:
    """All citation numbers in `answer` in order of appearance (`[1, 2]`, `[1][2]`, `[1-3]`)."""
    out: list[int] = []
    for m in _CITE.finditer(answer):
        out.extend(citation_numbers(m.group(1)))
    return out


def is_abstention(text: str, language: Language) -> bool:
    """True when `text` says the articles do not answer ("Dazu steht in den Artikeln nichts.").

    Refusals in either language count (a wrong-language refusal is still a refusal; the language
    check reports the language separately). Long texts are answers, not refusals.
    """
    clean = " ".join(_CITE.sub(" ", text).lower().replace("’", "'").split())
    if not clean or len(clean.split()) > 30:
        return False
    return any(re.search(p, clean) for p in _ABSTAIN)


#: What an answer that says nothing the question did not is told by (`verify_answer`; `rag.reading.REPEATS`).
ONLY_REPEATS = "only repeats the question"


def verify_answer(
    answer: str, evidence: list[str], language: Language, n_max: int | None = None, question: str = ""
) -> Verification:
    """Check `answer` against the evidence sentences it cites (see module doc). Names and numbers
    that the question itself contains are the user's words, not claims of the model: allowed."""
    n_max = len(evidence) if n_max is None else n_max
    numbers = cited_numbers(answer)
    cited = tuple(dict.fromkeys(numbers))
    problems: list[str] = []
    if not answer.strip():
        return Verification(False, ("the answer is empty",), ())
    for n in cited:
        if not 1 <= n <= n_max or n > len(evidence):
            problems.append(f"citation [{n}] does not exist (there are {min(n_max, len(evidence))} sentences)")
    valid = [n for n in cited if 1 <= n <= min(n_max, len(evidence))]
    abstains = is_abstention(answer, language)
    if not cited and not abstains:
        problems.append("the answer cites no sentence")
    body = _CITE.sub(" ", answer)
    if valid:
        support, where = [evidence[n - 1] for n in valid], "the cited sentences"
    else:
        support, where = list(evidence), "the evidence"
    if not abstains:
        problems += _check_numbers(body, [*support, question], where)
        problems += _check_names(body, [*support, question], evidence, valid, language, where)
        if question.strip() and set(stem_tokens(body, language)) <= set(stem_tokens(question, language)):
            problems.append(f"the answer {ONLY_REPEATS}")
    problems += _check_language(body, language)
    return Verification(not problems, tuple(problems), cited)


def _check_numbers(body: str, support: list[str], where: str) -> list[str]:
    months = {m for _, m in months_named(" ".join(support), answer=False)}
    values = supported_values(" ".join(support)) | {float(m) for m in months}
    problems = [f"number {n.text} is not in {where}" for n in find_numbers(body) if not is_supported(n, values)]
    problems += [f"date {name} is not in {where}" for name, m in months_named(body, answer=True) if m not in months]
    return list(dict.fromkeys(problems))


def _check_names(
    body: str, support: list[str], evidence: list[str], valid: list[int], language: Language, where: str
) -> list[str]:
    """Capitalised names must be in the cited sentences.

    English capitalises names only, so with English answer and evidence every capitalised word that
    does not start a sentence is checked. German capitalises every noun: there only name-like words
    are checked (acronyms and codes, two capitalised words in a row, a word after a title or "laut",
    known place names), so a paraphrased noun is no false alarm.
    """
    support_words = set(tokenize(" ".join(support)))
    all_words = set(tokenize(" ".join(evidence)))
    evidence_lang = detect_language(" ".join(evidence)) if evidence else language
    text = _QUOTED.sub(lambda m: " " * len(m.group(0)), body)
    strict = evidence_lang == "en" and detect_language(text) == "en"
    problems: list[str] = []
    seen: set[str] = set()
    cands = _candidates(text)
    # a German fragment answer ("Feldkirch [1].") is the claim itself: all its words are checked
    fragment = language == evidence_lang == "de" and len(tokenize(text)) <= 4
    for i, (token, initial, _, _) in enumerate(cands):
        low = token.lower()
        if low in _STOP or low in seen or len(low) < 2 or low in MONTHS:  # months: the date check
            continue
        code = _is_code(token)
        if initial and not code and not fragment:
            continue
        name_like = strict or fragment or code or low in _ALIASES or _in_name_run(cands, i)
        if not name_like or _found(low, support_words):
            continue
        seen.add(low)
        if valid and _found(low, all_words):
            problems.append(f"name {token} is not in the cited sentences (only in other evidence)")
        else:
            problems.append(f"name {token} is not in {where}")
    return problems


def names_missing(text: str, sources: list[str]) -> list[str]:
    """Capitalised words and codes of a short answer that no source holds (aliases and inflections
    allowed): in a fragment like "South Korea" every name is the claim, even the first word."""
    words = set(tokenize(" ".join(sources)))
    words |= {part for w in words if "-" in w for part in w.split("-") if part}  # "NFL-Kategorie" names the NFL
    folded = {cognate(w) for w in words}
    out = []
    for token, _, _, _ in _candidates(text):
        low = token.lower()
        if (low not in _STOP and len(low) >= 2 and low not in MONTHS and not _found(low, words)
                and not _found(cognate(low), folded)):
            out.append(token)
    return out


_COGNATE = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ß", "ss"), ("ph", "f"), ("th", "t"), ("c", "k"), ("y", "i"))


def cognate(word: str) -> str:
    """A lower-cased word spelled so that German and English forms of one name meet ("türkischen" and
    "Turkish", "Komplexitätstheorie" and "Complexity" share their opening letters): for the name check
    across languages, where the answer is English and the sentence German."""
    for a, b in _COGNATE:
        word = word.replace(a, b)
    return word


def _in_name_run(cands: list[tuple[str, bool, bool, str]], i: int) -> bool:
    """Part of capitalised words in a row not led by an article ("Olaf Scholz", not "der Unterlagen
    Vietnams"), or after a title or "laut" ("Präsident Biden", "laut Reuters")."""
    head = i
    while head > 0 and cands[head][2] and cands[head - 1][0].lower() not in _STOP:
        head -= 1
    if any(c[3] in _TITLES or c[0].lower() in _TITLES for c in cands[head:i]) or cands[i][3] in _TITLES:
        return True
    end = i
    while end + 1 < len(cands) and cands[end + 1][2] and cands[end + 1][0].lower() not in _STOP:
        end += 1
    return end > head and cands[head][3] not in _DETERMINERS


def _candidates(text: str) -> list[tuple[str, bool, bool, str]]:
    """Capitalised words and codes: (word, starts a sentence, follows the previous one, word before)."""
    out: list[tuple[str, bool, bool, str]] = []
    last_end, prev = -1, ""
    for m in _CAP_TOKEN.finditer(text):
        token = m.group(0).rstrip(".'’-")
        if token and (token[0].isupper() or _is_code(token)):
            initial = bool(_SENT_END.search(text[max(0, m.start() - 3) : m.start()]))
            follows = last_end >= 0 and text[last_end : m.start()].strip() == ""
            out.append((token, initial, follows, prev))
            last_end = m.start() + len(token)
        else:
            last_end = -1
        prev = token.lower()
    return out


def _is_code(token: str) -> bool:
    """Acronyms and codes: ASEAN, EU, McDonald, G20, F-35."""
    caps = sum(ch.isupper() for ch in token)
    return any(ch.isdigit() for ch in token) or (caps >= 2 and len(token) >= 2)


def _found(word: str, words: set[str]) -> bool:
    """Stem-tolerant match: equal, a short inflection apart, one a compound tail of the other, or an alias."""
    if word in words:
        return True
    targets = _ALIASES.get(word, ())
    for w in words:
        if any(w.startswith(t) for t in targets):
            return True
        short, long_ = (word, w) if len(word) <= len(w) else (w, word)
        if len(short) < 3:
            continue
        if long_.startswith(short) and len(long_) - len(short) <= 3:
            return True
        prefix = len(os.path.commonprefix([word, w]))
        if prefix >= 4 and prefix >= min(len(word), len(w)) - 2:
            return True
        if len(short) >= 5 and long_.endswith(short):
            return True
    return False


#: How many function words of the other language outside quotes make an answer one that mixes languages (one
#: may sit in a name: "Tag der Deutschen Einheit").
MIXED_WORDS = 2


#: The answer's own quotes, first opening to last closing mark of a line (a quoted sentence may quote inside).
_ANSWER_QUOTES: dict[Language, re.Pattern[str]] = {
    lang: re.compile(f"{re.escape(a)}[^\n]*{re.escape(b)}") for lang, (a, b) in QUOTES.items()}


def words_of_the_other_language(text: str, language: Language) -> list[str]:
    """The function words of the other language in an answer written in `language`, outside its quotes (a
    German quote in an English answer is the article's words, shown as such): ["dass"] for "The minister
    stressed dass the aid …"."""
    other: Language = "en" if language == "de" else "de"
    outside = _QUOTED.sub(" ", _ANSWER_QUOTES[language].sub(" ", text))
    return [w for w in tokenize(outside) if w in ONLY_IN[other]]


def mixes_languages(text: str, language: Language) -> bool:
    """Whether an answer in `language` has `MIXED_WORDS` or more function words of the other language outside
    its quotes ("The defence minister sagte, dass the aid …")."""
    return len(words_of_the_other_language(text, language)) >= MIXED_WORDS


def _check_language(body: str, language: Language) -> list[str]:
    text = _QUOTED.sub(" ", body)
    names = {c[0].lower() for c in _candidates(text) if not c[1]}
    words = [w for w in tokenize(text) if not w.isdigit() and w not in names]
    if len(words) < 4:
        return []
    found = detect_language(text)
    if found == language:
        return []
    label = {"de": "German", "en": "English"}
    return [f"the answer is in {label[found]}, the question in {label[language]}"]
