"""One story, many outlets: near-duplicates found at ingest, grouped, and named beside the citation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import api, store, stories
from rag.cli import main
from rag.eval_run import load_squad
from rag.types import Article

SEED = "003_0b9d6cc08c71d728.txt"
OTHER_SEED = "000_92dd99e734424ef3.txt"  # the same topic (Hegseth's trip), another story
XQUAD_3 = Path(__file__).parent / "data" / "xquad_de_3.json"


def edited_copy(text: str) -> str:
    """Another outlet's version: its own headline, an agency tag, words changed, a sentence dropped, and
    boilerplate around it."""
    body = text.replace("reist diese Woche", "fliegt in dieser Woche").replace("Das Pentagon sagte",
                                                                               "Das Pentagon erklärte")
    body = body.replace("Dies geschieht inmitten der sich verschärfenden Rivalität zwischen den USA und China "
                        "sowie der nuklearen Fortschritte Nordkoreas.", "")
    return ("Hegseth auf Asienreise: Verbündete sollen mehr zahlen\n\n(Agentur) " + body +
            "\n\nLesen Sie auch: Was die Reise für Europa bedeutet\n© Nachrichtenagentur, alle Rechte vorbehalten.")


def test_an_edited_copy_from_another_outlet_is_one_story_and_the_answer_names_it(
        seeds_copy: Path, hashing_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = (seeds_copy / SEED).read_text(encoding="utf-8")
    copy = tmp_path / "andere-zeitung.txt"
    copy.write_text(edited_copy(original), encoding="utf-8")
    report = api.add_files([copy], articles_dir=seeds_copy, index_dir=hashing_index)
    assert report.added == 1
    [near] = report.near_duplicates
    assert (near.path, near.of) == ("andere-zeitung.txt", SEED) and 0.8 <= near.similarity < 1.0
    assert report.to_json()["near_duplicates"] == [{"path": "andere-zeitung.txt", "of": SEED,
                                                    "similarity": near.similarity}]
    snap = store.open_index(hashing_index)
    by_path = {a.path: a for a in snap.articles.values()}
    assert by_path["andere-zeitung.txt"].story == by_path[SEED].id and by_path[SEED].story == ""
    assert by_path[OTHER_SEED].story == ""

    answer = api.ask("Wann findet das Sicherheitskonsultativkomitee in Seoul statt?", llm="extractive",
                     index_dir=hashing_index)
    assert answer.citations
    first = answer.citations[0]
    assert first.article_id in (by_path[SEED].id, by_path["andere-zeitung.txt"].id)
    other = ({by_path[SEED].id, by_path["andere-zeitung.txt"].id} - {first.article_id}).pop()
    assert [o.article_id for o in first.also_reported_by] == [other]
    # a sentence both articles hold is read once, from one of them (a yes/no verdict reads each candidate)
    from rag.prepare import prepare

    candidates = prepare(snap, "Findet das Sicherheitskonsultativkomitee in Seoul statt?").candidates
    assert candidates and len({" ".join(c.sentence.text.split()) for c in candidates}) == len(candidates)
    # … and so is one the other outlet edited a little ("reist diese Woche" / "fliegt in dieser Woche")
    # (asked without "diese Woche": that would ask for this week's articles, rag.timeframe)
    edited = [c.sentence.text for c in prepare(snap, "Reist Hegseth nach Asien, um Verbündete zu treffen?").candidates]
    assert sum("Hegseth" in t and "nach Asien" in t and "Verbündete" in t for t in edited) == 1, edited
    overview = api.ask("Worum geht es im Artikel über Hegseths Asienreise?", llm="extractive", index_dir=hashing_index)
    quotes = [" ".join(c.quote.split()) for c in overview.citations]
    assert len(quotes) >= 4 and len(set(quotes)) == len(quotes)
    assert main(["ask", "Wann findet das Sicherheitskonsultativkomitee in Seoul statt?", "--llm", "extractive",
                 "--index", str(hashing_index), "--json"]) == 0
    cited = json.loads(capsys.readouterr().out)["citations"][0]
    assert [o["title"] for o in cited["also_reported_by"]] == [snap.articles[other].title]


def test_articles_on_the_same_topic_are_not_one_story(seeds_copy: Path, tmp_path: Path) -> None:
    report = api.build_index(seeds_copy, tmp_path / "index", embedder="hashing")
    assert report.near_duplicates == ()  # both seeds are on Hegseth's trip, each its own story
    articles, _ = load_squad(XQUAD_3)
    paragraphs = [p for _, text in articles for p in text.split("\n") if len(p) > 300]
    assert len(paragraphs) >= 10
    base = [Article(id=str(i), title="", text=p, url=None, date=None, path=f"{i}.txt", language="de")
            for i, p in enumerate(paragraphs)]
    signed, near = stories.assign(base, {})
    assert near == []  # paragraphs of one article share its names, not its sentences
    copies = [Article(id=f"c{i}", title="", text="(Agentur) " + a.text.replace(" und ", " sowie ", 2) +
                      " Mehr dazu lesen Sie morgen.", url=None, date=None, path=f"copy-{i}.txt", language="de")
              for i, a in enumerate(signed)]
    _, found = stories.assign(copies, {a.id: a for a in signed})
    assert sorted((d.path, d.of) for d in found) == sorted((f"copy-{i}.txt", f"{i}.txt") for i in range(len(base)))


def test_articles_without_a_signature_are_left_out_not_an_error() -> None:
    old = Article(id="a", title="", text="Die Brücke ist 300 Meter lang und wurde im Mai eröffnet.", url=None,
                  date=None, path="a.txt", language="de")  # an index from before signatures were kept
    new = Article(id="b", title="", text=old.text, url=None, date=None, path="b.txt", language="de")
    signed, found = stories.assign([new], {"a": old})
    assert found == [] and signed[0].minhash and signed[0].story == ""


def test_the_update_report_and_the_page_name_the_story(seeds_copy: Path, hashing_index: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from rag.types import Citation, NearDuplicate, Source, UpdateReport
    from ui import render

    (seeds_copy / "kopie.txt").write_text(edited_copy((seeds_copy / SEED).read_text(encoding="utf-8")),
                                          encoding="utf-8")
    assert main(["index", "update", "--articles", str(seeds_copy), "--index", str(hashing_index)]) == 0
    assert f"one story: kopie.txt repeats {SEED}" in capsys.readouterr().out
    hostile = Source("x", "<script>alert(1)</script>Andere Zeitung", "javascript:alert(1)", "2025-11-03")
    html = render.render_sources([Citation(1, "a", "Titel", "https://example.org/a", "Satz.", passage="Satz.",
                                           also_reported_by=(hostile,))])
    assert "also reported by" in html and "&lt;script&gt;alert(1)&lt;/script&gt;Andere Zeitung" in html
    assert "<script>" not in html and "javascript:" not in html and "2025-11-03" in html
    report = render.render_report(UpdateReport(added=1, near_duplicates=(NearDuplicate("b.txt", "a.txt", 0.9),)))
    assert "<code>b.txt</code>: the same story as <code>a.txt</code>" in report


@pytest.mark.parametrize("text", ["", "zwei Wörter", "Die Brücke ist 300 Meter lang und wurde im Mai eröffnet.",
                                  (Path(__file__).parent.parent / "seeds" / SEED).read_text(encoding="utf-8")])
def test_signatures_are_datasketchs_minhash(text: str) -> None:
    from datasketch import MinHash

    reference = MinHash(num_perm=stories.NUM_PERM, seed=1)
    reference.update_batch(list(stories.shingles(text)))
    assert stories.signature(text) == reference.hashvalues.astype("<u4").tobytes().hex()


def test_a_sentence_retold_with_an_agency_tag_is_one_sentence() -> None:
    from rag.evidence import _WORD, retold

    def words(text: str) -> frozenset[str]:
        return frozenset(_WORD.findall(text.lower()))

    told = [words("Die Schiffsbetriebe haben am Dienstag eine neue Elektrofähre in Dienst gestellt.")]
    assert retold(words("Lindau (dpa) – Die Schiffsbetriebe haben am Dienstag eine neue Elektrofähre in Dienst "
                        "gestellt."), told)
    assert not retold(words("Die Schiffsbetriebe haben am Mittwoch zwei alte Dieselfähren außer Dienst gestellt."),
                      told)
    assert not retold(words("(dpa)"), [words("(dpa)")])  # too short to say
