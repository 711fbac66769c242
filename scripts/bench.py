#!/usr/bin/env python3
"""End-to-end benchmark of `sborka build`, and a side-by-side run of the Python peer.

    python3 scripts/bench.py                       # 10k, 50k, 100k, 200k, 1M rows + the peer at 50k
    python3 scripts/bench.py --sizes 10000,50000   # only these sizes
    python3 scripts/bench.py --no-peer             # sborka only
    python3 scripts/bench.py --sizes '' --repeat 5 # only the side-by-side, 5 runs each

Builds the release binary and the corpus generator (examples/gen_corpus.rs),
writes seeded corpora into target/bench/ (kept between runs), runs
`sborka build` on each with wall time and peak RSS measured by /usr/bin/time,
and checks each result (every row accepted, proposals.jsonl complete, ideas
fewer than rows) so that a fast wrong answer cannot pass. Stage timings come
from report.json.

The peer is ../shared/peers/peer_py.py (or --peer PATH): the same 50,000-row
file is given to both in one invocation, each run --repeat times (3),
alternating, and the ratio of the median runs printed. Its Python
packages (datasketch, PyStemmer, tantivy) are installed with pip when missing.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "target", "bench")
TARGETS = {
    "1m_seconds": 20.0,
    "1m_rss_mb": 1500.0,
    "peer_ratio": 30.0,
    "growth_200k_over_50k": 4.4,
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd):
    """Runs cmd; returns (seconds, peak RSS in MB). Peak RSS from /usr/bin/time."""
    fmt = "%e %M"
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", fmt] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    last = p.stderr.strip().splitlines()[-1].split()
    return elapsed, int(last[1]) / 1024


def median(runs):
    """The run (seconds, MB) of median time."""
    return sorted(runs)[len(runs) // 2]


def corpus(rows, gen):
    path = os.path.join(BENCH, f"corpus-{rows}.csv")
    if not os.path.exists(path):
        run([gen, str(rows), path])
    return path


def check_sborka(out, rows):
    report = json.load(open(os.path.join(out, "report.json"), encoding="utf-8"))
    t = report["totals"]
    assert t["accepted"] == rows, f"accepted {t['accepted']} of {rows}"
    assert 0 < t["ideas"] < rows, f"ideas {t['ideas']} of {rows}: duplicates were not merged"
    with open(os.path.join(out, "proposals.jsonl"), "rb") as f:
        lines = sum(1 for _ in f)
    assert lines == rows, f"proposals.jsonl has {lines} lines, want {rows}"
    return report


def ensure_peer_packages():
    missing = []
    for module, package in [("datasketch", "datasketch"), ("Stemmer", "pystemmer"), ("tantivy", "tantivy")]:
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        print(f"bench: installing the peer's packages: {' '.join(missing)}", file=sys.stderr)
        run([sys.executable, "-m", "pip", "install", "--quiet"] + missing)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000,100000,200000,1000000")
    ap.add_argument("--peer", default=os.path.join(ROOT, "..", "shared", "peers", "peer_py.py"))
    ap.add_argument("--peer-rows", type=int, default=50000)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each side in the side-by-side (the median counts)")
    ap.add_argument("--threads", type=int, default=0, help="sborka --threads (0: all cores)")
    args = ap.parse_args()

    os.makedirs(BENCH, exist_ok=True)
    run(["cargo", "build", "--release", "--quiet", "--bin", "sborka", "--example", "gen_corpus"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    sborka = os.path.join(target, "release", "sborka")
    gen = os.path.join(target, "release", "examples", "gen_corpus")

    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = {}
    print(f"{'rows':>9} {'seconds':>8} {'peak MB':>8} {'rows/s':>9}  stages (ms)")
    for rows in sizes:
        path = corpus(rows, gen)
        out = os.path.join(BENCH, f"out-{rows}")
        cmd = [sborka, "build", path, "--out", out, "--quiet"]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        seconds, rss = timed(cmd)
        report = check_sborka(out, rows)
        results[rows] = (seconds, rss)
        stages = " ".join(f"{k}={v:.0f}" for k, v in report["timings_ms"].items())
        print(f"{rows:>9} {seconds:>8.2f} {rss:>8.0f} {rows / seconds:>9.0f}  {stages}", flush=True)

    if 1_000_000 in results:
        s, m = results[1_000_000]
        print(f"1M rows: {s:.1f} s (target ≤ {TARGETS['1m_seconds']:.0f} s), "
              f"peak {m:.0f} MB (target ≤ {TARGETS['1m_rss_mb']:.0f} MB)")
    if 50_000 in results and 200_000 in results:
        g = results[200_000][0] / results[50_000][0]
        print(f"growth 200k / 50k: {g:.2f}x (target ≤ {TARGETS['growth_200k_over_50k']}x)")

    if args.no_peer:
        return
    if not os.path.exists(args.peer):
        sys.exit(f"bench: the peer {args.peer} is not here; pass --peer PATH or --no-peer")
    ensure_peer_packages()
    rows = args.peer_rows
    path = corpus(rows, gen)
    out = os.path.join(BENCH, f"side-sborka-{rows}")
    peer_out = os.path.join(BENCH, f"side-peer-{rows}")
    # Each side runs --repeat times, alternating, and its median run counts:
    # one run of either carries the drift of this machine's timings.
    sborka_runs, peer_runs = [], []
    for _ in range(args.repeat):
        sborka_runs.append(timed([sborka, "build", path, "--out", out, "--quiet"]))
        check_sborka(out, rows)
        peer_runs.append(timed([sys.executable, args.peer, path, peer_out]))
        with open(os.path.join(peer_out, "assign.tsv"), encoding="utf-8") as f:
            assigned = sum(1 for _ in f)
        assert assigned == rows, f"the peer assigned {assigned} of {rows} rows"
    s_sec, s_rss = median(sborka_runs)
    p_sec, p_rss = median(peer_runs)
    runs = " ".join(f"{s:.2f}" for s, _ in sborka_runs)
    peer = " ".join(f"{s:.2f}" for s, _ in peer_runs)
    print(f"side by side, {rows} rows, median of {args.repeat} runs each "
          f"(sborka {runs} s; peer {peer} s): sborka {s_sec:.2f} s / {s_rss:.0f} MB, "
          f"peer {p_sec:.2f} s / {p_rss:.0f} MB: sborka is {p_sec / s_sec:.1f}x faster "
          f"(target ≥ {TARGETS['peer_ratio']:.0f}x)")


if __name__ == "__main__":
    main()
