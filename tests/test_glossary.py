"""The bilingual dictionary: an English question's content words as the German words the articles use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rag import glossary
from rag.evidence import glossary_groups, grouped_share

XQUAD_3 = Path(__file__).parent / "data" / "xquad_de_3.json"  # 3 articles of XQuAD dev, in the repo
DING = """# Version :: a test list in Ding's format
Absichtserklärung {f} | Absichtserklärungen {pl} :: memorandum of understanding; memorandum | memoranda
Brücke {f} | Brücken {pl} :: bridge | bridges
Hymne {f} | Hymnen {pl} :: anthem | anthems
Rat {m}; Stadtrat {m} [pol.] :: council; town council
Schule {f} | Schulen {pl} :: school | schools
Sturmflut {f} | Sturmfluten {pl} :: storm surge; storm tide | storm surges; storm tides
Sturm {m} | Stürme {pl} :: storm | storms
Schaden {m} | Schäden {pl} :: damage | damages
schließen {vt} | schließend | geschlossen :: to close | closing | closed
unterzeichnen {vt} | unterzeichnend | unterzeichnet :: to sign | signing | signed
stattfinden {vi}; erfolgen {vi} :: to take place
Platz {m}; Ort {m} :: place
Beute {f}; Aufnahme {f} :: take
stellen {vt} :: to place
allererste; allererster :: very first
erste; zuerst :: first
Test {m}; Prüfung {f} :: test
"""


@pytest.fixture
def ding(use_glossary: Callable[[str], Path]) -> Path:
    return use_glossary(DING)


def test_an_english_question_gets_the_german_words_of_its_content_words(ding: Path) -> None:
    groups = dict(glossary.german_words("When was the memorandum on the schools signed in Marstedt?"))
    assert groups["memorandum"] == ("Absichtserklärung",)
    assert groups["schools"] == ("Schulen",)  # the aligned plural of the entry, not the singular's line
    assert "Schule" not in groups["schools"]
    assert groups["signed"] == ("unterzeichnet",)  # a verb's form, "to" dropped on the English side
    assert groups["marstedt"] == ("Marstedt",)  # a name stands for itself
    assert "when" not in groups and "the" not in groups  # function words have none


def test_an_inflected_english_word_finds_its_entry(ding: Path) -> None:
    assert dict(glossary.german_words("Which councils will close?"))["councils"] == ("Rat", "Stadtrat")
    assert dict(glossary.german_words("Why is it closing the bridges?"))["bridges"] == ("Brücken",)


def test_the_dictionary_is_read_once_into_a_table_that_later_processes_open(
        ding: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert dict(glossary.german_words("Which bridge?"))["bridge"] == ("Brücke",)
    tables = list((tmp_path / "cache" / "glossary").glob("*.sqlite"))
    assert len(tables) == 1
    glossary._table.cache_clear()  # a new process: the table answers, the text is not parsed again
    monkeypatch.setattr(glossary, "_parse", lambda path: pytest.fail("parsed again"))
    assert dict(glossary.german_words("Which bridge?"))["bridge"] == ("Brücke",)
    glossary._table.cache_clear()  # an edited dictionary is a new table
    ding.write_text(DING.replace("Brücke {f}", "Steg {m}"), encoding="utf-8")
    monkeypatch.undo()
    monkeypatch.setenv("RAG_GLOSSARY", str(ding))
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    assert dict(glossary.german_words("Which bridge?"))["bridge"] == ("Steg",)


def test_a_cache_that_cannot_be_written_reads_the_dictionary_into_memory(
        ding: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("RAG_CACHE_DIR", str(blocked))
    glossary._table.cache_clear()
    assert dict(glossary.german_words("Which bridge?"))["bridge"] == ("Brücke",)


def test_without_the_dictionary_there_are_no_german_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_GLOSSARY", str(tmp_path / "missing"))
    glossary._table.cache_clear()
    assert glossary.german_words("Which school will the council close?") == []


def test_each_english_word_counts_once_however_many_german_words_it_has(ding: Path) -> None:
    """"council" has two German words; a sentence with one of them has the whole word, and the idf of the
    rarest German word the articles hold weighs it; a word the articles never use counts for nothing."""
    idf = {("rat", "de"): 1.0, ("stadtrat", "de"): 2.0, ("schul", "de"): 3.0}
    groups = glossary_groups(glossary.german_words("Which school will the council close?"), idf)
    assert sorted(w for w, _ in groups) == [2.0, 3.0]  # "close": no German word of it in the articles
    assert grouped_share(groups, "Der Stadtrat tagte am Montag.") == pytest.approx(2 / 5)
    assert grouped_share(groups, "Der Rat schließt die Schule.") == pytest.approx(1.0)
    assert grouped_share(groups, "Die Brücke bleibt offen.") == 0.0


def test_two_english_words_the_dictionary_knows_as_one_term_are_one_german_compound(ding: Path) -> None:
    """"storm surge" is "Sturmflut": one group keyed by both words, before each word's own group ("storm" →
    Sturm; "surge" the dictionary does not know alone); a plural finds the term's plural, and two words the
    dictionary does not know as a term ("surge damage") are none."""
    groups = glossary.german_words("How much damage did the storm surge cause?")
    assert [w for w, _ in groups] == ["damage", "storm surge", "storm"]
    assert dict(groups)["storm surge"] == ("Sturmflut",)
    assert dict(glossary.german_words("Were the storm surges higher?"))["storm surges"] == ("Sturmfluten",)
    assert "surge damage" not in dict(glossary.german_words("What was the storm's surge damage?"))
    named = dict(glossary.german_words("Who chairs the Town Council?"))  # a name: its own words only
    assert "town council" not in named and named["council"] == ("Council", "Rat", "Stadtrat")


def test_a_sentence_with_the_compound_has_the_term_and_its_words_and_one_with_a_word_has_that_word(ding: Path) -> None:
    """"storm surge" counts as the compound and as each of its words: "Sturmflut" holds the term and "storm"
    (a compound's part); "Sturm" alone holds "storm" only."""
    groups = glossary_groups(glossary.german_words("How much damage did the storm surge cause?"),
                             {("sturmflut", "de"): 3.0, ("sturm", "de"): 2.0, ("schad", "de"): 1.0})
    assert sorted(w for w, _ in groups) == [1.0, 2.0, 3.0]
    assert grouped_share(groups, "Die Sturmflut richtete Schäden an.") == pytest.approx(1.0)
    assert grouped_share(groups, "Der Sturm richtete Schäden an.") == pytest.approx(3 / 6)
    assert grouped_share(groups, "Die Schäden sind hoch.") == pytest.approx(1 / 6)


def test_an_idiom_the_dictionary_gives_only_verbs_for_stands_alone(ding: Path) -> None:
    """"take place" is "stattfinden": "take" (Beute) and "place" (Platz, stellen) are not asked, or a sentence with
    "stellte" would rank for them; "very first" (allererste, no verb) keeps "first" (zuerst)."""
    keys = [w for w, _ in glossary.german_words("When did the test take place?")]
    assert keys == ["test", "take place"]
    keys = [w for w, _ in glossary.german_words("What was the very first sign?")]
    assert "very first" in keys and "first" in keys


def test_a_compound_whose_head_is_the_questions_word_holds_it(ding: Path) -> None:
    """"test" is the head of "Bodentest" (a ground test is a test), though the stemmer cuts the word to "bodent" and
    four letters are too few to count anywhere inside a compound ("Testament" is no test)."""
    groups = glossary_groups(glossary.german_words("When did the test take place?"),
                             {("test", "de"): 2.0, ("stattfind", "de"): 2.0})
    assert grouped_share(groups, "Der Bodentest begann am 27. Januar 1967.") == pytest.approx(1 / 2)
    assert grouped_share(groups, "Das Testament wurde verlesen.") == 0.0


@pytest.mark.real_model
def test_the_dictionary_puts_first_the_german_sentence_that_holds_the_questions_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """e5-small ranks "Im November schrieb Luther …" first for an English question on Luther's essay on
    confession; "confession" is "Beichte" in the dictionary, and the sentence that answers holds it."""
    if not glossary.DEFAULT_PATH.is_file():
        pytest.skip("Ding's dictionary is not installed (make dictionary; Debian's trans-de-en)")
    from rag import api
    from rag.eval_run import load_squad

    articles = tmp_path / "articles"
    articles.mkdir()
    for i, (title, text) in enumerate(load_squad(XQUAD_3)[0]):
        (articles / f"{i}.txt").write_text(f"{title}\n\n{text}", encoding="utf-8")
    api.build_index(articles, tmp_path / "index", embedder="e5-small")
    question = "According to Luther's essay on confession, what is every Christian?"
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RAG_GLOSSARY", str(glossary.DEFAULT_PATH))
    with_it = api.ask(question, llm="extractive", index_dir=tmp_path / "index")
    assert "Beichtvater" in with_it.citations[0].quote
    monkeypatch.setenv("RAG_GLOSSARY", str(tmp_path / "no-dictionary"))
    api.reset()
    without = api.ask(question, llm="extractive", index_dir=tmp_path / "index")
    assert "Beichtvater" not in without.citations[0].quote  # what the dictionary changed


def test_the_english_words_a_rendering_keeps_are_put_in_the_german_the_articles_use(ding: Path) -> None:
    """The model's rendering left "Council" and "Bridge" in English: each becomes the dictionary's German word
    the articles hold, the most common of them where there are several; a word the articles hold ("Marstedt")
    stays, as does one the question does not have ("Brücke") and one no German word of the articles renders."""
    from rag.translation import mend_rendering

    idf = {"Rat": 2.0, "Stadtrat": 3.5, "Brücke": 1.5, "Marstedt": 4.0}  # what the articles hold, and how rarely
    question = "Will the council of Marstedt close the bridge by the school?"
    rendering = "Wird der Council von Marstedt die Bridge bei der School schließen?"
    assert mend_rendering(question, rendering, lambda w: idf.get(w, 0.0)) == \
        "Wird der Rat von Marstedt die Brücke bei der School schließen?"
    assert mend_rendering(question, "Wird der Rat die Brücke schließen?", lambda w: idf.get(w, 0.0)) == \
        "Wird der Rat die Brücke schließen?"  # nothing left in English: unchanged
    assert mend_rendering(question, "", lambda w: 1.0) == ""
    # a two-word term left in English is the German compound the articles use for it, not its words one by one
    storm = "How high was the damage of the storm surge in Marstedt?"
    assert mend_rendering(storm, "Wie hoch war der Schaden der Storm surge in Marstedt?", lambda w: idf.get(w, 0.0)
                          or {"Sturmflut": 3.0, "Sturm": 1.0}.get(w, 0.0)) == \
        "Wie hoch war der Schaden der Sturmflut in Marstedt?"
    # a name of the question stays as it is: "Council" of "the Town Council" is no "Rat"
    assert mend_rendering("Who heads the Town Council?", "Wer leitet den Town Council?", lambda w: idf.get(w, 0.0)) \
        == "Wer leitet den Town Council?"


def test_prepare_ranks_with_the_mended_rendering(ding: Path, hashing_index: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`prepare` hands the rendering on with the English word it kept ("Memorandum") in the articles' German."""
    from rag import prepare as prepare_module
    from rag import store

    seen: list[str] = []
    inner = prepare_module._prepare

    def spy(*args: object, translation: str = "", **kwargs: object) -> object:
        seen.append(translation)
        return inner(*args, translation=translation, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(prepare_module, "_prepare", spy)
    snap = store.open_index(hashing_index)
    prepare_module.prepare(snap, "When was the memorandum signed?",
                           translation="Wann wurde das Memorandum unterzeichnet?")
    assert seen and seen[0] == "Wann wurde das Absichtserklärung unterzeichnet?"


def test_the_dictionary_backs_an_english_rendering_word_by_word(ding: Path) -> None:
    assert glossary.backs("the schools", "die Schulen") is True
    assert glossary.backs("national anthem", "Nationalhymne") is True  # "anthem" → Hymne, the compound's last part
    assert glossary.backs("anthem", "Hymnenbuch") is False  # "hymn": too short to count but as the last part
    assert glossary.backs("the bridge schools", "Brückenschulen") is True  # 5 letters or more count anywhere
    assert glossary.backs("Marstedt's schools", "Marstedter Schulen") is True  # a word the German holds itself
    assert glossary.backs("the schools", "die Brücken") is False  # a translation that is not there
    assert glossary.backs("the pupils", "die Schulen") is False  # a word the dictionary does not know
    assert glossary.backs("signed memoranda", "unterzeichnete Absichtserklärungen") is True
    assert glossary.backs("the", "die") is False  # function words only: nothing backed


def test_the_dictionary_backs_a_german_rendering_of_english_words(ding: Path) -> None:
    assert glossary.backs_german("die Schulen", "the schools") is True
    assert glossary.backs_german("Nationalhymne", "national anthem") is True  # Hymne, the compound's last part
    assert glossary.backs_german("Brückenschulen", "the bridge schools") is True
    assert glossary.backs_german("Marstedter Schulen", "Marstedt's schools") is True  # the name itself
    assert glossary.backs_german("die Brücken", "the schools") is False  # not the dictionary's German for it
    assert glossary.backs_german("die", "the") is False  # function words only


def test_without_the_dictionary_nothing_is_backed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_GLOSSARY", str(tmp_path / "missing"))
    assert glossary.backs("the schools", "die Schulen") is None
    assert glossary.backs_german("die Schulen", "the schools") is None


def test_words_no_english_dictionary_knows_are_found_in_an_english_answer(ding: Path) -> None:
    assert glossary.unknown_english("the bridges of the schulen") == ["schulen"]  # German left in it
    assert glossary.unknown_english("the bridges and schools") == []
    assert glossary.unknown_english("Marstedt's bridges") == []  # a capitalised word may be a name
    assert glossary.unknown_english("the schulen", known="Which schulen closed?") == []  # the question's own word
    assert glossary.unknown_english("closing signed bridges") == []  # inflected forms find their entries


def test_an_english_answer_word_the_question_names_and_the_german_sentence_does_not_mention(ding: Path) -> None:
    question = "What did the council decide about the Linden Bridge?"
    plan = "Der Stadtrat hat den Bebauungsplan für den neuen Liegeplatz beschlossen."
    assert glossary.unsaid_names("decided to build the bridge", question, plan) == ["bridge"]
    assert glossary.unsaid_names("reopened the bridge", question, "Die Lindenbrücke wurde geöffnet.") == []  # its
    # German as a compound's part
    assert glossary.unsaid_names("the new berth", question, plan) == []  # not a word the question names
    assert glossary.unsaid_names("closed the bridge", "What did the council decide about the bridge?", plan) == []
    assert glossary.unsaid_names("a Linden plan", question, plan) == []  # a word the dictionary does not know


def test_a_yes_needs_the_term_an_english_question_asks_about_in_the_german_sentence(
        use_glossary: Callable[[str], Path]) -> None:
    """"Did she meet the prime minister?" asked of a sentence on the defence minister: the dictionary's German
    words for the term are in no word of it, so the model's "yes" does not stand; the term as a compound's part
    ("Ministerpräsidenten") or a term the sentence holds ("Sturmflut") does not stop it."""
    from rag.reading import yes_no_doubt

    use_glossary(DING + "Ministerpräsident {m} | Ministerpräsidenten {pl} :: prime minister | prime ministers\n")
    question = "Did Jana Ostrowski meet the prime minister in Nordheim?"
    defence = "In Nordheim traf Jana Ostrowski am Montag den Verteidigungsminister."
    assert glossary.unsaid_terms(question, defence) == ["prime minister"]
    assert yes_no_doubt(question, defence, "yes", "en", "de") == "the sentence does not mention prime minister"
    premier = "In Nordheim traf Jana Ostrowski am Montag den Ministerpräsidenten des Landes."
    assert glossary.unsaid_terms(question, premier) == [] and yes_no_doubt(question, premier, "yes", "en", "de") == ""
    assert glossary.unsaid_terms("Did the storm surge flood the port?", "Die Sturmflut traf den Hafen.") == []
