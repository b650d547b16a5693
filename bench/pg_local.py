"""A local PostgreSQL 16 + pgvector server for tests and benchmarks (the `pgserver` wheel, extra `pg`).

    srv = server()                  # started once per process, stopped at exit
    url = new_database(srv)         # an empty database: postgresql://…/<name>?host=<socket folder>
    url2 = new_database(srv, template=url)   # a copy of one (no open connections to it allowed)

It listens on a Unix socket in its data folder only (no TCP port), so tests touch no network.
"""

from __future__ import annotations

import secrets
import tempfile
import warnings
from typing import Any

_SERVERS: list[Any] = []


def server() -> Any:
    """The process's server (a data folder under the system's temporary folder, deleted at exit)."""
    if not _SERVERS:
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

        # its own folder directly under /tmp: run as root, pgserver runs PostgreSQL as a user of its own,
        # which must reach the folder
        folder = tempfile.mkdtemp(prefix="ql-pg-")
        _SERVERS.append(pgserver.get_server(folder, cleanup_mode="delete"))
    return _SERVERS[0]


def new_database(srv: Any = None, name: str | None = None, template: str | None = None) -> str:
    """Create a database (a copy of `template`'s, given as its URL) and return its URL."""
    srv = srv or server()
    copy = f" TEMPLATE {template.split('?')[0].rsplit('/', 1)[1]}" if template else ""
    if name:
        srv.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")
    name = name or f"ql_{secrets.token_hex(4)}"
    srv.psql(f"CREATE DATABASE {name}{copy};")
    return str(srv.get_uri(name))


def drop_database(url: str, srv: Any = None) -> None:
    (srv or server()).psql(f"DROP DATABASE IF EXISTS {url.split('?')[0].rsplit('/', 1)[1]} WITH (FORCE);")
