"""Sentence splitting (German abbreviations and dates) and chunking (sizes, overlap, offsets)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.chunking import CHUNKING, MAX_SENTENCE_CHARS, chunk_article, split_sentences
from rag.types import Article, content_id


def texts(text: str, language: str = "de") -> list[str]:
    sentences = split_sentences(text, language)  # type: ignore[arg-type]
    for s in sentences:
        assert text[s.start : s.end] == s.text
        assert text[s.start : s.end].strip() == s.text
    return [s.text for s in sentences]


@pytest.mark.parametrize(
    "sentence",
    [
        "Am 2. November leitete General Phan Van Giang die Zeremonie.",
        "Das Gesetz Nr. 5 tritt morgen in Kraft.",
        "Viele Länder, z. B. Vietnam, feiern mit.",
        "Dr. Müller sprach mit Prof. Meier.",
        "Es kamen ca. 300 Menschen bzw. etwas mehr.",
        "Die Hilfe stieg auf 200 Mio. US-Dollar an.",
        "Beide Länder feiern den 30. Jahrestag der Beziehungen (1995–2025) in Hanoi.",
        "Im 19. Jh. war das anders.",
        "Gemäß Abs. 2 gilt das ggf. auch hier.",
        "Die Regierung (u. a. das Ministerium) sagte nein.",
        "Die Ergebnisse wurden von Jones et al. 1998, Pollack und Briffa 2000 gestützt.",  # a citation's year
        "Die Kurven von Jones et al. (1998) und Briffa wurden überlagert.",
    ],
)
def test_german_abbreviations_and_dates_do_not_end_a_sentence(sentence: str) -> None:
    text = f"Vorher ein Satz. {sentence} Danach noch einer."
    assert texts(text) == ["Vorher ein Satz.", sentence, "Danach noch einer."]


def test_closing_quote_stays_with_its_sentence() -> None:
    text = 'Er sagte: "Das ist gut." Dann ging er. Sie rief: „Halt!“ Niemand hielt.'
    assert texts(text) == ['Er sagte: "Das ist gut."', "Dann ging er.", "Sie rief: „Halt!“", "Niemand hielt."]


def test_english_abbreviations() -> None:
    text = "Mr. Smith met U.S. officials on Jan. 5 in Washington. They left."
    assert texts(text, "en") == ["Mr. Smith met U.S. officials on Jan. 5 in Washington.", "They left."]
    text = "So wrote Smith et al. The next study disagreed."  # "et al." at a sentence's end still ends it
    assert texts(text, "en") == ["So wrote Smith et al.", "The next study disagreed."]


def test_line_breaks_end_sentences_and_offsets_point_into_the_text() -> None:
    text = "  Titel ohne Punkt\n\nErster Satz. Zweiter Satz.\nLetzte Zeile"
    sentences = split_sentences(text, "de")
    assert [s.text for s in sentences] == ["Titel ohne Punkt", "Erster Satz.", "Zweiter Satz.", "Letzte Zeile"]
    assert [(s.start, s.end) for s in sentences] == [(2, 18), (20, 32), (33, 46), (47, 59)]


def test_repeated_sentences_get_their_own_offsets() -> None:
    text = "Ja. Ja. Ja."
    assert [(s.start, s.end) for s in split_sentences(text, "de")] == [(0, 3), (4, 7), (8, 11)]


def test_a_huge_line_without_periods_is_cut_at_whitespace() -> None:
    text = " ".join(f"wort{i}" for i in range(10_000))  # ~ 90,000 chars, one "sentence"
    sentences = split_sentences(text, "de")
    assert len(sentences) > 50
    assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS
    assert " ".join(s.text for s in sentences) == text  # nothing lost, cuts only at spaces


def test_a_long_paragraph_of_many_sentences_splits_fully() -> None:
    text = " ".join(f"Satz Nummer {i} ist hier." for i in range(600))
    sentences = split_sentences(text, "de")
    assert len(sentences) == 600
    assert sentences[599].text == "Satz Nummer 599 ist hier."


def _article(text: str) -> Article:
    return Article(id=content_id(text), title="t", text=text, url=None, date=None, path="a.txt", language="de")


def test_chunks_respect_limits_and_overlap() -> None:
    text = " ".join(f"Das ist der Satz mit der Nummer {i:03d}." for i in range(40))  # 37-38 chars each
    art = _article(text)
    chunks = chunk_article(art, max_chars=200, max_sentences=10, overlap=2)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert {len(c.sentences) for c in chunks[:-1]} == {5}  # 5 sentences fit into 200 chars, 6 do not
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert len(c.text) <= 200
        assert c.id == content_id(art.id, str(c.start), str(c.end))
        assert c.article_id == art.id and c.language == "de"
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.sentences[-2:] == b.sentences[:2]
    assert chunks[0].sentences[0].start == 0 and chunks[-1].end == len(text)
    covered = {s for c in chunks for s in c.sentences}
    assert len(covered) == 40


def test_max_sentences_limits_a_chunk() -> None:
    text = " ".join(f"Das ist Satz {i} hier." for i in range(12))
    chunks = chunk_article(_article(text), max_chars=10_000, max_sentences=4, overlap=1)
    assert [len(c.sentences) for c in chunks] == [4, 4, 4, 3]
    assert chunks[1].sentences[0].text == "Das ist Satz 3 hier."


def test_pysbd_numbered_list_rule_does_not_cut_before_a_number() -> None:
    # pysbd alone gives ['Satz', '0. Satz', '1. Satz', ...]; no sentence may start with the number.
    assert texts("Er kam auf Platz 1. Sie auf Platz 2. Danach ging es heim.") == [
        "Er kam auf Platz 1.",
        "Sie auf Platz 2.",
        "Danach ging es heim.",
    ]
    assert not any(t[0].isdigit() for t in texts(" ".join(f"Satz {i}." for i in range(12))))


def test_a_sentence_longer_than_max_chars_is_its_own_chunk_and_overlap_shrinks() -> None:
    long = "Lang " * 150 + "Ende."  # 755 chars, under the sentence cap
    text = f"Kurz eins. Kurz zwei. {long} Kurz drei."
    chunks = chunk_article(_article(text), max_chars=300, max_sentences=10, overlap=2)
    # The long sentence cannot share a chunk, so no overlap is possible around it.
    assert [c.text for c in chunks] == ["Kurz eins. Kurz zwei.", long, "Kurz drei."]


def test_empty_article_has_no_chunks_and_settings_are_recorded() -> None:
    assert chunk_article(_article("")) == []
    assert chunk_article(_article("  \n\n ")) == []
    assert CHUNKING == {"splitter": "pysbd", "max_chars": 1200, "max_sentences": 10, "overlap": 2, "version": 2}


def test_bad_chunk_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        chunk_article(_article("Ein Satz."), max_chars=0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400), st.sampled_from(["de", "en"]))
def test_fuzz_offsets_stay_valid(text: str, language: str) -> None:
    sentences = split_sentences(text, language)  # type: ignore[arg-type]
    last = 0
    for s in sentences:
        assert s.text and text[s.start : s.end] == s.text == s.text.strip()
        assert s.start >= last
        last = s.end
    art = Article(id="x", title="", text=text, url=None, date=None, path="f", language=language)  # type: ignore[arg-type]
    for c in chunk_article(art, max_chars=80, max_sentences=3, overlap=1):
        assert c.text == text[c.start : c.end]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Nr.", "z. B.", "2.", "Dr.", "\n", " ", "Satz", ".", "„", "“", "(1995–2025)", "ca."]),
        max_size=60,
    )
)
def test_fuzz_abbreviation_soup_keeps_every_character(parts: list[str]) -> None:
    text = " ".join(parts)
    sentences = split_sentences(text, "de")
    assert "".join(s.text for s in sentences).replace(" ", "") == "".join(text.split())
