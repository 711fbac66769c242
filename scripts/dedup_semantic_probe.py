#!/usr/bin/env python3
"""Would Russian word vectors help sborka merge paraphrases? A measurement on the gold set.

    python3 scripts/dedup_semantic_probe.py            # from the repository root

What it does:

1. Gets navec word vectors (250K words, 300 dimensions, product-quantized) from
   the PyPI wheel `natasha`, which ships them as
   natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar, and the `navec`
   package that reads them (pip; kept under target/semantic-probe/).
2. Runs `cargo run --release -p sborka-dedup --example gold_terms` (the terms,
   target groups and antonym polarities clustering compares, per gold row) and
   `--example gold -- --labels` (sborka's clusters).
3. Prints two tables:
   * **pairs**: over the pairs no guard refuses, how many same-idea pairs of
     the synonym rows and of the paraphrase rows score above the K-th best
     pair of different ideas (K = 0, 5, 20), for the lexical IDF cosine and
     for vector signals: the IDF-weighted mean of word vectors, the same with
     the collection's mean and first two principal components removed, and a
     soft word alignment (each word matched to the most similar word of the
     other text, exact stems 1, vector cosine counted from 0.5). Row types
     come from the gold README's id ranges; they are used here only to report.
   * **attach**: sborka's clusters, then every text still alone joins the
     cluster of the lexical candidates (the same probe of rare terms as
     sborka) with the highest mean vector similarity, when it reaches a
     threshold, beats the next by a margin and no guard refuses a member (the
     nearest refused cluster keeps the text alone): precision, recall, F1,
     paraphrase recall, twin row pairs merged, on the whole set and on each
     half of the ideas (split as `--halves` of the gold example does).

Nothing here is used by sborka itself; the figures are quoted in
fixtures/gold/README.md. The thresholds in the attach table are a grid, read
on the whole set: treat the best row as optimistic.
"""
import collections
import csv
import glob
import math
import os
import re
import subprocess
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "semantic-probe")
GOLD = os.path.join(ROOT, "fixtures", "gold")


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", "--quiet", *args], check=True)


def navec_model():
    try:
        import navec  # noqa: F401
    except ImportError:
        pip("install", "navec")
    from navec import Navec

    os.makedirs(WORK, exist_ok=True)
    tar = os.path.join(WORK, "navec_news_v1_1B_250K_300d_100q.tar")
    if not os.path.exists(tar):
        wheels = glob.glob(os.path.join(WORK, "natasha-*.whl"))
        if not wheels:
            pip("download", "natasha", "--no-deps", "-d", WORK)
            wheels = glob.glob(os.path.join(WORK, "natasha-*.whl"))
        with zipfile.ZipFile(wheels[0]) as z:
            with z.open("natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar") as src, open(tar, "wb") as dst:
                dst.write(src.read())
    assert tarfile.is_tarfile(tar), tar
    return Navec.load(tar)


def cargo(*args):
    env = dict(os.environ)
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "sborka-dedup", "--example", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )
    return out.stdout


def fnv(s):
    h = 0xCBF29CE484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    import numpy as np

    nv = navec_model()
    rows = list(csv.DictReader(open(os.path.join(GOLD, "gold.csv"), encoding="utf-8")))
    ids = [r["id"] for r in rows]
    ideas = [r["idea"] for r in rows]
    texts = [r["text"] for r in rows]
    at = {x: i for i, x in enumerate(ids)}
    para = [(at[r["id_a"]], at[r["id_b"]]) for r in csv.DictReader(open(os.path.join(GOLD, "paraphrases.csv")))]
    twins = [(r["idea_a"], r["idea_b"]) for r in csv.DictReader(open(os.path.join(GOLD, "twins.csv")))]
    n = len(rows)

    dump = [line.split("\t") for line in cargo("gold_terms").splitlines()]
    assert [d[0] for d in dump] == ids
    terms = [d[1].split("|") if d[1] else [] for d in dump]
    groups = [frozenset(d[2].split("|")) if d[2] else frozenset() for d in dump]
    polarity = [tuple(int(x) for x in d[3].split(",")) for d in dump]
    labels = {}
    for line in cargo("gold", "--", "--labels").splitlines():
        if line.startswith("label\t"):
            _, gid, c = line.split("\t")
            labels[gid] = int(c)
    sborka = [labels[x] for x in ids]

    # The lexical side, as sborka computes it: features (words cut to 5
    # characters, family terms whole), IDF over rows, guards.
    group_terms = set().union(*groups)
    feature = lambda t: t if (" " in t or t in group_terms) else t[:5]
    feats = [sorted({feature(t) for t in ts}) for ts in terms]
    numbers = [frozenset(t for t in ts if t.isdigit()) for ts in terms]
    negated = [frozenset(feature(ts[i]) for i in range(1, len(ts)) if ts[i - 1] in ("не", "без")) for ts in terms]
    df = collections.Counter(f for fs in feats for f in fs)
    idf = {f: math.log((n + 1) / d) for f, d in df.items()}

    def guard(i, j):
        if numbers[i] and numbers[j] and numbers[i] != numbers[j]:
            return "numbers"
        if groups[i] and groups[j] and groups[i] != groups[j]:
            return "groups"
        if any(a * b == -1 for a, b in zip(polarity[i], polarity[j])):
            return "antonyms"
        fi, fj = set(feats[i]), set(feats[j])
        if any(t in fj and t not in negated[j] for t in negated[i]) or any(t in fi and t not in negated[i] for t in negated[j]):
            return "negation"
        return None

    def lexical(i, j):
        a, b = set(feats[i]), set(feats[j])
        dot = sum(idf[f] ** 2 for f in a & b)
        na = math.sqrt(sum(idf[f] ** 2 for f in a))
        nb = math.sqrt(sum(idf[f] ** 2 for f in b))
        return dot / (na * nb) if na and nb else 0.0

    # Vector signals, on the words of each text.
    stop = set("и в во на по для с со к ко о об от до из за у при без не а но или как что чтобы это их его ее же ли бы также том числе то т ч который которые которых".split())
    openings = set("предлагаем предлагается предлагаю необходимо считаем целесообразным необходимым целесообразно рекомендуем нужно следует важно просим требуется".split())
    words = [[w for w in re.findall(r"[а-яa-z0-9]+", t.lower().replace("ё", "е")) if w not in stop and w not in openings and not w.isdigit()] for t in texts]
    wdf = collections.Counter(w for ws in words for w in set(ws))
    widf = {w: math.log((n + 1) / d) for w, d in wdf.items()}
    unit = {}
    for ws in words:
        for w in ws:
            if w in nv and w not in unit:
                v = np.asarray(nv[w], dtype=np.float64)
                unit[w] = v / np.linalg.norm(v)

    def mean_vectors():
        out = np.zeros((n, 300))
        for i, ws in enumerate(words):
            for w in ws:
                if w in unit:
                    out[i] += widf[w] * unit[w]
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out

    E = mean_vectors()
    C = E - E.mean(0)
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    _, _, vt = np.linalg.svd(C, full_matrices=False)
    D = C - (C @ vt[:2].T) @ vt[:2]
    D /= np.linalg.norm(D, axis=1, keepdims=True)

    try:
        import Stemmer
    except ImportError:
        pip("install", "pystemmer")
        import Stemmer
    stemmer = Stemmer.Stemmer("russian")
    stems = [[stemmer.stemWord(w)[:5] for w in ws] for ws in words]
    sdf = collections.Counter(s for ss in stems for s in set(ss))
    sidf = {s: math.log((n + 1) / d) for s, d in sdf.items()}

    def soft(i, j, tau=0.5):
        def one(a, b):
            num = den = 0.0
            for w, s in zip(words[a], stems[a]):
                den += sidf[s]
                best = 0.0
                for w2, s2 in zip(words[b], stems[b]):
                    if s == s2:
                        best = 1.0
                        break
                    if w in unit and w2 in unit:
                        c = float(unit[w] @ unit[w2])
                        if c >= tau and c > best:
                            best = c
                num += sidf[s] * best
            return num / den if den else 0.0

        x, y = one(i, j), one(j, i)
        return 2 * x * y / (x + y) if x + y else 0.0

    L = np.array([[lexical(i, j) for j in range(n)] for i in range(n)])
    S = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            S[i, j] = S[j, i] = soft(i, j)
    signals = {
        "lexical IDF cosine (sborka)": L,
        "mean vector, IDF-weighted": E @ E.T,
        "mean vector, 2 PCs removed": D @ D.T,
        "soft word alignment": S,
        "lexical + mean vector (PCs removed)": (L + D @ D.T) / 2,
    }

    def kind(i):
        k = int(ids[i][1:])
        return "base" if k <= 67 else "surface" if k <= 134 else "synonym" if k <= 201 else "paraphrase" if k <= 268 else "noisy" if k <= 335 else "paraphrase"

    positives = {"synonym": [], "paraphrase": []}
    negatives = []
    for i in range(n):
        for j in range(i + 1, n):
            if guard(i, j):
                continue
            if ideas[i] != ideas[j]:
                negatives.append((i, j))
            elif "paraphrase" in (kind(i), kind(j)):
                positives["paraphrase"].append((i, j))
            elif "synonym" in (kind(i), kind(j)):
                positives["synonym"].append((i, j))
    print(f"pairs no guard refuses: {len(positives['synonym'])} synonym-row, {len(positives['paraphrase'])} paraphrase-row same-idea pairs, {len(negatives)} different-idea pairs")
    print("share of same-idea pairs scoring above the K-th best different-idea pair")
    for name, M in signals.items():
        worst = np.sort([M[i, j] for i, j in negatives])[::-1]
        cells = []
        for K in (0, 5, 20):
            t = worst[K]
            cells.append(f"K={K}: synonym {np.mean([M[i, j] > t for i, j in positives['synonym']]):.2f} paraphrase {np.mean([M[i, j] > t for i, j in positives['paraphrase']]):.2f}")
        print(f"  {name:38s} " + " | ".join(cells))

    # Halves as the gold example's --halves: by the FNV-1a hash of the twin
    # pair's first idea (of the idea itself when it has no twin).
    partner = {}
    for a, b in twins:
        partner[a] = partner[b] = min(a, b)
    half = lambda g: fnv(partner.get(g, g)) % 2

    def metrics(pred, h=None):
        inside = [i for i in range(n) if h is None or half(ideas[i]) == h]
        keep = set(inside)
        merged = right = same = found = 0
        for i in range(n):
            for j in range(i + 1, n):
                if pred[i] == pred[j] and (i in keep or j in keep):
                    merged += 1
                    right += ideas[i] == ideas[j]
                if i in keep and j in keep and ideas[i] == ideas[j]:
                    same += 1
                    found += pred[i] == pred[j]
        p = right / merged if merged else 1.0
        r = found / same
        f = 2 * p * r / (p + r) if p + r else 0.0
        rows_of = collections.defaultdict(list)
        for i in inside:
            rows_of[ideas[i]].append(i)
        tp = tm = 0
        for a, b in twins:
            for i in rows_of.get(a, []):
                for j in rows_of.get(b, []):
                    tp += 1
                    tm += pred[i] == pred[j]
        ps = [(a, b) for a, b in para if a in keep]
        pr = sum(pred[a] == pred[b] for a, b in ps) / max(1, len(ps))
        return f"P {p:.3f} R {r:.3f} F1 {f:.3f} para {pr:.2f} twins {100 * tm / max(1, tp):.1f}%"

    def candidates(i, probe=5, budget=96):
        rare = sorted((df[f], f) for f in set(feats[i]) if 2 <= df[f] <= 256)
        read, out = 0, set()
        for d, f in rare[:probe]:
            if read > 0 and read + d > budget:
                break
            read += d
            out |= {j for j in range(n) if j != i and f in feats[j]}
        return out

    def attach(pred, M, threshold, margin):
        clusters = collections.defaultdict(list)
        for i, c in enumerate(pred):
            clusters[c].append(i)
        new = list(pred)
        for c, members in clusters.items():
            if len(members) > 1:
                continue
            i = members[0]
            near = {pred[j] for j in candidates(i)}
            scores = []
            for c2 in near:
                m2 = clusters[c2]
                if len(m2) < 2:
                    continue
                refused = any(guard(i, j) for j in m2)
                scores.append((float(np.mean([M[i, j] for j in m2])), refused, c2))
            scores.sort(key=lambda s: -s[0])
            if scores and not scores[0][1] and scores[0][0] >= threshold and scores[0][0] - (scores[1][0] if len(scores) > 1 else 0.0) >= margin:
                new[i] = scores[0][2]
        return new

    print("\nattach: sborka's clusters, then lone texts join by mean vector similarity (lexical candidates)")
    print(f"  {'sborka alone':48s} all {metrics(sborka)} | half 0 {metrics(sborka, 0)} | half 1 {metrics(sborka, 1)}")
    for name in ("mean vector, IDF-weighted", "mean vector, 2 PCs removed", "soft word alignment"):
        for threshold, margin in ((0.2, 0.03), (0.2, 0.06), (0.3, 0.03)):
            pred = attach(sborka, signals[name], threshold, margin)
            label = f"{name} >= {threshold} by {margin}"
            print(f"  {label:48s} all {metrics(pred)} | half 0 {metrics(pred, 0)} | half 1 {metrics(pred, 1)}")


if __name__ == "__main__":
    main()
