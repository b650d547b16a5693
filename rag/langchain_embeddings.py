"""An `Embedder` as LangChain `Embeddings` (also `rag.embedders.LangChainEmbeddings`)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from .embedders import Embedder


class LangChainEmbeddings(Embeddings):
    """Adapts an `Embedder` to LangChain's `Embeddings` interface."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(list(texts)).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()  # type: ignore[no-any-return]
