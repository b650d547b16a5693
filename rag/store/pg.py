"""The index in PostgreSQL + pgvector (`RAG_STORE=postgresql://…`, `--store URL`): one server that many
processes and machines read and write.

Tables (prefix `ql_`, so the index can share a database): `ql_meta` (one row: the generation, a counter
every commit raises, and the manifest), `ql_articles`, `ql_files` (records as JSON, each tagged with the
generation that last set it), `ql_chunks` (text and sentences as JSON, the chunk vector in a `vector`
column with an HNSW index for inner product), `ql_sentences` (one vector per sentence) and `ql_removed`
(the article ids and file paths each commit took away, so that a reader catches up from its generation).

A commit is one transaction: rows of the change only (new chunks and their sentences, the records that
changed, deletions), the counts adjusted, the generation raised. Readers load a snapshot in one
repeatable-read transaction (the same in-memory `Snapshot` the local store gives, so retrieval and answers
are unchanged) and, when the generation moved, read only the rows of later generations. Lexical search
stays in process (the snapshot's BM25 over the chunks' stems): the same scores as the local store. Dense
search is the snapshot's in memory too (exact, or its IVF past `rag.store.ann.ANN_MIN_CHUNKS`); the HNSW
index serves `PgSnapshot.dense_ann` (and SQL clients), and dense search goes to it from `ANN_MIN_CHUNKS`
chunks when that is set. A build writes the rows first and the HNSW index after them, in one pass.
Writers serialise on an advisory lock (`writer_lock`) held for a whole update, and every commit also
takes a transaction-level one; a commit whose base is not the current generation is refused.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeGuard
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from ..errors import (
    DependencyError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexWriteError,
    NoIndexError,
)
from ..types import Article, Chunk
from .format import (
    BM25_PARAMS,
    FORMAT_VERSION,
    FileRecord,
    Part,
    build_lexicon,
    chunk_from_json,
    chunk_to_json,
    shallow,
)
from .reading import IndexState
from .snapshot import Snapshot

log = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
#: advisory lock keys: one writer's whole update (`writer_lock`), and one commit's transaction
WRITER_KEY = 0x51_4C_57_52  # "QLWR"
COMMIT_KEY = 0x51_4C_43_4D  # "QLCM"
#: from this many chunks on, dense search without a filter asks the database's HNSW index; None: never (the
#: default: measured at 100,000 chunks, the snapshot's own search in memory was faster and exact, where
#: HNSW found .86 of the exact top 10; past `rag.store.ann.ANN_MIN_CHUNKS` the snapshot has its IVF)
ANN_MIN_CHUNKS: int | None = None
#: HNSW candidates per search (pgvector's `hnsw.ef_search`; at least 2 k)
EF_SEARCH = 100
HNSW_INDEX = "CREATE INDEX IF NOT EXISTS ql_chunks_hnsw ON ql_chunks USING hnsw (embedding vector_ip_ops)"
TABLES = ("ql_sentences", "ql_chunks", "ql_articles", "ql_files", "ql_removed", "ql_meta")


def is_url(location: object) -> TypeGuard[str]:
    """Whether an index location names a PostgreSQL database (else it is a folder)."""
    return isinstance(location, str) and location.startswith(SCHEMES)


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _modules() -> tuple[Any, Any]:
    try:
        import psycopg
        from pgvector.psycopg import register_vector
    except ImportError:
        raise DependencyError(
            "The PostgreSQL store needs the `pg` extra: run `pip install -e '.[pg]'` (psycopg, pgvector), "
            "or drop RAG_STORE / --store to use the index folder."
        ) from None
    return psycopg, register_vector


def connect(url: str, vectors: bool = True) -> Any:
    """A connection (not autocommit) with pgvector's types registered when the extension exists."""
    psycopg, register_vector = _modules()
    try:
        conn = psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as e:
        raise IndexWriteError(
            f"Cannot reach the PostgreSQL index at {shown(url)} ({str(e).strip().splitlines()[0]}). Start the "
            "server or fix RAG_STORE / --store."
        ) from None
    if vectors:
        try:
            register_vector(conn)
        except psycopg.ProgrammingError:  # no vector type yet: a database the index has never been written to
            conn.rollback()
    return conn


def _has_index(conn: Any) -> bool:
    return conn.execute("SELECT to_regclass('ql_meta') IS NOT NULL").fetchone()[0]


def read_manifest(url: str, shared: bool = False) -> dict[str, Any] | None:
    """The index's manifest (None when the database holds no index). `shared`: on this thread's kept
    connection (a reader asking before each question whether the index changed: no new session each time)."""

    def query(conn: Any) -> Any:
        if not _has_index(conn):
            return None
        return conn.execute("SELECT manifest FROM ql_meta WHERE id = 1").fetchone()

    if shared:
        row = _kept(url, query)
    else:
        with contextlib.closing(connect(url, vectors=False)) as conn:
            row = query(conn)
    return dict(row[0]) if row else None


def _generation_number(name: str) -> int:
    return int(name[1:].split("-")[0] or 0)


def _generation_name(gen: int, index_id: str) -> str:
    """Like a folder's generation names: the counter and the index's id (a rebuild gets a new one)."""
    return f"g{gen:06d}-{index_id}"


def _schema(conn: Any, dim: int) -> None:
    """Create the tables (vectors of `dim`) when missing; the extension first."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    _, register_vector = _modules()
    register_vector(conn)
    conn.execute("CREATE TABLE IF NOT EXISTS ql_meta (id int PRIMARY KEY CHECK (id = 1), generation bigint NOT NULL,"
                 " manifest jsonb NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS ql_articles (id text PRIMARY KEY, gen bigint NOT NULL,"
                 " data jsonb NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS ql_files (path text PRIMARY KEY, gen bigint NOT NULL,"
                 " data jsonb NOT NULL)")
    conn.execute(f"CREATE TABLE IF NOT EXISTS ql_chunks (id text PRIMARY KEY, gen bigint NOT NULL, article_id text NOT"
                 f" NULL REFERENCES ql_articles (id) ON DELETE CASCADE, position int NOT NULL, n_sentences int NOT"
                 f" NULL, data jsonb NOT NULL, embedding vector({int(dim)}) NOT NULL)")
    conn.execute(f"CREATE TABLE IF NOT EXISTS ql_sentences (chunk_id text NOT NULL REFERENCES ql_chunks (id) ON"
                 f" DELETE CASCADE, idx int NOT NULL, embedding vector({int(dim)}) NOT NULL, PRIMARY KEY (chunk_id,"
                 f" idx))")
    conn.execute("CREATE TABLE IF NOT EXISTS ql_removed (gen bigint NOT NULL, kind text NOT NULL, key text NOT NULL)")
    conn.execute("CREATE INDEX IF NOT EXISTS ql_chunks_gen ON ql_chunks (gen)")
    conn.execute("CREATE INDEX IF NOT EXISTS ql_chunks_article ON ql_chunks (article_id)")
    conn.execute("CREATE INDEX IF NOT EXISTS ql_articles_gen ON ql_articles (gen)")
    conn.execute("CREATE INDEX IF NOT EXISTS ql_files_gen ON ql_files (gen)")
    conn.execute("CREATE INDEX IF NOT EXISTS ql_removed_gen ON ql_removed (gen)")
    conn.execute(HNSW_INDEX)


def _table_dim(conn: Any) -> int | None:
    row = conn.execute("SELECT atttypmod FROM pg_attribute WHERE attrelid = to_regclass('ql_chunks')"
                       " AND attname = 'embedding'").fetchone()
    return int(row[0]) if row else None


# --- the writer lock ----------------------------------------------------------------------------------


@contextlib.contextmanager
def writer_lock(url: str, timeout: float = 600) -> Iterator[None]:
    """Hold the database's writer lock (an advisory lock the server releases when the session ends, so a
    killed writer never leaves it behind) for a whole update; waits up to `timeout` seconds."""
    import sys

    conn = connect(url, vectors=False)
    conn.autocommit = True
    try:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_KEY,)).fetchone()[0]:
            print(f"Another process is updating the index at {shown(url)}; waiting…", file=sys.stderr, flush=True)
            start = time.monotonic()
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_KEY,)).fetchone()[0]:
                if time.monotonic() - start > timeout:
                    raise IndexLockedError(
                        f"Another process has been updating the index at {shown(url)} for over "
                        f"{time.monotonic() - start:.0f} s. Wait for it and try again.")
                time.sleep(0.05)
        yield
    finally:
        conn.close()  # ends the session: the lock goes with it


# --- reading --------------------------------------------------------------------------------------------


def _article(data: dict[str, Any]) -> Article:
    return Article(**data)


def _file(data: dict[str, Any]) -> FileRecord:
    return FileRecord(**{**data, "article_ids": tuple(data["article_ids"])})


def _part_since(conn: Any, url: str, since: int, name: str, dim: int) -> Part:
    """The rows of generations after `since` as one `Part` (all rows, a full part, when `since` is 0)."""
    articles = {r[0]: _article(r[1]) for r in conn.execute("SELECT id, data FROM ql_articles WHERE gen > %s", (since,))}
    files = {r[0]: _file(r[1]) for r in conn.execute("SELECT path, data FROM ql_files WHERE gen > %s", (since,))}
    removed: dict[str, set[str]] = {"article": set(), "file": set()}
    if since:
        for kind, key in conn.execute("SELECT kind, key FROM ql_removed WHERE gen > %s", (since,)):
            removed.setdefault(kind, set()).add(key)
    chunks: list[Chunk] = []
    vectors: list[np.ndarray] = []
    row_of: dict[str, int] = {}
    for cid, data, vec in conn.execute("SELECT id, data, embedding FROM ql_chunks WHERE gen > %s"
                                       " ORDER BY article_id, position", (since,)):
        row_of[cid] = len(chunks)
        chunks.append(chunk_from_json(data))
        vectors.append(vec)
    rows: list[tuple[int, int]] = []
    svecs: list[np.ndarray] = []
    for cid, idx, vec in conn.execute("SELECT s.chunk_id, s.idx, s.embedding FROM ql_sentences s JOIN ql_chunks c"
                                      " ON c.id = s.chunk_id WHERE c.gen > %s", (since,)):
        rows.append((row_of[cid], idx))
        svecs.append(vec)

    def stack(vs: list[np.ndarray]) -> np.ndarray:
        if not vs:
            return np.zeros((0, dim), np.float32)
        return np.asarray(np.stack([v.to_numpy() if hasattr(v, "to_numpy") else v for v in vs]), dtype=np.float32)

    cvec, svec = stack(vectors), stack(svecs)
    srows = np.asarray(rows, dtype=np.int32).reshape(-1, 2)
    if cvec.shape[1] != dim or svec.shape[1] != dim:
        raise IndexCorruptError(f"The PostgreSQL index at {shown(url)} holds vectors of another dimension than its "
                                f"manifest's {dim}. Run `rag index build --store …` to rebuild it.")
    return Part(name, since == 0, chunks, cvec, svec, srows, articles, files,
                frozenset(removed["article"]), frozenset(removed["file"]), build_lexicon(chunks))


def _consistent(conn: Any) -> Any:
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    return conn


def open_index(url: str, embedder: str | None = None, checksums: bool = False,
               reuse: Snapshot | None = None) -> Snapshot:
    """The index as its last commit left it; with `reuse` (an open snapshot of this database), only the
    rows of later generations are read. `checksums`: also check that the counts agree with the rows."""
    with contextlib.closing(connect(url)) as conn:
        with conn.transaction():
            _consistent(conn)
            if not _has_index(conn):
                raise NoIndexError(f"No index in {shown(url)} — run `rag index build --store {shown(url)}`.")
            gen, manifest = conn.execute("SELECT generation, manifest FROM ql_meta WHERE id = 1").fetchone()
            if embedder is not None and embedder != manifest["embedder"]:
                old = manifest["embedder"]
                raise IndexMismatchError(
                    f"The index in {shown(url)} was built with embedder {old!r}, but {embedder!r} was asked for. "
                    f"Keep the old one (set RAG_EMBEDDER={old} or pass --embedder {old}), or rebuild with the new "
                    f"one: `rag index build --embedder {embedder} --store …`.")
            dim = int(manifest["dim"])
            base = None
            since = 0
            if (reuse is not None and not checksums and reuse.index_dir == url
                    and reuse.embedder == manifest["embedder"] and reuse.dim == dim
                    and manifest.get("index_id") == reuse.manifest.get("index_id")):
                have = _generation_number(reuse.generation)
                if have == gen:
                    return reuse
                if have < gen:
                    base, since = reuse, have
            part = _part_since(conn, url, since, manifest["generation"], dim)
            if checksums:
                _check_counts(conn, url, manifest)
    return PgSnapshot.assemble(url, manifest, base, [part])  # type: ignore[arg-type]


def _check_counts(conn: Any, url: str, manifest: dict[str, Any]) -> None:
    counts = manifest.get("counts", {})
    found = conn.execute("SELECT (SELECT count(*) FROM ql_articles), (SELECT count(*) FROM ql_chunks),"
                         " (SELECT count(*) FROM ql_sentences), (SELECT count(*) FROM ql_files),"
                         " (SELECT coalesce(sum(n_sentences), 0) FROM ql_chunks)").fetchone()
    want = (counts.get("articles"), counts.get("chunks"), counts.get("sentences"), counts.get("files"))
    if tuple(int(x) for x in found[:4]) != want or int(found[4]) != int(found[2]):
        raise IndexCorruptError(f"The PostgreSQL index at {shown(url)} holds {found[:4]} articles/chunks/sentences/"
                                f"files, its manifest says {want}. Run `rag index build --store …` to rebuild it.")


def check_index(url: str) -> Snapshot:
    """Open the whole index and check its counts against its rows (`rag index check`)."""
    return open_index(url, checksums=True)


def read_state(url: str) -> IndexState | None:
    """The records a writer needs (articles, files, chunk and sentence counts per article), no vectors."""
    with contextlib.closing(connect(url, vectors=False)) as conn:
        with conn.transaction():
            _consistent(conn)
            if not _has_index(conn):
                return None
            manifest = conn.execute("SELECT manifest FROM ql_meta WHERE id = 1").fetchone()[0]
            articles = {r[0]: _article(r[1]) for r in conn.execute("SELECT id, data FROM ql_articles")}
            files = {r[0]: _file(r[1]) for r in conn.execute("SELECT path, data FROM ql_files")}
            counts = {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(
                "SELECT article_id, count(*), sum(n_sentences) FROM ql_chunks GROUP BY article_id")}
    return IndexState(url, manifest, articles, files, {a: counts.get(a, (0, 0)) for a in articles})  # type: ignore[arg-type]


# --- writing --------------------------------------------------------------------------------------------


def commit(url: str, *, embedder: str, dim: int, chunking: dict[str, Any], articles: dict[str, Article],
           files: dict[str, FileRecord], chunks: list[Chunk], chunk_vectors: np.ndarray,
           sentence_vectors: np.ndarray, sentence_rows: np.ndarray, base: Snapshot | IndexState | None = None,
           compact: bool = False) -> Snapshot | None:
    """`rag.store.commit` for a database: one transaction writes the change (see the module doc). Without
    `base` the index is replaced whole (a build). Returns the new snapshot when `base` is one (or None was
    given), None for an `IndexState`."""
    from psycopg.types.json import Jsonb

    from .writing import _changed, check_change

    cvec, svec, srows = check_change(embedder, dim, articles, chunks, chunk_vectors, sentence_vectors,
                                     sentence_rows, base)
    psycopg, _ = _modules()
    conn = connect(url, vectors=False)
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (COMMIT_KEY,))
            if base is None and _has_index(conn) and _table_dim(conn) != dim:
                for table in TABLES:
                    conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
            _schema(conn, dim)
            row = conn.execute("SELECT generation, manifest FROM ql_meta WHERE id = 1 FOR UPDATE").fetchone()
            old_gen, old = (int(row[0]), dict(row[1])) if row else (0, None)
            if base is not None and (old is None or old["generation"] != base.generation):
                raise ValueError("the base snapshot is not the current index; open it under writer_lock")
            gen = old_gen + 1
            index_id = secrets.token_hex(4) if base is None else str(old["index_id"])  # type: ignore[index]
            name = _generation_name(gen, index_id)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            if base is None:
                conn.execute("TRUNCATE ql_sentences, ql_chunks, ql_articles, ql_files, ql_removed")
                conn.execute("DROP INDEX IF EXISTS ql_chunks_hnsw")  # built once after the rows, not row by row
                changed_articles, changed_files = dict(articles), dict(files)
                gone_articles: list[str] = []
                gone_files: list[str] = []
                counts = {"articles": 0, "chunks": 0, "sentences": 0, "files": 0}
            else:
                assert old is not None
                changed_articles = _changed(articles, base.articles)
                changed_files = _changed(files, base.files)
                gone_articles = sorted(base.articles.keys() - articles.keys())
                gone_files = sorted(base.files.keys() - files.keys())
                counts = dict(old["counts"])
            # chunks that go: those of removed articles, and earlier chunks of articles that bring new ones
            refreshed = sorted({c.article_id for c in chunks} | set(gone_articles))
            if refreshed:
                dropped = conn.execute("DELETE FROM ql_chunks WHERE article_id = ANY(%s) RETURNING n_sentences",
                                       (refreshed,)).fetchall()
                counts["chunks"] -= len(dropped)
                counts["sentences"] -= sum(int(n) for (n,) in dropped)
            if gone_articles:
                conn.execute("DELETE FROM ql_articles WHERE id = ANY(%s)", (gone_articles,))
            if gone_files:
                conn.execute("DELETE FROM ql_files WHERE path = ANY(%s)", (gone_files,))
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO ql_removed (gen, kind, key) VALUES (%s, %s, %s)",
                                [(gen, "article", a) for a in gone_articles] + [(gen, "file", f) for f in gone_files])
                cur.executemany(
                    "INSERT INTO ql_articles (id, gen, data) VALUES (%s, %s, %s) ON CONFLICT (id) DO UPDATE"
                    " SET gen = EXCLUDED.gen, data = EXCLUDED.data",
                    [(a.id, gen, Jsonb(shallow(a))) for a in changed_articles.values()])
                cur.executemany(
                    "INSERT INTO ql_files (path, gen, data) VALUES (%s, %s, %s) ON CONFLICT (path) DO UPDATE"
                    " SET gen = EXCLUDED.gen, data = EXCLUDED.data",
                    [(f.path, gen, Jsonb({**shallow(f), "article_ids": list(f.article_ids)}))
                     for f in changed_files.values()])
            _copy_chunks(conn, gen, chunks, cvec, svec, srows)
            if base is None:
                conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
                conn.execute(HNSW_INDEX)
            counts["articles"] = len(articles)
            counts["files"] = len(files)
            counts["chunks"] += len(chunks)
            counts["sentences"] += len(srows)
            manifest: dict[str, Any] = {
                "format_version": FORMAT_VERSION, "store": "postgresql", "embedder": embedder, "dim": dim,
                "chunking": chunking, "counts": {**counts, "stored_chunks": counts["chunks"], "generations": 1},
                "bm25": {**BM25_PARAMS, "tokens": "rag.lang.stem_tokens(text, chunk.language)"},
                "created": (old or {}).get("created", now) if base is not None else now, "updated": now,
                "generation": name, "chain": [name], "index_id": index_id}
            conn.execute("INSERT INTO ql_meta (id, generation, manifest) VALUES (1, %s, %s) ON CONFLICT (id) DO"
                         " UPDATE SET generation = EXCLUDED.generation, manifest = EXCLUDED.manifest",
                         (gen, Jsonb(manifest)))
    except psycopg.Error as e:
        raise IndexWriteError(f"Could not write the index at {shown(url)}: {str(e).strip().splitlines()[0]}. The "
                              "index is unchanged; fix the cause and run the update again.") from None
    finally:
        conn.close()
    log.info("committed %s to %s: %d articles, %d chunks", name, shown(url), counts["articles"], counts["chunks"])
    if isinstance(base, IndexState):
        return None
    part = Part(name, base is None, list(chunks), cvec, svec, srows, changed_articles, changed_files,
                frozenset(gone_articles), frozenset(gone_files), build_lexicon(chunks))
    return PgSnapshot.assemble(url, manifest, base, [part])  # type: ignore[arg-type]


def _copy_chunks(conn: Any, gen: int, chunks: Sequence[Chunk], cvec: np.ndarray, svec: np.ndarray,
                 srows: np.ndarray) -> None:
    """Chunks and sentence vectors by COPY (binary: vectors go as they are)."""
    from psycopg.types.json import Jsonb

    if not chunks:
        return
    with conn.cursor() as cur:
        with cur.copy("COPY ql_chunks (id, gen, article_id, position, n_sentences, data, embedding)"
                      " FROM STDIN WITH (FORMAT BINARY)") as cp:
            cp.set_types(["text", "int8", "text", "int4", "int4", "jsonb", "vector"])
            for c, v in zip(chunks, cvec, strict=True):
                cp.write_row((c.id, gen, c.article_id, c.position, len(c.sentences),
                              Jsonb(chunk_to_json(c)), v))
        with cur.copy("COPY ql_sentences (chunk_id, idx, embedding) FROM STDIN WITH (FORMAT BINARY)") as cp:
            cp.set_types(["text", "int4", "vector"])
            for (row, idx), v in zip(srows.tolist(), svec, strict=True):
                cp.write_row((chunks[row].id, idx, v))


def compact(url: str, reuse: Snapshot | None = None) -> Snapshot:
    """A database has no generations to merge: `rag index compact` vacuums and analyses its tables."""
    conn = connect(url, vectors=False)
    try:
        conn.autocommit = True
        if _has_index(conn):
            for table in TABLES:
                conn.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        conn.close()
    return open_index(url, reuse=reuse)


# --- dense search in the database ------------------------------------------------------------------------

_local = threading.local()


def _search_connection(url: str, vectors: bool = False) -> Any:
    """One connection per thread and database for a reader's queries (autocommit, kept; a closed or
    broken one is replaced). `vectors`: with pgvector's types registered (once the index exists)."""
    conns: dict[str, list[Any]] = getattr(_local, "conns", None) or {}
    _local.conns = conns
    kept = conns.get(url)
    if kept is not None and (kept[0].closed or kept[0].broken):
        kept[0].close()
        kept = None
    if kept is None:
        conn = connect(url, vectors=False)
        conn.autocommit = True
        kept = conns[url] = [conn, False]
    if vectors and not kept[1]:
        _, register_vector = _modules()
        register_vector(kept[0])
        kept[1] = True
    return kept[0]


def _kept(url: str, query: Any, vectors: bool = False) -> Any:
    """`query(conn)` on the kept connection; once more on a new one when the kept one has gone stale (a
    server restart): a server that is down gives the "Cannot reach" message."""
    psycopg, _ = _modules()
    try:
        return query(_search_connection(url, vectors))
    except psycopg.OperationalError:
        close_search_connections(url)
        try:
            return query(_search_connection(url, vectors))
        except psycopg.OperationalError as e:
            raise IndexWriteError(f"The PostgreSQL index at {shown(url)} stopped answering ({str(e).strip()[:200]}). "
                                  "Check the server and ask again.") from None


def close_search_connections(url: str | None = None) -> None:
    """Close this thread's kept connections (to `url`, or all: a database about to be dropped)."""
    conns: dict[str, list[Any]] = getattr(_local, "conns", None) or {}
    for key in [url] if url else list(conns):
        kept = conns.pop(key, None) if key else None
        if kept is not None:
            kept[0].close()
    _local.conns = conns


class PgSnapshot(Snapshot):
    """A snapshot of a PostgreSQL index: `dense_ann` searches the database's HNSW index (rows a later commit
    added are not this snapshot's and are left out); `dense` does so from `ANN_MIN_CHUNKS` chunks when set."""

    _row_of_id: dict[str, int] | None = None

    def dense(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        if allowed is not None or ANN_MIN_CHUNKS is None or len(self.chunks) < ANN_MIN_CHUNKS:
            return super().dense(qvec, k, allowed)
        return self.dense_ann(qvec, k)

    def dense_ann(self, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Top-k chunk rows by the database's HNSW index (approximate inner product), best first."""
        if self._row_of_id is None:
            self._row_of_id = {c.id: i for i, c in enumerate(self.chunks)}
        q = np.asarray(qvec, dtype=np.float32).reshape(-1)

        def query(conn: Any) -> Any:
            with conn.transaction():
                conn.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, 2 * k)}")
                return conn.execute("SELECT id, (embedding <#> %s) * -1 FROM ql_chunks ORDER BY embedding <#> %s"
                                    " LIMIT %s", (q, q, k)).fetchall()

        rows = _kept(str(self.index_dir), query, vectors=True)
        out = [(self._row_of_id[cid], float(score)) for cid, score in rows if cid in self._row_of_id]
        return out
