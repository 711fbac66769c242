#!/usr/bin/env python3
"""Splits the ParaPhraser.ru pairs into a tuning half and a check half.

    python3 scripts/split_paraphraser.py ../shared/data/paraphraser-ru/paraphrases_train.tsv

writes fixtures/paraphraser-ru/tune.tsv and check.tsv (same columns as the
source). A headline can be in several pairs; pairs that share a headline
(transitively) stay in one half, so that no text of the check half was seen
while tuning. A component goes to a half by a SHA-256 of its smallest
headline id and the seed, so the split is the same on every machine.
"""

import csv
import hashlib
import sys
from pathlib import Path

SEED = "sborka-2018"


def main() -> None:
    source = Path(sys.argv[1])
    out = Path(__file__).resolve().parent.parent / "fixtures" / "paraphraser-ru"
    with source.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t")
        fields = reader.fieldnames
        rows = list(reader)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in rows:
        a, b = find(r["id_1"]), find(r["id_2"])
        if a != b:
            parent[max(a, b, key=int)] = min(a, b, key=int)
    halves = {"tune": [], "check": []}
    for r in rows:
        root = find(r["id_1"])
        digest = hashlib.sha256(f"{SEED}:{root}".encode()).digest()
        halves["tune" if digest[0] % 2 == 0 else "check"].append(r)
    for name, part in halves.items():
        with (out / f"{name}.tsv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=fields, delimiter="\t", lineterminator="\n")
            writer.writeheader()
            writer.writerows(part)
        counts = {c: sum(1 for r in part if r["class"] == c) for c in ("1", "0", "-1")}
        print(name, len(part), counts)


if __name__ == "__main__":
    main()
