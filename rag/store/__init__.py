"""One index directory: a chain of immutable generations (FAISS + postings + JSON); the `manifest.json`
swap is the commit point.

Layout (see index/README.md): `manifest.json` (the chain, oldest first, and every file's size and
sha256), `generations/<gen>/{chunks.faiss, sentences.npy, sentence_rows.npy, chunks.jsonl,
articles.json, files.json, removed.json, lexicon/*}`. A commit writes only what changed; a full
generation (a build, a compaction) starts a new chain. No pickle anywhere.
"""

from .cache import SnapshotCache
from .format import (
    BM25_PARAMS,
    FORMAT_VERSION,
    GENERATIONS,
    MANIFEST,
    MAX_CHAIN,
    REBUILD,
    VERIFY_ON_OPEN_BYTES,
    FileRecord,
)
from .lock import ensure_index_folder, writer_lock
from .reading import OPEN_ATTEMPTS, IndexState, chain_of, check_index, open_index, read_manifest, read_state
from .snapshot import Snapshot
from .writing import commit, compact

__all__ = ["BM25_PARAMS", "FORMAT_VERSION", "GENERATIONS", "MANIFEST", "MAX_CHAIN", "OPEN_ATTEMPTS", "REBUILD",
           "VERIFY_ON_OPEN_BYTES", "FileRecord", "IndexState", "Snapshot", "SnapshotCache", "chain_of",
           "check_index", "commit", "compact", "ensure_index_folder", "open_index", "read_manifest", "read_state",
           "writer_lock"]
