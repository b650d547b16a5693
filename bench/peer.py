"""The peer: the plain LangChain RAG a user would build from the tutorial, on the same model.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200); multilingual-e5-small embeddings
(the product's, through LangChain's Embeddings interface) in an exact-search vector store (the
ranking of FAISS IndexFlatIP on normalised vectors); top 4; the "stuff" prompt of LangChain's RAG
tutorial (rlm/rag-prompt); the same Qwen2.5-Coder-1.5B GGUF through llama.cpp with the product's
settings (n_batch 512, the GGUF's own rope settings). Its answers are scored like the product's:
key facts (`rag.eval_run.key_fact_score`); an answer that says it does not know is an abstention.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

RAG_PROMPT = (
    "You are an assistant for question-answering tasks. Use the following pieces of retrieved context to "
    "answer the question. If you don't know the answer, just say that you don't know. Use three sentences "
    "maximum and keep the answer concise.\nQuestion: {question} \nContext: {context} \nAnswer:"
)


def build_peer(articles: Sequence[tuple[str, str]], embedder: str = "e5-small", llm: str = "llama-cpp") -> Any:
    """question -> answer text, as the tutorial's LCEL chain."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnablePassthrough
    from langchain_core.vectorstores import InMemoryVectorStore
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.embedders import LangChainEmbeddings, get_embedder
    from rag.llms import get_llm

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = splitter.create_documents([text for _, text in articles], metadatas=[{"title": t} for t, _ in articles])
    store = InMemoryVectorStore.from_documents(docs, LangChainEmbeddings(get_embedder(embedder)))
    retriever = store.as_retriever(search_kwargs={"k": 4})
    prompt = ChatPromptTemplate.from_messages([("human", RAG_PROMPT)])
    model = get_llm(llm)

    def format_docs(found: list[Any]) -> str:
        return "\n\n".join(d.page_content for d in found)

    return {"context": retriever | format_docs, "question": RunnablePassthrough()} | prompt | model | StrOutputParser()


def evaluate_peer(items: Sequence[Any], articles: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Rows and metrics in the shape of `rag.eval_run.evaluate` (no citations, no verified mark).
    A follow-up gets the conversation's earlier questions before it, as a tutorial user would paste them."""
    from tqdm import tqdm

    from rag.eval_run import STAGES, key_fact_score, percentile
    from rag.lang import detect_language
    from rag.verify import is_abstention

    chain = build_peer(articles)
    chain.invoke(items[0].question)  # load the model untimed, as `evaluate` does
    rows = []
    for item in tqdm(items, desc="peer", unit="q", file=sys.stderr):
        question = " ".join([*item.history, item.question])
        t0 = time.perf_counter()
        text = chain.invoke(question)
        ms = (time.perf_counter() - t0) * 1000
        language = item.language or detect_language(item.question)
        abstained = is_abstention(text, language) or "don't know" in text.lower() or "weiß" in text.lower()
        recall, correct = key_fact_score(text, item) if not abstained else (0.0, False)
        rows.append({"id": item.id, "question": item.question, "kind": item.kind, "language": language,
                     "answerable": item.answerable, "answer": text, "abstained": abstained, "verified": False,
                     "key_fact_recall": round(recall, 4), "correct": correct if item.answerable else abstained,
                     "timings": {"total_ms": round(ms, 1)}})
    p50 = {s: percentile([r["timings"][s] for r in rows if s in r["timings"]], 50) for s in STAGES}
    p95 = {s: percentile([r["timings"][s] for r in rows if s in r["timings"]], 95) for s in STAGES}
    return {"metrics": {"p50_ms": p50, "p95_ms": p95}, "rows": rows}
