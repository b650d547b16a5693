"""An English question rendered in German by the model, to find the German sentence that answers it.

Across languages the sentence vectors are the only signal, and they choose less well than for a German
question (XQuAD dev: the best sentence holds the answer for .63 of the English questions against .74 of
the same questions asked in German). The model's German rendering adds what the German question has:
its words for BM25 and the word-overlap bonus, and a German query vector averaged with the English one
(`bench/translation.py`). The rendering only steers the choice of sentences: the question shown, judged
and answered stays the user's, and abstention is decided on the English question's own cosines.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from .glossary import german_words
from .lang import STOPWORDS, detect_language
from .prompts import TRANSLATE_ROLE, build_translation_messages

TRANSLATION_TOKENS = 48
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_][\w-]*")


def render_question(question: str, llm: BaseChatModel) -> str:
    """The question in German, or "" where the reply is no usable rendering (not German, a number of the
    question lost, far longer than the question). Raises LLMError like any call of the model."""
    from .llms import for_role

    reply = str(for_role(llm, TRANSLATE_ROLE).invoke(build_translation_messages(question),
                                                  max_tokens=TRANSLATION_TOKENS).content)
    return usable_rendering(question, reply)


def usable_rendering(question: str, reply: str) -> str:
    """The first line of the reply, if it is a German rendering of `question` that keeps its numbers."""
    line = next((ln.strip().strip("\"“”„'") for ln in reply.splitlines() if ln.strip()), "")
    if not line or len(line) > 3 * len(question) + 20 or detect_language(line) != "de":
        return ""
    if any(n not in line for n in _NUMBER.findall(question)):
        return ""
    return line


def mend_rendering(question: str, rendering: str, used: Callable[[str], float]) -> str:
    """The rendering with the English words the model left in it put in German: each word of the English
    question that the rendering keeps as it is ("den obligatorischen Verbot der Confession") and that the
    German articles do not use becomes the dictionary's German word for it that they use most
    (`rag.glossary`: "Beichte"). `used(word)`: how rare the word is in the German articles (idf), 0 where they
    do not hold it. A word the articles hold stays (a name: "Luther"); so does a name of the question ("South
    Korea") and a word without such a translation."""
    if not rendering:
        return rendering
    # a name stays as the model wrote it: "South" of "South Korea" is no "Süden" ("Südkorea")
    asked = {w.lower() for i, w in enumerate(_WORD.findall(question)) if i == 0 or not w[0].isupper()}
    stop = STOPWORDS["de"] | STOPWORDS["en"]
    translations = dict(german_words(question))

    def german(match: re.Match[str]) -> str:
        token = match.group(0)
        low = token.lower()
        if low not in asked or low in stop or len(low) < 3 or used(token):
            return token
        options = [w for w in translations.get(low, ()) if w.lower() != low and used(w)]
        return min(options, key=used) if options else token

    for term, words in translations.items():  # a two-word term left in English ("die National anthem"): the
        # German compound the articles use for it ("Nationalhymne"), before its words are looked at alone
        if " " not in term or not all(part in asked for part in term.split()):
            continue
        options = [w for w in words if used(w)]
        if options:
            phrase = r"\s+".join(map(re.escape, term.split()))
            rendering = re.sub(rf"(?<!\w){phrase}(?!\w)", min(options, key=used), rendering, flags=re.IGNORECASE)
    return _WORD.sub(german, rendering)
