"""Reading long-form files: formats agree, bad input names file, line and column."""

from __future__ import annotations

import json

import numpy as np
import pytest

from accord.errors import InputError
from accord.quality import from_reliability_matrix, read_gold, read_longform
from accord.quality.frame import factorize

ROWS = [("q1", "ann", "yes", 3.5), ("q1", "bob", "no", 2.0), ("q2", "ann", "yes", 1.0)]


def _write(tmp_path, suffix: str) -> str:
    path = tmp_path / f"votes{suffix}"
    if suffix in (".csv", ".tsv"):
        sep = "," if suffix == ".csv" else "\t"
        lines = [sep.join(["item", "annotator", "label", "time", "note"])]
        lines += [sep.join([i, a, lab, str(t), "x"]) for i, a, lab, t in ROWS]
        path.write_text("\n".join(lines) + "\n")
    elif suffix == ".jsonl":
        path.write_text(
            "".join(
                json.dumps(dict(zip(("item", "annotator", "label", "time"), r))) + "\n"
                for r in ROWS
            )
        )
    elif suffix == ".json":
        path.write_text(
            json.dumps([dict(zip(("item", "annotator", "label", "time"), r)) for r in ROWS])
        )
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols = list(zip(*ROWS))
        pq.write_table(
            pa.table({"item": cols[0], "annotator": cols[1], "label": cols[2], "time": cols[3]}),
            path,
        )
    return str(path)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".json", ".parquet"])
def test_every_format_reads_the_same(tmp_path, suffix):
    lf = read_longform(_write(tmp_path, suffix))
    assert lf.items.tolist() == ["q1", "q2"]
    assert lf.annotators.tolist() == ["ann", "bob"]
    assert lf.labels.tolist() == ["no", "yes"]
    assert lf.label_values().tolist() == ["yes", "no", "yes"]
    assert lf.extra["time"].tolist() == [3.5, 2.0, 1.0]
    assert lf.source.endswith(suffix)


def test_numeric_csv_labels_sort_as_numbers(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("item,annotator,label\n1,a,10\n1,b,9\n2,a,2\n")
    assert read_longform(path).labels.tolist() == [2, 9, 10]


BAD = [
    ("empty.csv", "", "empty.csv: file is empty"),
    ("header.csv", "item,annotator,label\n", "header.csv: file is empty"),
    (
        "cols.csv",
        "item,worker,label\n1,a,x\n",
        "cols.csv:1: field 'annotator': missing column 'annotator' (needs item, annotator, label; "
        "found: item, worker, label)",
    ),
    ("blank.csv", "item,annotator,label\n1,a,x\n1,b,\n", "blank.csv:3: field 'label': empty label"),
    ("nan.csv", "item,annotator,label\n1,a,NaN\n", "nan.csv:2: field 'label': NaN label"),
    ("noitem.csv", "item,annotator,label\n,a,x\n", "noitem.csv:2: field 'item': empty item"),
    ("short.csv", "item,annotator,label\n1,a\n", "short.csv:2: field 'label': row has 2 values"),
    (
        "key.jsonl",
        '{"item": 1, "annotator": "a", "label": 1}\n{"item": 1, "annotator": "b"}\n',
        "key.jsonl:2: field 'label': missing key 'label'",
    ),
    (
        "null.jsonl",
        '{"item": 1, "annotator": "a", "label": null}\n',
        "null.jsonl:1: field 'label': empty label",
    ),
    ("broken.jsonl", '{"item": 1,\n', "broken.jsonl:1: invalid JSON"),
    (
        "time.csv",
        "item,annotator,label,time\n1,a,x,soon\n",
        "time.csv:2: field 'time': time must be a number",
    ),
    ("votes.xlsx", "x", "unsupported file type '.xlsx'"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_located(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError) as info:
        read_longform(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(tmp_path))


def test_parquet_nulls_and_missing_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"item": [1, 2], "annotator": ["a", "b"], "label": ["x", None]}), path)
    with pytest.raises(InputError, match="row 2: empty label"):
        read_longform(path)
    pq.write_table(pa.table({"item": [1], "label": ["x"]}), path)
    with pytest.raises(InputError, match="missing column 'annotator'.*found: item, label"):
        read_longform(path)


def test_read_gold(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text("item,label\n1,0\n2,1\n")
    assert read_gold(path) == {"1": 0, "2": 1}
    with pytest.raises(InputError, match=r"gold.csv:3: field 'label': unknown gold label 1"):
        read_gold(path, labels=[0])
    path.write_text("item,label\n1,0\n1,1\n")
    with pytest.raises(InputError, match="two gold labels"):
        read_gold(path)


def test_reliability_matrix_and_factorize():
    lf = from_reliability_matrix([[1, 2, None], [1.0, 3, 3]])
    assert len(lf) == 5 and lf.labels.tolist() == [1, 2, 3]
    assert lf.counts().tolist() == [[2, 0, 0], [0, 1, 1], [0, 0, 1]]
    codes, uniques = factorize(np.array([30, 10, 30, 20]))
    assert codes.tolist() == [0, 1, 0, 2] and uniques.tolist() == [30, 10, 20]
    codes, uniques = factorize(np.array([30, 10, 30, 20]), sort=True)
    assert codes.tolist() == [2, 0, 2, 1] and uniques.tolist() == [10, 20, 30]
    with pytest.raises(InputError, match="2-D"):
        from_reliability_matrix([1, 2, 3])
