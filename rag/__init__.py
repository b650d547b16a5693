"""Quellenlage: cited, checked answers from news articles, offline.

    from rag import ask
    print(ask("Wie viele Kisten hat Vietnam zurückgegeben?").answer)

Nothing is loaded at import time; models load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ask", "ask_stream", "search", "build_index", "update_index", "add_files", "index_status",
           "HybridRetriever"]

if TYPE_CHECKING:  # pragma: no cover
    from .api import add_files, ask, ask_stream, build_index, index_status, search, update_index
    from .retrieve import HybridRetriever


def __getattr__(name: str) -> Any:
    if name == "HybridRetriever":
        from .retrieve import HybridRetriever

        return HybridRetriever
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
