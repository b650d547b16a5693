"""Typed data that crosses module boundaries. All frozen; ids are content hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Language = Literal["de", "en"]
#: A conversation before the question: [(user, assistant), ...] or [{"role": ..., "content": ...}, ...]
History = Sequence[Any]


def content_id(*parts: str, length: int = 16) -> str:
    """A stable id: the first `length` hex digits of sha256 over the parts."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:length]


def sha256_file(path: Path | str) -> str:
    """The sha256 of a file's bytes, read in 1 MiB blocks (the one file hash of the product)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Article:
    """One cleaned article. `id` is a hash of the cleaned text (same text -> same id)."""

    id: str
    title: str
    text: str
    url: str | None
    date: str | None  # ISO 8601 (YYYY-MM-DD) when known
    path: str  # where it was read from (relative to the articles folder when possible)
    language: Language
    #: where `date` comes from: "metadata" (the page's or PDF's), "jsonl" (the record's field), "url" (a
    #: stamp in the link), "dateline" (the article's first lines), "text" (a "Stand: …" / "Erschienen am …"
    #: line), "file-time" (the file's modification time: no date was found in the article); "" when none
    date_source: str = ""
    #: the story it belongs to: the id of the article it is a near-duplicate of (that article's own story),
    #: "" when it is its own story (`rag.stories`); the story's id is its article that was indexed first
    #: (a rebuild reads the folder in path order)
    story: str = ""
    #: MinHash signature of its text (`rag.stories.signature`), set when indexed; "" in older indexes
    minhash: str = ""

    @property
    def published(self) -> str | None:
        """The publication date the article itself gives (not the file's time): what date filters, "latest"
        and newer-wins ties go by."""
        return self.date if self.date and self.date_source != "file-time" else None


@dataclass(frozen=True)
class Sentence:
    """One sentence; `start`/`end` are character offsets into `Article.text`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A few consecutive sentences of one article. `text == article.text[start:end]`."""

    id: str
    article_id: str
    position: int  # 0-based index of the chunk within its article
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...]
    language: Language = "de"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its article's metadata and scores."""

    rank: int  # 1-based
    score: float  # fused score (higher is better)
    chunk: Chunk
    title: str
    url: str | None
    date: str | None = None
    dense_score: float | None = None
    bm25_score: float | None = None
    date_source: str = ""
    #: the chunk's sentence closest to the question (dense and hybrid search; "" for BM25 alone)
    sentence: str = ""

    @property
    def article_id(self) -> str:
        return self.chunk.article_id


@dataclass(frozen=True)
class Evidence:
    """A sentence chosen to support an answer, with where it comes from."""

    sentence: Sentence
    chunk_id: str
    article_id: str
    title: str
    url: str | None
    date: str | None
    score: float  # similarity of the sentence to the question
    passage: str = ""  # the chunk text the sentence sits in (for highlighting)
    date_source: str = ""

    @property
    def published(self) -> str:
        """Its article's publication day ("" when unknown or only the file's time; see `Article.published`)."""
        return self.date[:10] if self.date and self.date_source != "file-time" else ""


@dataclass(frozen=True)
class Source:
    """Another outlet's article of the same story as a cited one ("also reported by")."""

    article_id: str
    title: str
    url: str | None
    date: str | None = None


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: `[n]` in the answer text points here."""

    n: int
    article_id: str
    title: str
    url: str | None
    quote: str  # the exact sentence from the article
    chunk_id: str = ""
    date: str | None = None
    passage: str = ""
    date_source: str = ""  # see Article.date_source
    also_reported_by: tuple[Source, ...] = ()  # the story's other articles (near-duplicates), not quoted
    #: the day the quoted sentence tells of, when it names one ("am Montag" in a report of Tuesday
    #: 4 November 2025 -> "2025-11-03"; `rag.timeframe.sentence_day`), else ""
    tells_of: str = ""


@dataclass(frozen=True)
class Answer:
    """What `rag.ask` returns."""

    answer: str
    citations: tuple[Citation, ...]
    abstained: bool
    verified: bool
    language: Language
    timings: dict[str, float] = field(default_factory=dict)  # retrieve_ms, first_token_ms, total_ms
    reason: str = ""  # why an answer is unverified or abstains, for the user
    question: str = ""
    llm: str = ""
    short: str = ""  # the exact short answer of a factoid (a span of the cited sentence), or Ja/Nein
    #: an answer in another language than its sentence: the sentence's own words for `short` ("sechs" for "six")
    short_source: str = ""
    kind: str = ""  # the kind of question (rag.question.KINDS)
    #: the model's P(yes) in each check that ran ("judge", "check"; a yes/no verdict's "yes", "no"),
    #: where the model reports log-probabilities
    checks: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "citations": [
                {"n": c.n, "article_id": c.article_id, "title": c.title, "url": c.url, "quote": c.quote,
                 "date": c.date, "date_source": c.date_source, "tells_of": c.tells_of, "also_reported_by": [
                     {"title": o.title, "url": o.url, "date": o.date} for o in c.also_reported_by]}
                for c in self.citations
            ],
            "short": self.short,
            "short_source": self.short_source,
            "kind": self.kind,
            "abstained": self.abstained,
            "verified": self.verified,
            "language": self.language,
            "timings": dict(self.timings),
            "reason": self.reason,
            "checks": dict(self.checks),
        }


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class NearDuplicate:
    """An article found to copy another one's text (the same story from another outlet): its file, the
    other's file, and the share of its 4-word runs the other holds."""

    path: str
    of: str
    similarity: float


@dataclass(frozen=True)
class UpdateReport:
    """Result of syncing the index with the articles folder (`rag index update --json`)."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: tuple[SkippedFile, ...] = ()
    chunks_embedded: int = 0
    near_duplicates: tuple[NearDuplicate, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "chunks_embedded": self.chunks_embedded,
            "near_duplicates": [{"path": d.path, "of": d.of, "similarity": d.similarity}
                                for d in self.near_duplicates],
        }


@dataclass(frozen=True)
class StreamEvent:
    """One step of `ask_stream`: the instant evidence answer, a generated token, or the final answer."""

    kind: Literal["evidence", "token", "final"]
    text: str = ""
    answer: Answer | None = None
