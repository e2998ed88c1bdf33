"""LSH banding: parameter choice and candidate pairs."""

from __future__ import annotations

import numpy as np
import pytest

from accord.prep.lsh import (
    band_hashes,
    candidate_pairs,
    candidate_probability,
    cross_candidate_pairs,
    optimal_bands,
    pair_similarities,
)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("num_perm", [64, 128, 256])
def test_optimal_bands_put_the_s_curve_near_the_threshold(threshold: float, num_perm: int) -> None:
    bands, rows = optimal_bands(threshold, num_perm)
    assert bands * rows <= num_perm
    assert candidate_probability(min(1.0, threshold + 0.2), bands, rows) > 0.9
    assert candidate_probability(max(0.0, threshold - 0.25), bands, rows) < 0.25


def test_optimal_bands_rejects_bad_threshold() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        optimal_bands(1.0, 128)


def test_identical_signatures_are_paired_in_every_run() -> None:
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, size=(6, 16), dtype=np.uint64).astype(np.uint32)
    sig[3] = sig[0]
    sig[5] = sig[0]
    pairs = candidate_pairs(band_hashes(sig, 4, 4))
    assert {(0, 3), (0, 5), (3, 5)} <= set(map(tuple, pairs.tolist()))
    assert pair_similarities(sig, sig, np.array([[0, 3], [0, 1]])).tolist()[0] == 1.0
    eligible = np.ones(6, dtype=bool)
    eligible[3] = False
    assert (0, 3) not in set(map(tuple, candidate_pairs(band_hashes(sig, 4, 4), eligible).tolist()))


def test_cross_pairs_link_a_to_b_only() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2**32, size=(4, 8), dtype=np.uint64).astype(np.uint32)
    b = rng.integers(0, 2**32, size=(3, 8), dtype=np.uint64).astype(np.uint32)
    b[2] = a[1]
    pairs = cross_candidate_pairs(band_hashes(a, 4, 2), band_hashes(b, 4, 2))
    assert pairs.tolist() == [[1, 2]]
