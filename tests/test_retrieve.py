"""Dense retrieval: the chunk vectors find the candidates, each chunk's closest sentence orders them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag import indexing, store
from rag.embedders import get_embedder
from rag.retrieve import HybridRetriever

QUESTION = "Wann eröffnete die Stadt Brunnfeld ihr neues Hallenbad?"
# The answer is one sentence among unrelated ones; the other article shares the question's words spread
# over sentences that do not answer it, so its chunk as a whole is closer to the question.
ANSWER = ("Bäder\n\nDie Stadt Brunnfeld eröffnete im März ihr neues Hallenbad. Der Wetterdienst meldet für das "
          "Wochenende Regen und kräftigen Wind aus Westen. Im Fußball gewann der Tabellenführer sein Auswärtsspiel "
          "deutlich mit vier zu null Toren. Die Preise für Heizöl sind im Vergleich zum Vorjahr gestiegen. Ein "
          "Konzert des Jugendorchesters findet am Sonntag in der Kirche statt.")
SPREAD = ("Brunnfeld\n\nBrunnfeld ist eine Stadt mit neuem Bahnhof. Im Hallenbad von Kirchdorf wurde eröffnet. "
          "Die Stadt plant ihr neues Rathaus.")


def test_the_chunk_with_the_answering_sentence_ranks_first(tmp_path: Path) -> None:
    (tmp_path / "arts").mkdir()
    (tmp_path / "arts" / "antwort.txt").write_text(ANSWER, encoding="utf-8")
    (tmp_path / "arts" / "verstreut.txt").write_text(SPREAD, encoding="utf-8")
    indexing.sync(tmp_path / "arts", tmp_path / "index", "hashing")
    snap = store.open_index(tmp_path / "index")
    qvec = get_embedder("hashing").embed_query(QUESTION)
    row = {("Hallenbad" in c.text and "März" in c.text): i for i, c in enumerate(snap.chunks)}
    # ordered by the chunks' own vectors, the spread-out article would come first
    assert snap.chunk_vectors[row[False]] @ qvec > snap.chunk_vectors[row[True]] @ qvec
    best, _ = snap.closest_sentences(qvec, [row[True], row[False]])
    assert best[0] > best[1]
    for mode in ("dense", "hybrid"):
        hits = HybridRetriever(snapshot=snap, mode=mode).hits(QUESTION, 2)
        assert "März" in hits[0].chunk.text, mode
    dense = HybridRetriever(snapshot=snap, mode="dense").hits(QUESTION, 2)
    assert np.isclose(dense[0].dense_score, best[0])  # the score shown is the closest sentence's
    assert dense[0].sentence == "Die Stadt Brunnfeld eröffnete im März ihr neues Hallenbad."
    assert all(h.sentence == "" for h in HybridRetriever(snapshot=snap, mode="bm25").hits(QUESTION, 2))


def test_closest_sentences_of_no_rows_and_of_each_chunk(tmp_path: Path) -> None:
    (tmp_path / "arts").mkdir()
    (tmp_path / "arts" / "antwort.txt").write_text(ANSWER, encoding="utf-8")
    indexing.sync(tmp_path / "arts", tmp_path / "index", "hashing")
    snap = store.open_index(tmp_path / "index")
    qvec = get_embedder("hashing").embed_query(QUESTION)
    assert snap.closest_sentences(qvec, [])[0].shape == (0,)
    for r in range(len(snap.chunks)):
        rows = snap.sentence_vector_rows_of_chunk(r)
        expected = max(float(snap.sentence_vectors[v] @ qvec) for v in rows)
        assert np.isclose(snap.closest_sentences(qvec, [r])[0][0], expected)
