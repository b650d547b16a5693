"""Answer and retrieval metrics: SQuAD-style normalised exact match and token F1 (German and English
articles dropped), whether an answer contains a gold span, key-fact scores, recall@k, MRR, percentiles."""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_ARTICLES = re.compile(r"\b(a|an|the|der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines)\b")
_PUNCT = set(string.punctuation)  # plus every Unicode punctuation character (category P*)


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answers: tuple[str, ...]
    answerable: bool = True
    language: str | None = None
    #: the gold answer as the question's language says it ("130 million" for "130 Millionen"): counts
    #: for answer_contains and f1; retrieval and citations are judged on `answers`, the article's words
    translated: tuple[str, ...] = ()
    kind: str = ""  # the kind of question (development set), for the per-kind table
    #: groups of acceptable strings: the answer is correct when every group has one of its strings
    key_facts: tuple[tuple[str, ...], ...] = ()
    must_not: tuple[str, ...] = ()  # strings a right answer never contains
    history: tuple[str, ...] = ()  # the conversation's earlier user questions


# --- metrics ---------------------------------------------------------------------------------------

def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles (English and German), single spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(" " if ch in _PUNCT or unicodedata.category(ch).startswith("P") else ch for ch in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 between a prediction and one gold answer."""
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: Iterable[str]) -> float:
    return max((token_f1(prediction, g) for g in golds), default=0.0)


def contains_answer(text: str, golds: Iterable[str]) -> bool:
    """A normalised gold answer occurs in the normalised text as whole words ("994" is not in "1994")."""
    hay = f" {normalize_answer(text)} "
    return any(norm and f" {norm} " in hay for norm in (normalize_answer(g) for g in golds))


def exact_match(prediction: str, golds: Iterable[str]) -> bool:
    return any(normalize_answer(prediction) == normalize_answer(g) for g in golds if g.strip())


def key_fact_score(text: str, item: QAItem) -> tuple[float, bool]:
    """(share of key-fact groups found, correct = all found and nothing forbidden) for an answer text."""
    if not item.key_facts:
        return 0.0, False
    found = sum(contains_answer(text, group) for group in item.key_facts)
    forbidden = any(contains_answer(text, [s]) for s in item.must_not)
    return found / len(item.key_facts), found == len(item.key_facts) and not forbidden


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def gold_rank(chunk_texts: Sequence[str], golds: Iterable[str]) -> int | None:
    """1-based rank of the first chunk whose text holds a gold answer (case-insensitive), else None."""
    folded = [_fold(g) for g in golds if g.strip()]
    for rank, text in enumerate(chunk_texts, 1):
        t = _fold(text)
        if any(g in t for g in folded):
            return rank
    return None


def recall_at(ranks: Sequence[int | None], n: int) -> float | None:
    return float(np.mean([r is not None and r <= n for r in ranks])) if ranks else None


def mrr(ranks: Sequence[int | None]) -> float | None:
    return float(np.mean([1.0 / r if r else 0.0 for r in ranks])) if ranks else None


def percentile(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def mean_or_none(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


# --- loading ---------------------------------------------------------------------------------------
