"""Language detection of questions: it picks the answer language, the threshold and the stemmer."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.eval_run import load_jsonl, load_squad
from rag.lang import detect_language

DATA = Path(__file__).parent / "data"


def test_every_seed_question_is_detected_in_its_language() -> None:
    items = load_jsonl(DATA / "seed_qa.jsonl")
    wrong = [(it.id, it.question) for it in items if detect_language(it.question) != it.language]
    assert len(items) == 44 and wrong == []


def test_every_german_xquad_question_of_the_ci_slice_is_german() -> None:
    _, items = load_squad(DATA / "xquad_de_3.json")
    assert len(items) == 49
    assert [it.question for it in items if detect_language(it.question) != "de"] == []


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Wen wird Hegseth in Hawaii treffen?", "de"),  # "in" is German too
        ("An welchem Treffen nimmt Hegseth in Malaysia teil?", "de"),
        ("In welchem County liegt Jacksonville?", "de"),
        ("The Mask of Anarchy wurde geschrieben, um gegen was zu protestieren?", "de"),
        ("Was ist ADMM-Plus?", "de"),
        ("When was Hegseth in Hanoi?", "en"),
        ("Who will Hegseth meet in Hawaii?", "en"),
        ("What is ADMM-Plus?", "en"),
    ],
)
def test_short_questions_with_words_both_languages_use(question: str, language: str) -> None:
    assert detect_language(question) == language


def test_an_english_question_opening_with_was_is_english() -> None:
    """"Was" is German "what" and English "was": it decides nothing."""
    assert detect_language("Was Luther's last writing written entirely in German?") == "en"
    assert detect_language("Was wurde im Juli 2021 vereinbart?") == "de"
