"""One index directory: immutable generations (FAISS + BM25 + JSON), `manifest.json` swap = commit point.

Layout (see index/README.md): `manifest.json`, `generations/<gen>/{chunks.faiss, sentences.npy,
sentence_rows.npy, chunks.jsonl, articles.json, files.json, bm25/*}`. No pickle anywhere.
"""

from .format import (
           BM25_DIR,
           BM25_PARAMS,
           FORMAT_VERSION,
           GENERATIONS,
           MANIFEST,
           REBUILD,
           VERIFY_ON_OPEN_BYTES,
           FileRecord,
)
from .reading import OPEN_ATTEMPTS, check_index, open_index, read_manifest
from .snapshot import Snapshot
from .writing import commit, ensure_index_folder, writer_lock

__all__ = ["BM25_DIR", "BM25_PARAMS", "FORMAT_VERSION", "GENERATIONS", "MANIFEST", "OPEN_ATTEMPTS", "REBUILD",
           "VERIFY_ON_OPEN_BYTES", "FileRecord", "Snapshot", "check_index", "commit", "ensure_index_folder",
           "open_index", "read_manifest", "writer_lock"]
