"""Fixtures for the quality tests: the published reference values and crowd sets in tests/data
(``shared_data`` is the fixture of tests/conftest.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

CROWD = ("bluebird", "rte", "dog")


@pytest.fixture(scope="session")
def krippendorff2011(shared_data: Path) -> dict:
    return json.loads((shared_data / "agreement" / "krippendorff2011.json").read_text())


@pytest.fixture(scope="session")
def fleiss1971(shared_data: Path) -> dict:
    return json.loads((shared_data / "agreement" / "fleiss1971.json").read_text())


def load_crowd(
    shared_data: Path, name: str
) -> tuple[list[tuple[int, int, int]], dict[int, int], dict]:
    """(labels as (item, annotator, label) int tuples, gold {item: label}, stats.json)."""
    folder = shared_data / "crowd" / name
    with open(folder / "labels.csv", newline="") as fh:
        rows = [(int(r["item"]), int(r["annotator"]), int(r["label"])) for r in csv.DictReader(fh)]
    with open(folder / "gold.csv", newline="") as fh:
        gold = {int(r["item"]): int(r["label"]) for r in csv.DictReader(fh)}
    stats = json.loads((folder / "stats.json").read_text())
    return rows, gold, stats


def accuracy(consensus, gold: dict) -> float:
    predicted = consensus.as_dict()
    return sum(predicted[item] == label for item, label in gold.items()) / len(gold)


@pytest.fixture(scope="session", params=CROWD)
def crowd(request, shared_data: Path):
    rows, gold, stats = load_crowd(shared_data, request.param)
    return request.param, rows, gold, stats
