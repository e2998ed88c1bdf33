"""How alike the records of an active-learning batch are: near-duplicates within a batch
on SST-2's train split, against batches of random pool rows.

    python bench/al_batch_redundancy.py [--strategy margin] [--seeds 3] [--first-seed 0]
                                        [--labels 500] [--set sst2-train]

Runs ``bench/al_bench.py``'s simulation (the same ranking, batches and seeds) up to
``--labels`` answers and, for every batch ranked by uncertainty (not the random or
TypiClust start of the two-phase and plain uncertainty strategies; ``auto``'s batches
all count), counts the batch's rows that

- have a cosine similarity above 0.9 (and 0.8) to another row of the batch;
- share a sentence with another row: one text inside the other, or a common run of 5
  words (SST-2's train rows are overlapping phrases of the treebank's sentences);

and the batch's largest pairwise cosine. The same numbers for as many batches of 10 rows
drawn at random from the pool (seeded per seed) are the baseline. One line of JSON per
seed: the means per batch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from al_bench import SETS, cache_name, embeddings, load, phase  # noqa: E402

from accord.assist.selection import rank_unlabelled  # noqa: E402

WORDS = 5  #: a common run of this many words counts as the same sentence


def batch_stats(rows: list[int], unit: np.ndarray, texts: list[str]) -> dict[str, float]:
    """Near-duplicate counts of one batch (``rows`` into ``unit``, the L2-normalized
    embeddings) and its largest pairwise cosine."""
    sim = unit[rows] @ unit[rows].T
    np.fill_diagonal(sim, -1.0)
    runs = [{tuple(w[k:k + WORDS]) for k in range(len(w) - WORDS + 1)}
            for w in (texts[i].split() for i in rows)]
    share = [any(a != b and (texts[rows[a]].strip() in texts[rows[b]] or
                             texts[rows[b]].strip() in texts[rows[a]] or runs[a] & runs[b])
                 for b in range(len(rows))) for a in range(len(rows))]
    return {"cos09": float((sim > 0.9).any(axis=1).sum()),
            "cos08": float((sim > 0.8).any(axis=1).sum()),
            "sentence": float(sum(share)), "max_cos": float(sim.max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="sst2-train", choices=sorted(SETS))
    parser.add_argument("--strategy", default="margin")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--labels", type=int, default=500)
    args = parser.parse_args()
    spec = SETS[args.set]
    texts, y = load(spec.pool)
    x = embeddings(cache_name(spec.pool), texts).astype(np.float64)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    n_classes = len(set(y.tolist()))
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        answers: dict[int, str] = {}
        picked = []
        while len(answers) < args.labels:
            now = phase(args.strategy, answers)
            ranking = rank_unlabelled(x, answers, strategy=now, batch=spec.batch,
                                      n_classes=n_classes, seed=seed + len(answers))
            rows = ranking.order[:spec.batch].tolist()
            if now not in ("random", "typiclust"):
                picked.append(batch_stats(rows, unit, texts))
            for i in rows:
                answers[int(i)] = str(y[i])
        rng = np.random.default_rng(seed)
        rand = [batch_stats(rng.choice(len(y), spec.batch, replace=False).tolist(), unit, texts)
                for _ in picked]
        out: dict[str, object] = {"seed": seed, "strategy": args.strategy,
                                  "batches": len(picked),
                                  "batches_sharing_a_sentence":
                                      sum(b["sentence"] > 0 for b in picked)}
        for key in ("cos09", "cos08", "sentence", "max_cos"):
            out[key] = round(float(np.mean([b[key] for b in picked])), 3)
            out[f"random_{key}"] = round(float(np.mean([b[key] for b in rand])), 3)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
