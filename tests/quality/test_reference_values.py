"""Published reference values: Krippendorff (2011), Fleiss (1971), irrCAC's worked example."""

from __future__ import annotations

import numpy as np
import pytest

from accord.quality import ReliabilityMatrix
from accord.quality.agreement import (
    coincidence_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_2011_published(krippendorff2011, level):
    data = ReliabilityMatrix(krippendorff2011["data"]["matrix"])
    expected = krippendorff2011["expected"][level]
    assert abs(krippendorff_alpha(data, level) - expected) <= 5e-4


@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_2011_independent_recomputation(krippendorff2011, level):
    data = ReliabilityMatrix(krippendorff2011["data"]["matrix"])
    assert krippendorff_alpha(data, level) == pytest.approx(
        krippendorff2011["computed_here"][level], abs=1e-9
    )


def test_krippendorff_2011_nominal_nltk_value(krippendorff2011):
    data = ReliabilityMatrix(krippendorff2011["data"]["matrix"])
    value = krippendorff2011["other_published_checks"]["nominal_nltk"]["value"]
    assert krippendorff_alpha(data) == pytest.approx(value, abs=1e-12)


def test_krippendorff_2011_as_long_form_and_text_labels(krippendorff2011):
    matrix = krippendorff2011["data"]["matrix"]
    observers = krippendorff2011["data"]["observers"]
    rows = [
        {"item": unit, "annotator": observers[a], "label": f"v{value}"}
        for a, row in enumerate(matrix)
        for unit, value in enumerate(row)
        if value is not None
    ]
    assert krippendorff_alpha(rows) == pytest.approx(0.7434210526, abs=1e-9)
    ordinal = krippendorff_alpha(rows, "ordinal", labels=[f"v{i}" for i in range(1, 6)])
    assert ordinal == pytest.approx(krippendorff2011["computed_here"]["ordinal"], abs=1e-9)


def test_coincidence_matrix_totals_pairable_values(krippendorff2011):
    o, labels = coincidence_matrix(ReliabilityMatrix(krippendorff2011["data"]["matrix"]))
    assert labels.tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(o, o.T)
    # 41 values in total; unit 12 holds one value and is not pairable
    assert o.sum() == pytest.approx(40.0)


def test_fleiss_1971_from_ratings(fleiss1971):
    ratings = np.array(fleiss1971["data"]["ratings"])  # subjects x raters
    value = fleiss_kappa(ReliabilityMatrix(ratings.T))  # accord takes annotators x items
    assert value == pytest.approx(fleiss1971["expected"]["fleiss_kappa"], abs=1e-6)


def test_fleiss_1971_from_counts_table(fleiss1971):
    table = fleiss1971["data"]["counts_table"]["rows"]
    assert fleiss_kappa(table, counts=True) == pytest.approx(
        fleiss1971["expected"]["fleiss_kappa"], abs=1e-6
    )
    sums = np.asarray(table).sum(axis=0).tolist()
    assert sums == fleiss1971["other_published_checks"]["column_sums_of_counts_table"]


# Gwet's irrCAC package documents its functions on the Krippendorff (2011)
# data ("cac.raw4raters"): percent agreement 0.8181818, AC1 0.77544 (pe
# 0.1903212), Fleiss' kappa with missing ratings 0.76117 (pe 0.2387153).
def test_irrcac_worked_example(krippendorff2011):
    data = ReliabilityMatrix(krippendorff2011["data"]["matrix"])
    assert percent_agreement(data) == pytest.approx(0.8181818, abs=5e-8)
    assert gwet_ac1(data) == pytest.approx(0.77544, abs=5e-6)
    assert fleiss_kappa(data) == pytest.approx(0.76117, abs=5e-6)
