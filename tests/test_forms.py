"""Answer forms: typed short spans, snapping a model's span to its sentence, the answer texts."""

from __future__ import annotations

import pytest

from rag.forms import (
    bullets,
    extractive_short,
    has_type,
    names_again,
    number_as_written,
    only_repeats,
    single_text,
    snap,
    typed_candidates,
)
from rag.types import Evidence, Sentence

KISTEN = ("Bis heute hat Vietnam nach 160 gemeinsamen Operationen insgesamt 994 Kisten mit sterblichen "
          "Überresten an die Vereinigten Staaten zurückgegeben.")
VISIT = "Am Nachmittag des 2. November leitete General Phan Van Giang die Begrüßungszeremonie für 12 Gäste."


def test_the_number_nearest_the_questions_words_is_the_short_answer() -> None:
    short, unique = extractive_short(KISTEN, "Wie viele Kisten hat Vietnam zurückgegeben?", "number", "de")
    assert (short, unique) == ("994 Kisten", False)
    short, _ = extractive_short(KISTEN, "Nach wie vielen gemeinsamen Operationen?", "number", "de")
    assert short == "160 gemeinsamen Operationen"


def test_a_date_is_no_answer_to_how_many() -> None:
    assert [m.group(0) for m in typed_candidates(VISIT, "Wie viele Gäste?", "number")] == ["12 Gäste"]
    assert extractive_short(VISIT, "Wann begann der Besuch?", "date", "de") == ("2. November", True)


@pytest.mark.parametrize(
    ("sentence", "question", "short"),
    [
        ("Die Normannen eroberten im Jahr 1066 England.", "Wann eroberten die Normannen England?", "im Jahr 1066"),
        ("Luther reiste im Sommer 1521 nach Worms.", "When did Luther travel to Worms?", "im Sommer 1521"),
        ("Der Bau dauerte drei Jahre.", "Wie lange dauerte der Bau?", "drei Jahre"),
        ("Seit Juli 2021 gilt die Vereinbarung.", "Seit wann gilt die Vereinbarung?", "Juli 2021"),  # not "Juli 20"
        ("The deal was signed on July 4, 2021.", "When was the deal signed?", "July 4, 2021"),
        ("Das Paket umfasst 130 Millionen US-Dollar.", "How large is the package?", "130 Millionen US-Dollar"),
        ("Das Paket umfasst 130 Millionen US-Dollar.", "Wer schnürte das Paket?", ""),  # no type asked
    ],
)
def test_typed_spans(sentence: str, question: str, short: str) -> None:
    from rag.question import answer_type

    assert extractive_short(sentence, question, answer_type(question), "de")[0] == short


def test_a_number_a_name_holds_after_a_hyphen_is_no_figure() -> None:
    """"MIRA-2" and "Falcon-9" are names, no answer to "how much?"; the weight and a range ("2-3") are."""
    sat = "Der Kleinsatellit „MIRA-2“ flog mit einer Falcon-9-Rakete ins All."
    assert typed_candidates(sat, "How much does it weigh?", "number") == []
    weight = "Der Satellit wiegt 11,8 Kilogramm und ist 34 Zentimeter lang."
    assert [m.group(0) for m in typed_candidates(weight, "How much does it weigh?", "number")] == \
        ["11,8 Kilogramm", "34 Zentimeter"]
    assert [m.group(0) for m in typed_candidates("Es kamen 2-3 Gäste.", "Wie viele?", "number")] == ["2", "3 Gäste"]


def test_a_span_the_question_already_names_is_no_answer() -> None:
    assert typed_candidates("Am 2. November traf er 3 Minister.", "Was geschah am 2. November?", "date") == []


@pytest.mark.parametrize(
    ("reply", "source", "written"),
    [
        ("3", "Vietnam richtet die dritte Ausstellung Ende 2026 aus.", "dritte"),
        ("3.", "Vietnam richtet die dritte Ausstellung aus.", "dritte"),
        ("3", "The city named three goals.", "three"),
        ("1", "It was the first visit.", "first"),
        ("2026", "Vietnam richtet die dritte Ausstellung Ende 2026 aus.", "2026"),  # written as digits: kept
        ("4", "Vietnam richtet die dritte Ausstellung aus.", "4"),  # not in the sentence: kept (and rejected)
        ("8", "Er kam erst um acht.", "acht"),
        ("1", "Er kam erst um acht.", "1"),  # "erst" (only) is no ordinal
    ],
)
def test_a_number_the_sentence_writes_as_a_word_is_that_word(reply: str, source: str, written: str) -> None:
    assert number_as_written(reply, source) == written


def test_an_ordinal_answers_which_number() -> None:
    assert has_type("dritte", "number") and has_type("the third", "number") and not has_type("Ausstellung", "number")


def test_an_ordinal_alone_counts_nothing() -> None:
    """"Wie viele Aussteller werden dort erwartet?" answered "dritte" (the third exhibition, shown as the answer
    to a question the articles do not answer): an ordinal answers "die wievielte", not "wie viele"."""
    from rag.forms import ordinal_for_count
    from rag.reading import check_short

    source = "Vietnam richtet die dritte Rüstungsmesse aus, zu der 300 Aussteller erwartet werden."
    question = "Wie viele Aussteller werden dort erwartet?"
    assert ordinal_for_count("dritte", question) and ordinal_for_count("the third", "How many exhibitors came?")
    assert not ordinal_for_count("dritte", "Die wievielte Messe ist das?")
    assert not ordinal_for_count("300 Aussteller", question) and not ordinal_for_count("sechs", question)
    assert check_short("dritte", source, question, "number", "factoid", "de", "de")[0] == ""
    assert check_short("300 Aussteller", source, question, "number", "factoid", "de", "de")[0] == "300 Aussteller"


def test_snap_finds_the_span_as_written_or_nothing() -> None:
    assert snap("994 kisten", KISTEN) == "994 Kisten"
    assert snap("„994 Kisten“.", KISTEN) == "994 Kisten"
    # one word changed in a longer span still snaps to the sentence's own words
    assert snap("nach 160 gemeinsame Operationen insgesamt", KISTEN) == "nach 160 gemeinsamen Operationen insgesamt"
    assert snap("494 Kisten", KISTEN) is None
    assert snap("Hanoi", KISTEN) is None
    assert snap("   ", KISTEN) is None
    # a reply longer than a short sentence (the reader reads runners-up too): compared, not an IndexError
    assert snap("die Baufirma Hellwig aus Graz", "Hellwig baute sie.") is None
    assert snap("Baufirma Hellwig aus Graz baute", "Baufirma Hellwig aus Graz.") == "Baufirma Hellwig aus Graz"


def test_snap_takes_a_listed_reply_as_the_sentence_lists_it() -> None:
    """A reply that lists items with other joining words than the sentence's is the sentence's stretch from its
    first item to its last; not where other words stand between them, nor where an item is missing."""
    sentence = "Die Luchse Mika und Tove sind aus einem Wildpark in Schweden angekommen."
    assert snap("Mika, Tove", sentence) == "Mika und Tove"
    assert snap("Tove and Mika", sentence) == "Mika und Tove"
    trip = "Er besucht Hawaii, Japan, Malaysia, Vietnam und Südkorea."
    assert snap("Hawaii, Japan; Malaysia", trip) == "Hawaii, Japan, Malaysia"
    assert snap("Hawaii, Südkorea", trip) is None  # three other items between them
    assert snap("Mika, Schweden", sentence) is None
    assert snap("Mika, Lotte", sentence) is None


def test_a_sentence_names_again_what_the_one_before_named() -> None:
    """A definite article and a noun the sentence before holds as a word, an inflection of it or the last part of a
    compound; not a noun it does not hold, nor a sentence without a definite opening."""
    before = "Die West Side von Fresno ist eines der ältesten Viertel der Stadt."
    assert names_again("Das Viertel liegt südwestlich der Route 99.", before)
    assert names_again("Das alte Viertel gilt als Zentrum.", before)
    assert names_again("Der Kanal wurde nachts gesendet.", "ABC gründete 1981 den Kabelkanal ARTS.")
    assert names_again("The district lies to the south.", "It is one of the oldest districts of the city.")
    assert not names_again("Die Stadt liegt am Meer.", "Das Viertel ist alt.")
    assert not names_again("Ein Viertel liegt am Meer.", before)


def test_snap_takes_whole_words_of_the_sentence() -> None:
    """A span that ends inside a word of the sentence is that word only where the rest is an inflection ending; a
    piece of another word is not the sentence's answer ("vietnam" of "vietnamesische" for a province)."""
    sentence = "Der vietnamesische Verteidigungsminister dankte den Helfern im Jahr 1998 (US-Angaben)."
    assert snap("vietnam", sentence) is None
    assert snap("199", sentence) is None  # not a number of the sentence
    assert snap("Helfer", sentence) == "Helfern"  # the ending the model left off is taken along
    assert snap("US", sentence) == "US" and snap("Verteidigungsminister", sentence) == "Verteidigungsminister"
    # a later whole-word occurrence counts where an earlier one is a piece of a word
    assert snap("Rat", "Der Ratgeber sprach vor dem Rat.") == "Rat"


def test_only_repeats_the_question() -> None:
    assert only_repeats("Hegseth", "Wen trifft Hegseth?", "de")
    assert not only_repeats("Phan Van Giang", "Wen trifft Hegseth?", "de")
    assert not only_repeats("2025", "Wann war das 2025?", "de")  # a number is an answer


def _ev(text: str, start: int = 0) -> Evidence:
    return Evidence(Sentence(text, start, start + len(text)), "c", "a", "T", None, None, 0.9)


def test_answer_texts_cite_every_quote() -> None:
    evs = [_ev("Erster Satz."), _ev("Zweiter Satz.", 20)]
    assert single_text(evs[:1], "de", "994") == "994 [1]\n\n„Erster Satz.“ [1]"
    assert single_text(evs, "en", "May 3", cite=2) == "May 3 [2]\n\n“Erster Satz.” [1]\n“Zweiter Satz.” [2]"
    assert single_text(evs[:1], "de") == "„Erster Satz.“ [1]"
    assert bullets(evs, "de") == "• „Erster Satz.“ [1]\n• „Zweiter Satz.“ [2]"


@pytest.mark.parametrize(("sentence", "back"), [
    ("Sie veranlassten Luther dazu, die Hymne zu schreiben.", True),
    ("Dies ist ein wichtiger Meilenstein.", True),
    ("Seit beide Seiten 2021 eine Vereinbarung in diesem Bereich unterzeichnet haben, prüfte Vietnam 44 Akten.", True),
    ("They returned 994 boxes.", True),
    ("Das Ministerium kündigte die Reise an.", False),  # an article, not a pronoun
    ("Die USA unterstützen Vietnam.", False),
    ("Vietnam gab 994 Kisten zurück.", False),
])
def test_a_sentence_that_points_back_is_recognised(sentence: str, back: bool) -> None:
    from rag.forms import refers_back

    assert refers_back(sentence) is back


def test_a_count_word_is_a_number() -> None:
    # "Wie viele Grammys gewann Lady Gaga?" / "Die sechs-malige Grammy-Gewinnerin …": "sechs" answers it
    assert has_type("sechs", "number") and has_type("zwei Teams", "number") and has_type("three", "number")
    assert not has_type("ein Team", "number") and not has_type("Lady Gaga", "number")
    # an adjective that counts in its first part ("How many lanes does it have?" / "eine zweispurige Landstraße")
    from rag.answer_types import gives_answer_type

    assert has_type("zweispurige", "number") and has_type("dreistöckig", "number") and not has_type("Zweifel", "number")
    assert gives_answer_type("Der Boulevard ist eine kleine, zweispurige Landstraße.", "How many lanes does it have?",
                             "number")
    assert not gives_answer_type("Der Boulevard ist eine kleine Landstraße.", "How many lanes does it have?", "number")


@pytest.mark.parametrize(("number", "sentence", "span"), [
    ("130", "Die USA kündigten ein Hilfspaket in Höhe von 130 Millionen US-Dollar für das Projekt an.",
     "130 Millionen US-Dollar"),
    ("26", "Das Ministerium kündigte am 26. Oktober 2025 an, dass er reist.", "26. Oktober 2025"),
    ("13", "Das Ministerium kündigte am 26. Oktober 2025 an, dass er reist.", ""),  # not a whole number there
])
def test_number_span_is_the_sentences_longest_span_holding_the_number(number: str, sentence: str, span: str) -> None:
    from rag.forms import number_span

    assert number_span(number, sentence) == span


@pytest.mark.parametrize(("span", "sentence", "shown"), [
    ("300", "Die Hilfe steigt von 300 Millionen auf 430 Millionen US-Dollar.", "300 Millionen"),
    ("430", "Die Hilfe steigt von 300 Millionen auf 430 Millionen US-Dollar.", "430 Millionen"),
    ("1.5", "Exports rose to 1.5 billion dollars.", "1.5 billion"),
    ("12", "Die Mieten stiegen um 12 % in einem Jahr.", "12 %"),
    ("994", "Vietnam hat 994 Kisten zurückgegeben.", "994"),  # no scale: the number as read
    ("30", "Die Firma hat 300 Millionen Euro investiert.", "30"),  # not a whole number there
    ("Wemmstadt", "Wemmstadt hat 3 Millionen Einwohner.", "Wemmstadt"),
])
def test_a_bare_number_gets_the_scale_the_sentence_gives_it(span: str, sentence: str, shown: str) -> None:
    """"300" for "von 300 Millionen" is another number: the short answer keeps the sentence's scale."""
    from rag.forms import with_scale

    assert with_scale(span, sentence) == shown


def test_a_season_answers_when() -> None:
    """"Wann bekommen die Luchse Nachwuchs?" / "… im kommenden Frühjahr …": a season is a date answer."""
    from rag.answer_types import gives_answer_type
    from rag.forms import extractive_short, has_type

    sentence = "Die Leiterin hofft, dass die Luchse im kommenden Frühjahr Nachwuchs bekommen."
    question = "Wann bekommen die Luchse Nachwuchs?"
    assert gives_answer_type(sentence, question, "date")
    assert extractive_short(sentence, question, "date", "de") == ("im kommenden Frühjahr", True)
    assert has_type("Sommer 2026", "date") and has_type("next spring", "date")
    assert not gives_answer_type("Die Luchse bekommen Nachwuchs.", question, "date")


def test_a_sentence_that_speaks_of_these_men_tells_of_whom_its_paragraph_named() -> None:
    """"Did the officers have more experience than Loudoun and Abercrombie?" on "Keiner dieser Männer hatte so viel
    Kampagnenerfahrung wie das … Offizierstrio.": the names are in the sentence before, which it points back to, so
    the names are mentioned; "in diesem Jahr" points to a time, not to whom the paragraph named."""
    from rag.reading import told
    from rag.verify import names_missing

    before = "Newcastle ersetzte ihn im Januar 1756 durch Lord Loudoun, mit James Abercrombie als Stellvertreter."
    sentence = "Keiner dieser Männer hatte so viel Kampagnenerfahrung wie das Offizierstrio."
    question = "Did the officer trio have more campaign experience than Loudoun and Abercrombie?"
    assert names_missing(question.split(maxsplit=1)[-1], told(sentence, before)) == []
    assert names_missing(question.split(maxsplit=1)[-1], [sentence]) != []
    assert told("In diesem Jahr kamen viele Offiziere.", before) == ["In diesem Jahr kamen viele Offiziere."]


@pytest.mark.parametrize(("asked", "sentence"), [
    ("the active NFL leader in career sacks", "Er war der aktive Anführer in der NFL-Kategorie Karriere-Sacks."),
    ("the French officer trio", "Keiner hatte so viel Erfahrung wie das von Frankreich entsandte Offizierstrio."),
    ("the German chancellor", "Der Kanzler Deutschlands reiste nach Paris."),
])
def test_a_name_is_mentioned_in_a_hyphenated_compound_or_as_its_country(asked: str, sentence: str) -> None:
    """A name inside a German hyphenated compound ("NFL-Kategorie") or an adjective of a country that the German
    sentence names as the country ("French" / "von Frankreich") is mentioned; another country is not."""
    from rag.verify import names_missing

    assert names_missing(asked, [sentence]) == []
    assert names_missing(asked.replace("NFL", "NBA").replace("French", "Japanese").replace("German", "Spanish"),
                         [sentence]) != []


def test_a_date_in_other_words_snaps_to_the_sentences_own() -> None:
    from rag.forms import snap_date

    sentence = "Im Oktober 1954 schlug Goldenson die Fusion vor; 1950 war sie noch kein Thema."
    assert snap_date("October 1954", sentence) == "Oktober 1954"
    assert snap_date("Oktober 1954", sentence) == "Oktober 1954"
    assert snap_date("November 1954", sentence) is None  # another date: no span of the sentence
    assert snap_date("Goldenson", sentence) is None  # no date at all
