"""Question analysis: kinds, follow-ups against new topics, compound questions, named dates."""

from __future__ import annotations

import pytest

from rag.question import (
    analyse,
    asked_topic,
    asks_open,
    classify,
    dated_pair,
    facets,
    is_follow_up,
    parts,
    standalone_question,
    whole_article,
)

VIETNAM = "Wie viele Kisten mit sterblichen Überresten hat Vietnam an die USA zurückgegeben?"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Wer leitet die Firma Nordwerk?", "factoid"),
        ("How many bridges did the city build?", "factoid"),
        ("Wie heißt der Bürgermeister von Nordheim?", "factoid"),
        ("Wann wurde die Brücke eröffnet?", "date"),
        ("In which year was the bridge opened?", "date"),
        ("Ab welchem Jahr galt das Gesetz?", "date"),
        ("Welche drei Projekte plant die Stadt?", "list"),
        ("Which countries did the minister visit?", "list"),
        ("Welche Themen wurden besprochen?", "list"),
        ("Fasse den Artikel über die Brücke zusammen.", "overview"),
        ("Summarize the talks between the two ministers.", "overview"),
        ("Worum geht es in dem Bericht?", "overview"),
        ("Wie unterscheiden sich die Pläne der beiden Städte?", "comparison"),
        ("How did the budget change before and after the vote?", "comparison"),
        ("Was plant die Stadt im Norden, und was plant sie im Süden?", "comparison"),
        ("How is the new bridge different from the old one?", "comparison"),
        ("What is the difference between the two plans?", "comparison"),
        ("Wie unterschiedlich sind die Pläne der beiden Städte?", "comparison"),
        # "different" / "unterschiedlich" before a plural is "various": what happens at each, no comparison
        ("What will the minister do at the different stops of her trip?", "overview"),
        ("Was plant die Ministerin an den unterschiedlichen Stationen ihrer Reise?", "overview"),
        ("Was macht die Ministerin an den verschiedenen Stationen ihrer Reise?", "overview"),
        ("Welche Minister nennen die beiden Artikel?", "multi"),
        ("What do both articles say about the budget?", "overview"),
        # "beide Seiten", "both countries" are the two parties of one report, not two articles
        ("Was tauschten beide Seiten zum Abschluss der Gespräche aus?", "factoid"),
        ("What did both countries sign in Hanoi?", "factoid"),
        ("Wie heißen die beiden Luchse im Tierpark?", "factoid"),  # a noun after "beiden" names the two things
        ("Was berichten beide Artikel über das Treffen?", "overview"),
        ("Welche Minister nennen beide?", "multi"),
        ("Warum baute die Stadt die Brücke?", "why"),
        ("Why did the minister resign?", "why"),
        ("Wie begründete die Stadt den Bau?", "why"),
        ("Hat die Stadt die Brücke gebaut?", "yesno"),
        ("Findet das Treffen in Wien statt?", "yesno"),
        ("Did the minister sign the agreement?", "yesno"),
        # a phrase before the verb, set off by a comma or colon
        ("In the United States, are pharmacists regulated together with physicians?", "yesno"),
        ("According to the report, did the minister sign the agreement?", "yesno"),
        ("Laut dem Bericht: Hat die Stadt die Brücke gebaut?", "yesno"),
        ("In 1990, what did the minister sign?", "factoid"),
        # a follow-up's "Und" / "And" before the verb; in German a capitalised word after it names a topic
        ("Und zählen solche Schulen zu den Privatschulen?", "yesno"),
        ("And is the bridge still open?", "yesno"),
        ("Und Südkorea?", "factoid"),
        ("Und was will er in Japan?", "factoid"),
        # two comparatives set against each other ask which, not yes or no
        ("Hat das Parlament mehr oder weniger Abgeordnete als das Unterhaus?", "comparison"),
        ("Was the rate higher or lower than in the years before?", "comparison"),
        ("Is the bridge longer or not?", "yesno"),
        ("Nach dem Treffen, wer sprach zuerst?", "factoid"),
        ("Was geschah am 2. November?", "event_date"),
        ("What happened on March 3?", "event_date"),
        ("Was wurde im Juli 2021 vereinbart?", "event_date"),
        # German writes a year bare: after a verb of happening it is the named date ("Was geschah 1830 …?")
        ("Was geschah 1830 in Nordafrika?", "event_date"),
        ("Was passierte 2008 in der Stadt?", "event_date"),
        ("Wie viele Soldaten kamen 1830 nach Algier?", "factoid"),
        # one question about two places needs a sentence for each
        ("On which dates does the minister meet them in Hanoi and in Seoul?", "multi"),
        ("Wann war die Ministerin in Nordheim und in Südstadt?", "multi"),
        ("Wann war die Ministerin in Nordheim?", "date"),
        # a third-person verb with its object is no plural noun; "group of …" is one group
        ("Which minister visits Hanoi next week?", "factoid"),
        ("What company builds the bridge?", "factoid"),
        ("What group of experts examined the files?", "factoid"),
        ("What is one way in which reports can be checked?", "factoid"),
        # asking for a name is no list
        ("Wie nennt man das Abkommen von 2021?", "factoid"),
        ("Wie wird die neue Brücke im Volksmund genannt?", "factoid"),
        ("Nennen Sie eine Maßnahme, die die Stadt plant.", "factoid"),
        ("Nennen Sie die Maßnahmen, die die Stadt plant.", "list"),
        ("Was ist neben dem Hafen ein nennenswerter Arbeitgeber der Stadt?", "factoid"),
        # a question word later in a German question is no yes/no ("Worüber", "… trifft welchen …")
        ("Worüber sprachen die Minister?", "factoid"),
        ("Hegseth trifft in Japan welchen Minister?", "factoid"),
        ("Nordwerk baut in Lindau was?", "factoid"),
        # a name asked for on a date is no event; "und was …?" without a clause is one question
        ("Was war der Name des Schiffs, das im Mai 2025 sank?", "factoid"),
        ("What channel did the broadcaster launch in 2021?", "factoid"),
        ("What did the council decide on March 3?", "event_date"),
        ("Es wird ein Zusammenhang zwischen Zinsen, Inflation und was gesehen?", "factoid"),
        ("Welches Programm läuft im Kultur- und Bildungsbereich?", "factoid"),
        # a day asked for with any preposition; a topic's talks summed up; "anders als" compares
        ("Für welchen Tag war der Start der Rakete geplant?", "date"),
        ("Ab wann soll die neue Rettungswache in Betrieb sein?", "date"),
        ("From when will the new ambulance station operate?", "date"),
        ("Auf welchen Termin wurde die Sitzung verschoben?", "date"),
        ("Worum ging es bei den Gesprächen in Hanoi?", "overview"),
        ("What were the talks between the two ministers about?", "overview"),
        ("Was lief in Nordheim anders als in Südstadt?", "comparison"),
        # a plural asked for, the verb of the clause after it ("does the article …"); "analysis" is no plural
        ("Which Apollo missions does the article bring up?", "list"),
        ("Which topics will the meeting cover?", "list"),
        ("What analysis does the report give?", "factoid"),
        ("What news does the report bring?", "factoid"),
        # the plural the object of "is" whose subject follows ("is the dairy known for"); a singular in -s is none
        ("Which products is the Hochgrat dairy best known for?", "list"),
        ("Welche Angebote soll es im neuen Gesundheitszentrum geben?", "list"),
        ("Welche Projekte gab es 2025 in Nordheim?", "list"),
        ("Which cities is he travelling to?", "list"),
        ("What analysis is used in the report?", "factoid"),
        ("What news is there from the council?", "factoid"),
        # two questions in one, the second opening with "which" / "welche" after a comma; without the comma one list
        ("Which soap opera does the one text name, and which drama does the other say premiered in 1981?",
         "comparison"),
        ("Was sind sie für den Doktor, und welcher Schauspieler ist durch diese Rolle bekannt?", "comparison"),
        ("Welche Länder und welche Städte besuchte er?", "list"),
        # a German plural asked for: a noun in -en, -rn or -ln after "welche"/"welchen"; not a singular ("Region",
        # "Bahn") or a day
        ("Auf welchen Linien fallen wegen des Streiks Züge aus?", "list"),
        ("Welche Beigaben fanden die Archäologen im Grab?", "list"),
        ("What does the town's flood plan consist of?", "list"),
        ("Welche Region traf das Hochwasser?", "factoid"),
        ("Welche Rollen spielt der Verein?", "list"),
        ("Welche Bahn fährt nach Limburg?", "factoid"),
        ("In welchen Jahren fand der Feldzug statt?", "date"),
    ],
)
def test_kinds(question: str, kind: str) -> None:
    assert classify(question)[0] == kind


def test_a_list_question_knows_how_many_items_it_wants() -> None:
    assert classify("Welche drei Projekte plant die Stadt?") == ("list", 3)
    assert classify("Name two ministers the article mentions.")[1] == 2
    assert classify("Welche beiden Minister empfingen ihn in Hanoi bzw. in Seoul?") == ("list", 2)


def test_german_was_is_no_yes_no_question_but_english_was_is() -> None:
    assert classify("Was tat der Minister in Wien?")[0] != "yesno"
    assert classify("Was the minister in Vienna?")[0] == "yesno"


@pytest.mark.parametrize(("question", "yes_no"), [
    ("Als was können Funktionsprobleme typischerweise umformuliert werden?", False),
    ("Basierend auf welchem Attribut klassifiziert die Komplexitätstheorie Probleme?", False),
    ("Wenn zwei ganze Zahlen multipliziert werden, wie heißt dann diese Menge?", False),
    ("Ist bekannt, wer die Brücke bezahlt?", False),
    ("Wurde die Brücke, wie geplant, eröffnet?", True),  # "wie geplant" asks nothing
    ("Waren die Bänder nach wie vor schwarz-weiß?", True),
    ("Stimmt es, dass die Brücke eröffnet wurde?", True),
])
def test_a_german_question_whose_question_word_comes_later_is_no_yes_no_question(question: str, yes_no: bool) -> None:
    assert (classify(question, "de")[0] == "yesno") is yes_no


@pytest.mark.parametrize(
    ("question", "language", "follows"),
    [
        ("Und wann war das?", "de", True),
        ("Wann war er dort?", "de", True),
        ("What did he sign there?", "en", True),
        ("And in Japan?", "en", True),
        ("Wer ist der Präsident von Frankreich?", "de", False),  # short, but a topic of its own
        ("Wie hoch ist der Eiffelturm?", "de", False),
        ("Who won the World Cup in 2014?", "en", False),
        ("Können Sie mir sagen, wer die Brücke gebaut hat?", "de", False),  # "Sie" is the polite address
    ],
)
def test_follow_up_or_new_topic(question: str, language: str, follows: bool) -> None:
    assert is_follow_up(question, language) is follows


@pytest.mark.parametrize(("question", "points"), [
    ("Und wer hat es gegründet?", True),
    ("Wie viele Menschen lebten damals dort?", True),
    ("And in what year did he do that?", True),
    ("Und wer auf amerikanischer Seite?", False),  # elliptic: a follow-up, but nothing named before is pointed at
    ("Wozu trug die Lutherbibel außerdem bei?", False),
    ("Können Sie mir sagen, wer gewann?", False),  # the polite "Sie"
    ("Gibt es dort einen Hafen?", True),
    ("Gibt es einen Hafen?", False),  # "es gibt" points nowhere
])
def test_a_question_points_back_by_a_pronoun_or_there(question: str, points: bool) -> None:
    from rag.question import points_back_to

    assert points_back_to(question, "en" if question.startswith("And") else "de") is points


def test_a_follow_up_borrows_the_topic_and_a_new_topic_does_not() -> None:
    history = [{"role": "user", "content": VIETNAM}, {"role": "assistant", "content": "994 [1]"}]
    assert standalone_question("Und wann war das?", history, "de") == (f"Und wann war das? ({VIETNAM})", True)
    assert standalone_question("Wie hoch ist der Eiffelturm?", history, "de") == ("Wie hoch ist der Eiffelturm?", False)
    assert standalone_question("Und wann war das?", [], "de") == ("Und wann war das?", False)
    # a chain of follow-ups keeps the topic of the last question that stood on its own
    chain = [(VIETNAM, "994"), ("Und wann war das?", "…")]
    assert standalone_question("Wer war dabei?", chain, "de")[0].endswith(f"({VIETNAM})")
    # the topic without its marker of a new topic ("Anderes Thema: …" opened the conversation's topic)
    assert standalone_question("Und wann war das?", [f"Anderes Thema: {VIETNAM}"], "de")[0].endswith(f"({VIETNAM})")


@pytest.mark.parametrize(("question", "rest"), [
    ("Anderes Thema: Wann kam der Schwarze Tod nach England?", "Wann kam der Schwarze Tod nach England?"),
    ("Different question: what share of voters backed it?", "what share of voters backed it?"),
    ("Ganz anderes Thema – wer leitet die Firma?", "wer leitet die Firma?"),
    ("New topic. Who won the final?", "Who won the final?"),
    ("Ganz andere Frage: Aus welcher Region stammte die Dynastie?", "Aus welcher Region stammte die Dynastie?"),
])
def test_a_marker_of_another_topic_is_no_part_of_the_question(question: str, rest: str) -> None:
    from rag.question import new_topic

    assert new_topic(question) == (rest, True)


@pytest.mark.parametrize("question", ["Welches andere Thema: Klima oder Verkehr?", "Anderes Thema",
                                      "Which other topic did the minister raise?"])
def test_a_question_about_a_topic_has_no_marker(question: str) -> None:
    from rag.question import new_topic

    assert new_topic(question) == (question, False)


def test_a_pronoun_after_a_name_the_conversation_has_not_named_starts_a_new_topic() -> None:
    """"his" in "What did Luther write … in his last writing?" is Luther's, not the conversation's minister's."""
    korea = ["Who is South Korea's defence minister according to the article?"]
    luther = "What did Luther write in German in his last writing?"
    assert standalone_question(luther, korea, "en") == (luther, False)
    # the pronoun before the name, an elliptic "And …", or a name the conversation spoke of: a follow-up
    assert standalone_question("Where and when will he meet Hegseth?", korea, "en")[1]
    assert standalone_question("And what did Luther say about his trip?", korea, "en")[1]
    assert standalone_question("When did the minister say he would visit?", korea, "en")[1]
    assert standalone_question("When does Hegseth say he will leave?", [("Where is Hegseth going?", "Japan")], "en")[1]
    # German capitalises every noun: "Provinz" is no name of its own
    assert standalone_question("In welcher Provinz liegt er?", ["Wo steht der Flughafen Bien Hoa?"], "de")[1]


def test_compound_questions_split_into_parts() -> None:
    assert parts("Was will er in Japan erreichen, und was tut er in Malaysia?") == [
        "Was will er in Japan erreichen", "was tut er in Malaysia"]
    assert parts("How many boxes were returned, compared with how many were identified?") == [
        "How many boxes were returned", "how many were identified"]
    assert parts("How does the warming expected this century compare with the warming measured so far?") == [
        "How does the warming expected this century", "the warming measured so far"]
    assert parts("Wie viele Kisten gab Vietnam zurück?") == ["Wie viele Kisten gab Vietnam zurück?"]


def test_a_comparison_of_two_things_splits_into_them() -> None:
    """"Which is larger: A or B?" sets two things against each other: each is a part to find its own sentence by, and
    the question is a comparison; a list of places asked for is no such pair, and a yes/no comparison ("Ist A teurer
    als B?") stays one."""
    assert parts("Which number is larger at Wiesenbrunn: the robbed graves or the dead with healed fractures?") == [
        "the robbed graves", "the dead with healed fractures"]
    assert classify("Which number is larger at Wiesenbrunn: the robbed graves or the dead with healed fractures?")[
        0] == "comparison"
    assert parts("Was soll früher vorliegen: die Ergebnisse der Analysen oder der fertige Damm in Nordheim?") == [
        "die Ergebnisse der Analysen", "der fertige Damm in Nordheim"]
    assert parts("Welche Städte besuchte er, Hanoi oder Seoul?") == ["Welche Städte besuchte er, Hanoi oder Seoul?"]
    assert classify("Welche Städte besuchte er, Hanoi oder Seoul?")[0] != "comparison"
    assert parts("Ist die Mauer teurer als das Becken?") == ["Ist die Mauer teurer als das Becken?"]
    assert classify("Ist die Mauer teurer als das Becken?")[0] == "yesno"


def test_facets_put_the_compared_places_first() -> None:
    """What a comparison sets side by side ("in Hawaii" … "in Vietnam") before its subject ("Hegseth")."""
    assert facets("How do Hegseth's aims in Hawaii differ from his aims in Vietnam?") == (
        ["Hawaii", "Vietnam"], ["Hegseth"])
    assert facets("Was will Hegseth in Japan erreichen, und was tut er in Malaysia?") == (
        ["Japan", "Malaysia"], ["Hegseth"])
    assert facets("Was steht im Artikel?") == ([], [])  # question words and "Artikel" are no names


@pytest.mark.parametrize(
    ("question", "whole"),
    [
        ("Worum geht es in dem Artikel über den Besuch in Hanoi?", True),
        ("Summarize the text on computational complexity theory.", True),
        ("Fasse den Text über Martin Luther zusammen.", True),
        ("What does the Martin Luther text say about his Bible translation?", False),
        ("Fasse zusammen, was der Artikel über die Zusammenarbeit berichtet.", False),
        ("Give me a short overview of how the bridge was repaired.", False),
    ],
)
def test_an_overview_of_a_whole_article_is_told_from_one_on_a_topic(question: str, whole: bool) -> None:
    assert whole_article(question) is whole


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What does the Martin Luther text say about his Bible translation?", "his Bible translation"),
        ("Fasse zusammen, was der Artikel über die Zusammenarbeit bei der Bewältigung der Kriegsfolgen berichtet.",
         "die Zusammenarbeit bei der Bewältigung der Kriegsfolgen"),
        ("Was sagt der Bericht über die Lindenbrücke?", "die Lindenbrücke"),
        ("Worum geht es im Text über die Normannen?", ""),  # the whole article
        ("Was kostet die Lindenbrücke?", ""),
        ("What does the report say?", ""),  # no topic named
        # named right after the words that ask for an overview; not where they name an article
        ("Give me a short overview of how the bridge was repaired.", "how the bridge was repaired"),
        ("Gib mir einen Überblick über die Zusammenarbeit der Städte.", "die Zusammenarbeit der Städte"),
        ("Worum ging es bei den Gesprächen in Hanoi?", "den Gesprächen in Hanoi"),
        ("Give me an overview of the article on the bridge.", ""),
        ("Worum geht es im Artikel über die Brücke?", ""),
        ("Was erzählt der Text über Bands und Musiker aus Newcastle?", "Bands und Musiker aus Newcastle"),
        ("Gib mir einen Überblick, was der Artikel über die Luchse erzählt.", "die Luchse"),
    ],
)
def test_an_overview_of_one_topic_names_that_topic(question: str, topic: str) -> None:
    assert asked_topic(question) == topic
    if "Text" in question or "Artikel" in question:  # what a text tells of a topic is an overview of it
        assert analyse(question).kind == "overview"


def test_analyse_names_dates_and_answer_types() -> None:
    q = analyse("Was geschah am 2. November in Hanoi?")
    assert q.kind == "event_date" and q.dates == ("2. November",)
    assert analyse("Wie lange dauerte der Besuch?").answer_type == "duration"
    assert analyse("Wie viele Kisten gab Vietnam zurück?").answer_type == "number"
    assert analyse("When did the visit start?").answer_type == "date"
    assert analyse("Welche Länder besucht er?").answer_type is None
    assert analyse("Um wie viel Prozent sollen die Ausgaben steigen?").answer_type == "percent"
    assert analyse("By what percentage will spending rise?").answer_type == "percent"


def test_date_keys_and_which_sentence_names_the_asked_date() -> None:
    from rag.dates import date_keys, names_date

    assert date_keys("Was geschah am 2. November?") == {(2, 11, None)}
    assert date_keys("im Juli 2021") == {(None, 7, 2021)} and date_keys("2025-11-02") == {(2, 11, 2025)}
    assert date_keys("Was geschah im Jahr 1030?") == {(None, None, 1030)}
    assert names_date("Am 3. November 2025 traf er Ahn.", ("3. November",))
    assert not names_date("Im November schrieb Luther.", ("3. November",))  # the day was asked
    assert not names_date("Am 3. Oktober traf er Ahn.", ("3. November",))
    assert names_date("1030 erhielt Rainulf die Grafschaft.", ("im Jahr 1030",))
    assert not names_date("Im Juli 2020 wurde vereinbart.", ("im Juli 2021",))


def test_a_question_on_two_places_asked_of_the_one_a_sentence_names() -> None:
    from rag.question import one_place

    question = "Mit welchen Amtskollegen trifft Hegseth in Hanoi und in Seoul zusammen?"
    assert one_place(question, "Der Empfang fand im Ministerium (Hanoi) statt.") == \
        "Mit welchen Amtskollegen trifft Hegseth in Hanoi zusammen?"
    assert one_place("Which ministers does he meet in Vietnam and South Korea?", "Vietnams Minister empfing ihn.") == \
        "Which ministers does he meet in Vietnam?"
    assert one_place("Which ministers does he meet in Vietnam and South Korea?", "In South Korea he meets Ahn.") == \
        "Which ministers does he meet in South Korea?"
    assert one_place(question, "Er reist nach Hanoi und Seoul.") == question  # both: the whole question
    assert one_place(question, "Er reist nach Tokio.") == question  # neither
    assert one_place("Wer regiert in Hanoi?", "In Hanoi regiert …") == "Wer regiert in Hanoi?"  # one place only


@pytest.mark.parametrize(("question", "items", "order", "apart"), [
    ("Which came first: the opening of the Grainger Market or the founding of the medical school?",
     ("the opening of the Grainger Market", "the founding of the medical school"), True, False),
    ("Which lies further in the past, and in which year did each happen: the Edict of Fontainebleau or the start of "
     "diplomatic relations between Vietnam and the US?",
     ("the Edict of Fontainebleau", "the start of diplomatic relations between Vietnam and the US"), True, False),
    ("Which came first, the Peterloo massacre or the founding of the office, and in which years did each happen?",
     ("the Peterloo massacre", "the founding of the office"), True, False),
    ("Was war früher – die Gründung der Bibliothek oder das erste Hafenfest?",
     ("die Gründung der Bibliothek", "das erste Hafenfest"), True, False),
    ("Which happened later, the cabin fire or the first landing?", ("the cabin fire", "the first landing"), True,
     False),
    ("In welchen Jahren fanden das Gefecht von Jumonville Glen und Priestleys Entdeckung des Sauerstoffs statt, und "
     "wie viele Jahre liegen dazwischen?", ("das Gefecht von Jumonville Glen", "Priestleys Entdeckung des Sauerstoffs"),
     False, True),
    ("Wie viele Jahre liegen zwischen dem Edikt von Nantes und dem Edikt von Fontainebleau?",
     ("dem Edikt von Nantes", "dem Edikt von Fontainebleau"), False, True),
])
def test_a_question_on_when_two_things_happened_names_both(question: str, items: tuple[str, str], order: bool,
                                                           apart: bool) -> None:
    pair = dated_pair(question)
    assert pair is not None and pair.items == items and (pair.order, pair.apart) == (order, apart)
    assert all(analyse(part).answer_type == "date" for part in pair.parts)


@pytest.mark.parametrize(("question", "parts"), [
    ("On which days was Jana Ostrowski due in Lindau and in Wemmstadt?",
     ("On which days was Jana Ostrowski due in Lindau?", "On which days was Jana Ostrowski due in Wemmstadt?")),
    ("Wann trifft die Ministerin in Lindau und in Bad Nordheim ein?",
     ("Wann trifft die Ministerin in Lindau ein?", "Wann trifft die Ministerin in Bad Nordheim ein?")),
])
def test_a_when_question_on_two_places_is_asked_of_each(question: str, parts: tuple[str, str]) -> None:
    pair = dated_pair(question)
    assert pair is not None and pair.parts == parts and not pair.order and not pair.apart
    assert dated_pair("Mit wem trifft sich die Ministerin in Lindau und in Wemmstadt?") is None  # no date asked


def test_a_pair_in_the_dative_is_asked_of_in_the_dative() -> None:
    pair = dated_pair("Wie viele Jahre liegen zwischen dem Edikt von Nantes und dem Edikt von Fontainebleau?")
    assert pair is not None and pair.parts[0] == "Wann kam es zu dem Edikt von Nantes?"


@pytest.mark.parametrize("question", [
    "Wann trafen sich Hegseth und Giang?",  # one event with two people
    "When did Hegseth and Giang meet?",
    "Welches Playoff-Spiel gewannen die Broncos knapper – das gegen Pittsburgh oder das gegen New England?",
    "Hat das schottische Parlament mehr oder weniger Abgeordnete als das britische Unterhaus?",
    "Welche Staaten haben das Kyoto-Protokoll nicht ratifiziert?",
])
def test_other_questions_are_no_dated_pair(question: str) -> None:
    assert dated_pair(question) is None


def test_a_question_on_two_topics_is_asked_of_each() -> None:
    """The same preposition before two topics ("über die Hugenotten und über die Geschichte der Pharmazie"): a part
    for each, for the evidence (`parts`) and for the judge reading a sentence on one of them (`one_place`)."""
    from rag.question import one_place, topic_pair

    question = "Welche Übersetzungen nennen die Texte über die Hugenotten und über die Geschichte der Pharmazie?"
    assert parts(question) == ["Welche Übersetzungen nennen die Texte über die Hugenotten?",
                               "Welche Übersetzungen nennen die Texte über die Geschichte der Pharmazie?"]
    assert one_place(question, "Die Hugenotten lasen die Bibel auf Französisch.") == parts(question)[0]
    assert one_place(question, "Die Geschichte der Pharmazie kennt viele Übersetzungen.") == parts(question)[1]
    assert one_place(question, "Er schrieb auf Latein.") == question  # neither topic: the whole question
    english = "Which missions does the article mention in connection with the cabin fire and with the TV footage?"
    assert parts(english)[1] == "Which missions does the article mention in connection with the TV footage?"
    for simple in ("Was sagt der Text über Luther und seine Frau?", "Wann trafen sich Hegseth und Giang?"):
        assert topic_pair(simple) is None and parts(simple) == [simple]


def test_an_open_question_asks_what_a_sentence_tells_not_one_thing() -> None:
    """"What" with a verb and a question for the news ask for what a sentence tells; a question for a person, a
    figure, a thing named by its noun does not."""
    for q in ("Was wurde letzte Woche im Tarifstreit vereinbart?", "Was berichteten die Zeitungen über die Brücke?",
              "What did the council decide about the port?", "Welche Nachrichten gab es zum Hafenausbau?",
              "What news was there on the strike?"):
        assert asks_open(q), q
    for q in ("Wer hat den Markt entworfen?", "Was kostet der Ausbau?", "Was war der Name des Sturms?",
              "How many subscribers did Sky Digital have?", "What is the capital of Vietnam?",
              "Welche Stadt ist der letzte Halt?", "Wie viele Buden hat der Markt?"):
        assert not asks_open(q), q


def test_how_long_a_thing_is_asks_for_a_number_not_only_a_time() -> None:
    """"How long is the road?" is a length as "How long was the war?" is a time: either number answers; where a verb
    of time says it ("did … last", "take", "ago"), a duration is asked."""
    assert analyse("Roughly how long is the road?").answer_type == "number"
    assert analyse("How long was the strike?").answer_type == "number"
    assert analyse("How long did the strike last?").answer_type == "duration"
    assert analyse("How long is the trip going to take?").answer_type == "duration"
    assert analyse("Wie lange dauerte der Besuch?").answer_type == "duration"


@pytest.mark.parametrize("question", ["How tall are the planned wind turbines on the Eichelberg?",
                                      "How heavy is the satellite?", "How deep is the harbour basin?",
                                      "How expensive is the new tram line?", "Wie schwer ist der Satellit?",
                                      "Wie teuer wird die Stadtbahn?", "Wie tief ist das Hafenbecken?"])
def test_a_measure_asked_by_its_adjective_is_a_figure_not_a_why(question: str) -> None:
    """"How tall …?", "Wie teuer …?" ask for a figure with its unit, like "How high …?": a factoid whose answer is a
    number, not a "how" that asks for a manner or a reason."""
    q = analyse(question)
    assert q.kind == "factoid" and q.answer_type == "number"
