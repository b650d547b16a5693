"""Publication dates on the dated fixture (tests/data/dated/): how many articles get the right day and the
right provenance, by file format and by where the date comes from.

    .venv/bin/python bench/dates.py

Every article of tests/data/dated/articles is read as ingest reads it (a copy, with the file time of the
undated files set to their gold day, as a file saved that day has); gold: tests/data/dated/gold.json.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from common import copy_dated, print_machine, table, write_result


def read_all(folder: Path) -> tuple[list[dict[str, str]], dict[str, object]]:
    """(gold rows with what was read beside them, the gold file)."""
    from rag.ingest import load_file

    gold = copy_dated(folder)
    read = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for art in load_file(path, root=folder):
            read[(art.path, art.title)] = art
    rows = []
    for g in gold["articles"]:
        art = read.get((g["path"], g["title"]))
        rows.append({**g, "read_date": art.date if art else "", "read_source": art.date_source if art else "",
                     "found": "yes" if art else "no"})
    return rows, gold


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        rows, _ = read_all(Path(tmp) / "articles")
    right = [r for r in rows if r["read_date"] == r["date"]]
    both = [r for r in right if r["read_source"] == r["date_source"]]
    out = []
    for group, key in (("format", lambda r: Path(r["path"]).suffix.lstrip(".")), ("provenance",
                                                                                 lambda r: r["date_source"])):
        count, ok, ok_both = Counter(), Counter(), Counter()
        for r in rows:
            count[key(r)] += 1
            ok[key(r)] += r["read_date"] == r["date"]
            ok_both[key(r)] += r["read_date"] == r["date"] and r["read_source"] == r["date_source"]
        out += [[f"{group}: {k}", count[k], ok[k], ok_both[k]] for k in sorted(count)]
    out.append(["all", len(rows), len(right), len(both)])
    print(f"\n**Publication dates** ({len(rows)} articles of tests/data/dated)\n")
    print(table(["group", "articles", "right day", "right day and provenance"], out))
    wrong = [r for r in rows if r["read_date"] != r["date"] or r["read_source"] != r["date_source"]]
    for r in wrong:
        print(f"- {r['path']} “{r['title'][:50]}”: gold {r['date']} ({r['date_source']}), read "
              f"{r['read_date'] or '–'} ({r['read_source'] or '–'})")
    print(f"\nright day: {len(right)}/{len(rows)} = {len(right) / len(rows):.1%}; with the right provenance: "
          f"{len(both)}/{len(rows)}")
    print_machine()
    write_result("dates", {"rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
