"""Sentence splitting (pysbd plus German fixes) and grouping sentences into overlapping chunks.

Offsets always index into the text that was split: `text[s.start:s.end] == s.text`, and a chunk's
`text == article.text[chunk.start:chunk.end]`.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from .lang import MONTHS
from .types import Article, Chunk, Language, Sentence, content_id

if TYPE_CHECKING:  # pragma: no cover
    import pysbd

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 1200
DEFAULT_MAX_SENTENCES = 10
DEFAULT_OVERLAP = 2

#: A "sentence" longer than this (a line without any period) is cut at whitespace.
MAX_SENTENCE_CHARS = 1000
#: pysbd is quadratic in the number of sentences per call, so long paragraphs go in windows.
_WINDOW_CHARS = 3000

CHUNKING: dict[str, object] = {
    "splitter": "pysbd",
    "max_chars": DEFAULT_MAX_CHARS,
    "max_sentences": DEFAULT_MAX_SENTENCES,
    "overlap": DEFAULT_OVERLAP,
    "version": 2,  # 2: "et al." before a citation's year ends no sentence
}

#: "et al." and what a citation puts after it: a year, a bracket, a comma or "and" ("Jones et al. 1998",
#: "Jones et al. (1998)", "Jones et al. und Briffa")
_ET_AL = re.compile(r"\bet\s+al\.$")
_CITED = re.compile(r"(\d{4}\b|\(|,|und\b|and\b|&)")

# Abbreviations after which a sentence does not end (compared lower-cased, without the final dot).
_ABBREVIATIONS = frozenset(
    """
    abs abt akad allg art aufl bd bspw bzgl bzw ca chr dipl dir dr ebd ehem entspr evtl exkl ff
    frl gebr gegr gem ggf hg hl hr hrsg hrn inkl insb jh jhd jr kap lt mind mio mrd mr mrs ms nr
    od orig pkt prof rd sog st std str tel verf vgl vs zb zt ziff zzgl
    approx dept e.g i.e jan feb apr aug sep sept oct nov dec gen gov col sen rep
    """.split()
)
# Multi-part abbreviations written with spaces: "z. B.", "u. a.", "d. h.", "i. d. R.", "u. U.".
_SPACED_ABBREV = re.compile(r"(?:^|[\s(])(?:[A-Za-zÄÖÜäöü]\.\s?){1,3}$")
_MONTHS = "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True))  # "2. November" goes on
_ORDINAL_END = re.compile(r"(?:^|[\s(\[/–-])\d{1,3}\.$")
_MONTH_START = re.compile(rf"(?:{_MONTHS})\b")
_LAST_WORD = re.compile(r"([^\W\d_][\w.]*)\.$")
_CLOSERS = "\"'”“»«’‘)]"
_LIST_NUMBER = re.compile(r"(\d{1,3}\.)\s")
_TERMINAL = frozenset(".!?…;:" + _CLOSERS)


@lru_cache(maxsize=4)
def _segmenter(language: Language) -> pysbd.Segmenter:
    import pysbd

    return pysbd.Segmenter(language=language, clean=False)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it starts and ends on non-whitespace (may become empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a long paragraph into pieces of about _WINDOW_CHARS at a likely sentence end."""
    out: list[tuple[int, int]] = []
    while end - start > _WINDOW_CHARS:
        limit = start + _WINDOW_CHARS
        cut = max(text.rfind(". ", start, limit), text.rfind("! ", start, limit), text.rfind("? ", start, limit))
        cut = cut + 2 if cut > start else text.rfind(" ", start, limit) + 1
        if cut <= start:
            cut = limit
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def _pysbd_spans(text: str, start: int, end: int, language: Language) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end] from pysbd, mapped back to offsets by searching forward."""
    spans: list[tuple[int, int]] = []
    for w_start, w_end in _windows(text, start, end):
        piece = text[w_start:w_end]
        try:
            segments = _segmenter(language).segment(piece)
        except Exception:  # pysbd has regex edge cases; one sentence is a safe answer
            log.debug("pysbd failed on a paragraph; keeping it as one sentence", exc_info=True)
            segments = [piece]
        cursor = 0
        for seg in segments:
            seg = seg.strip()
            if not seg:
                continue
            idx = piece.find(seg, cursor)
            if idx < 0:  # pysbd changed the text; keep the rest as one sentence
                spans.append((w_start + cursor, w_end))
                cursor = len(piece)
                break
            if piece[cursor:idx].strip():  # text pysbd skipped is kept, not lost
                spans.append((w_start + cursor, w_start + idx))
            spans.append((w_start + idx, w_start + idx + len(seg)))
            cursor = idx + len(seg)
        if cursor < len(piece):
            spans.append((w_start + cursor, w_end))
    return [s for s in (_strip_span(text, a, b) for a, b in spans) if s[0] < s[1]]


def _continues(prev: str, nxt: str) -> bool:
    """True when pysbd cut after an abbreviation or ordinal that does not end the sentence."""
    if prev[-1] not in _TERMINAL:  # a cut in mid-sentence (long-paragraph window, list rule)
        return True
    if not prev.endswith("."):
        return False
    if nxt[:1].islower():
        return True
    if _SPACED_ABBREV.search(prev):
        return True
    if _ET_AL.search(prev) and _CITED.match(nxt):  # "Jones et al. 1998, Pollack …": a citation goes on
        return True
    m = _LAST_WORD.search(prev)
    if m and m.group(1).lower() in _ABBREVIATIONS:
        return True
    return bool(_ORDINAL_END.search(prev) and _MONTH_START.match(nxt))


def _fix_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge wrong cuts and move closing quotes/brackets back to the sentence they close."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out:
            p_start, p_end = out[-1]
            # A closing quote or bracket that pysbd put at the start of the next sentence.
            lead = start
            while lead < end and text[lead] in _CLOSERS and text[p_end - 1] in ".!?\"'”“»«’‘)]":
                lead += 1
            if lead > start and (lead == end or text[lead].isspace()):
                out[-1] = (p_start, lead)
                start, end = _strip_span(text, lead, end)
                if start >= end:
                    continue
                p_end = lead
            # pysbd's numbered-list rule cuts "Platz 1. Sie" before "1."; move the cut after it.
            num = _LIST_NUMBER.match(text, start, end)
            if num and text[p_end - 1] not in _TERMINAL:
                p_end = start + len(num.group(1))
                out[-1] = (p_start, p_end)
                start, end = _strip_span(text, p_end, end)
                if start >= end:
                    continue
            if _continues(text[p_start:p_end], text[start:end]):
                out[-1] = (p_start, end)
                continue
        out.append((start, end))
    return out


def _cap(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Cut a pathological sentence into pieces of at most `limit` chars, at whitespace when possible."""
    out: list[tuple[int, int]] = []
    while end - start > limit:
        cut = start + limit
        lo = start + limit // 2
        # Prefer a clause boundary, then any space; with none, cut hard.
        for sep in ("; ", ", ", " ", "\t"):
            at = text.rfind(sep, lo, cut)
            if at > start:
                cut = at + len(sep) - 1
                break
        a, b = _strip_span(text, start, cut)
        if a < b:
            out.append((a, b))
        start, end = _strip_span(text, cut, end)
    if start < end:
        out.append((start, end))
    return out


def split_sentences(text: str, language: Language) -> list[Sentence]:
    """Split `text` into sentences; every line break ends a sentence; offsets index into `text`."""
    result: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        start, end = _strip_span(text, line.start(), line.end())
        if start >= end:
            continue
        spans = _fix_spans(text, _pysbd_spans(text, start, end, language))
        for s_start, s_end in spans:
            for a, b in _cap(text, s_start, s_end):
                result.append(Sentence(text=text[a:b], start=a, end=b))
    return result


def chunk_article(
    article: Article,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_sentences: int = DEFAULT_MAX_SENTENCES,
    overlap: int = DEFAULT_OVERLAP,
) -> list[Chunk]:
    """Group consecutive sentences into chunks of at most `max_chars` characters and `max_sentences`
    sentences; neighbours share up to `overlap` sentences (fewer when the size limit needs it)."""
    if max_chars < 1 or max_sentences < 1 or overlap < 0:
        raise ValueError("max_chars and max_sentences must be positive and overlap not negative")
    overlap = min(overlap, max_sentences - 1)
    sents = split_sentences(article.text, article.language)
    chunks: list[Chunk] = []
    i, n = 0, len(sents)
    while i < n:
        j = i + 1  # one sentence always fits, even a long one
        while j < n and j - i < max_sentences and sents[j].end - sents[i].start <= max_chars:
            j += 1
        start, end = sents[i].start, sents[j - 1].end
        chunks.append(
            Chunk(
                id=content_id(article.id, str(start), str(end)),
                article_id=article.id,
                position=len(chunks),
                text=article.text[start:end],
                start=start,
                end=end,
                sentences=tuple(sents[i:j]),
                language=article.language,
            )
        )
        if j >= n:
            break
        # Next chunk starts `overlap` sentences back, but must still have room for sentence j.
        nxt = max(j - overlap, i + 1)
        while nxt < j and sents[j].end - sents[nxt].start > max_chars:
            nxt += 1
        i = nxt
    return chunks
