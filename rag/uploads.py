"""Files from elsewhere into the articles folder (`rag index add`, the page's uploads): safe names,
never outside the folder, never overwriting different content, and only files that read as articles."""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .config import ALLOWED_SUFFIXES, MAX_FILE_BYTES
from .errors import IngestError
from .ingest import load_file
from .types import SkippedFile, sha256_file

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_filename(name: str) -> str:
    """A file name that cannot leave the folder: no directories, no dot-files, no control chars."""
    base = name.replace("\\", "/").split("/")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable())
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    # file systems limit a name to 255 bytes, not characters: 200 bytes of stem leave room for "-NNN.jsonl"
    stem = _cut_utf8(stem[:100], 200).strip(" .") or "article"
    suffix = _cut_utf8(suffix, 16).strip(" .")
    return f"{stem}.{suffix.lower()}" if suffix else stem


def _cut_utf8(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def _place(tmp: Path, dest: Path) -> None:
    """Give `tmp`'s content the name `dest`, atomically, never replacing a file (FileExistsError)."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise
    except OSError as e:  # a file system without hard links: exclusive create, then copy
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        try:
            with open(dest, "xb") as out, open(tmp, "rb") as inp:
                shutil.copyfileobj(inp, out)
        except FileExistsError:
            raise
        except OSError:
            dest.unlink(missing_ok=True)  # never leave half a file in the articles folder
            raise


def copy_into(
    articles_dir: Path, sources: Iterable[Path], names: Iterable[str] | None = None
) -> tuple[list[Path], list[SkippedFile]]:
    """Copy files into the articles folder under safe names; never overwrite different content. A file
    that cannot be read as an article (empty, binary, wrong encoding, no text) is reported and not copied,
    so it is not reported again at every update."""
    articles_dir.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    skipped: list[SkippedFile] = []
    name_list = list(names) if names is not None else None
    for i, src in enumerate(sources):
        src = Path(src)
        shown = name_list[i] if name_list else src.name
        name = safe_filename(shown)
        if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
            skipped.append(SkippedFile(shown, f"type not supported; use one of {', '.join(ALLOWED_SUFFIXES)}"))
            continue
        try:
            size = src.stat().st_size
        except OSError as e:
            skipped.append(SkippedFile(shown, f"cannot be read ({e.strerror})"))
            continue
        if size > MAX_FILE_BYTES:
            skipped.append(SkippedFile(shown, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it first"))
            continue
        # a private (hidden) temp name and an exclusive link: two uploads with the same name at once keep
        # both; the copy is read as an article first, so that a file the index would skip never lands
        tmp = articles_dir / f".part-{secrets.token_hex(6)}-{name}"
        try:
            shutil.copyfile(src, tmp)
            try:
                load_file(tmp)
            except IngestError as e:
                skipped.append(SkippedFile(shown, str(e).replace(tmp.name, shown).replace(str(tmp), shown)))
                continue
            digest, stem, suffix, n = sha256_file(tmp), Path(name).stem, Path(name).suffix, 0
            while True:
                dest = articles_dir / (name if n == 0 else f"{stem}-{n}{suffix}")
                try:
                    _place(tmp, dest)
                    break
                except FileExistsError:
                    if sha256_file(dest) == digest:
                        break  # the same file is already there
                    n += 1
        except OSError as e:
            skipped.append(SkippedFile(shown, f"could not be saved in the articles folder ({e.strerror or e})"))
            continue
        finally:
            tmp.unlink(missing_ok=True)
        copied.append(dest)
    return copied, skipped
