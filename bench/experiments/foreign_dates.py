"""The stored answer runs' rows abstained or flagged because the model's short answer "is not in" the sentence, and
which of them gave a date in other words than the sentence's (`rag.forms.snap_date`): the command behind stop 47's
check that reading "October 1954" as the sentence's "Oktober 1954" changes one row (p7-19).

    .venv/bin/python bench/experiments/foreign_dates.py RUN [RUN ...]     # names in bench/out, e.g. s47_main_final

Prints each such row (run, id, kind, correct, the model's answer) and whether that answer names a date `snap_date` can
match to a sentence (a day or a month, "October 1954"; a bare year is matched as written already); the count of those
at the end. Reads only stored runs; asks no model.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent.parent
_NOT_IN = re.compile(r"answer “(.+?)” is not in")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+")
    args = p.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from rag.dates import date_keys

    found = 0
    for name in args.runs:
        data = json.loads((HERE / "bench" / "out" / f"{name}.json").read_text(encoding="utf-8"))
        for row in data["results"]["llama-cpp"]["rows"]:
            m = _NOT_IN.search(row.get("reason") or "")
            if m is None:
                continue
            dated = bool(date_keys(m.group(1)))  # a date in words snap_date can match ("October 1954")
            found += dated
            print(f"{name} {row['id']} {row['kind']} correct={row['correct']} dated={dated} | {m.group(1)[:60]}")
    print(f"answers giving a date in other words: {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
