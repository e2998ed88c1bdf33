"""COCO export (checked with pycocotools), COCO import as suggestions, the round trip, and the
audio-segments JSONL export."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from accord.errors import InputError
from accord.io.importer import ImportOptions
from accord.io.importers import import_migration, open_source
from accord.store import session_scope
from accord.store.datasets import get_dataset, settings_of
from accord.store.export import iter_export_records
from tests.conftest import run_cli
from tests.io.export_data import export, read_jsonl, setup, submit

IMAGE_SETTINGS = {
    "fields": [{"name": "image", "type": "image"}],
    "questions": [
        {"name": "boxes", "type": "bbox", "field": "image", "labels": ["car", "person"]},
        {"name": "regions", "type": "polygon", "field": "image", "labels": ["road"]},
        {"name": "pose", "type": "keypoints", "field": "image", "points": ["head", "neck", "tail"],
         "skeleton": [["head", "neck"], ["neck", "tail"]], "labels": ["dog"]},
    ],
    "distribution": {"overlap": 3},
}


def B(x, y, w, h, label="car"):  # type: ignore[no-untyped-def]
    return {"x": x, "y": y, "w": w, "h": h, "label": label}


def _quiet(fn, *args):  # type: ignore[no-untyped-def]
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


@pytest.fixture
def image_dataset(engine):
    setup(engine, "img", IMAGE_SETTINGS, [
        {"id": "i1", "image": "cats/1.png", "meta": {"width": 640, "height": 480}},
        {"id": "i2", "image": "https://example.org/2.jpg"},
        {"id": "i3", "image": "cats/3.png"},  # never answered: not exported
    ])
    road_a = {"points": [[0, 0], [100, 0], [100, 50]], "label": "road"}
    road_b = {"points": [[0, 0], [100, 0], [100, 40]], "label": "road"}
    dog = {"points": {"head": [10, 10], "tail": [30, 12]}, "label": "dog"}
    # i1: the car drawn by all three (a little apart), a person by u1 only (1/3 < 1/2: dropped)
    submit(engine, "img", "i1", "u1", {"boxes": [B(10, 10, 100, 50), B(300, 300, 20, 40,
                                                                       "person")],
                                       "regions": [road_a], "pose": [dog]})
    submit(engine, "img", "i1", "u2", {"boxes": [B(12, 10, 100, 50)], "regions": [road_b]})
    submit(engine, "img", "i1", "u3", {"boxes": [B(11, 10, 100, 50)], "regions": [road_a]})
    # i2: one annotator, one box
    submit(engine, "img", "i2", "u1", {"boxes": [B(5, 6, 7, 8, "person")]})
    return engine


# pycocotools' compiled mask module trips a numpy 2 DeprecationWarning (not ours)
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_coco_export_loads_with_pycocotools(image_dataset, tmp_path):
    out = tmp_path / "coco.json"
    summary = export(image_dataset, "img", out, "coco")
    assert summary.container == "coco" and summary.rows_written == 2
    coco = _quiet(COCO, str(out))
    cats = {c["name"]: c for c in coco.loadCats(coco.getCatIds())}
    assert sorted(cats) == ["car", "dog", "person", "road"]
    assert cats["dog"]["keypoints"] == ["head", "neck", "tail"]
    assert cats["dog"]["skeleton"] == [[1, 2], [2, 3]]
    assert cats["car"]["supercategory"] == "boxes"
    images = {img["file_name"]: img for img in coco.loadImgs(coco.getImgIds())}
    assert sorted(images) == ["cats/1.png", "https://example.org/2.jpg"]
    i1 = images["cats/1.png"]
    assert (i1["width"], i1["height"]) == (640, 480)
    assert images["https://example.org/2.jpg"]["coco_url"] == "https://example.org/2.jpg"
    # i1 boxes: the consensus car, x = mean(10, 12, 11) = 11, score 1; the person is dropped
    boxes = coco.loadAnns(coco.getAnnIds(imgIds=[i1["id"]], catIds=[cats["car"]["id"]]))
    assert len(boxes) == 1
    assert boxes[0]["bbox"] == pytest.approx([11, 10, 100, 50])
    assert boxes[0]["area"] == pytest.approx(5000) and boxes[0]["iscrowd"] == 0
    assert boxes[0]["score"] == 1.0
    assert coco.getAnnIds(imgIds=[i1["id"]], catIds=[cats["person"]["id"]]) == []
    # the polygon of the medoid annotator (road_a: u1 and u3 agree), as a flat list
    (road,) = coco.loadAnns(coco.getAnnIds(catIds=[cats["road"]["id"]]))
    assert road["segmentation"] == [[0, 0, 100, 0, 100, 50]]
    assert road["area"] == pytest.approx(2500) and road["bbox"] == [0, 0, 100, 50]
    # keypoints: x, y, v with v = 0 for the missing neck
    (pose,) = coco.loadAnns(coco.getAnnIds(catIds=[cats["dog"]["id"]]))
    assert pose["keypoints"] == [10, 10, 2, 0, 0, 0, 30, 12, 2]
    assert pose["num_keypoints"] == 2 and pose["bbox"] == [10, 10, 20, 2]
    mask = _quiet(coco.annToMask, road)
    assert mask.shape == (480, 640) and mask.sum() > 2000
    # detections load against the export, and the export scores perfectly against itself
    dets = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
             "score": 0.9} for a in coco.loadAnns(coco.getAnnIds()) if "keypoints" not in a
            and "segmentation" not in a]
    assert len(dets) == 2
    res = _quiet(coco.loadRes, dets)
    assert len(res.getAnnIds()) == 2
    ev = COCOeval(coco, res, "bbox")
    ev.params.catIds = [cats["car"]["id"], cats["person"]["id"]]
    _quiet(ev.evaluate)
    _quiet(ev.accumulate)
    _quiet(ev.summarize)
    assert ev.stats[1] == pytest.approx(1.0)  # AP at IoU 0.5


def test_coco_all_responses(image_dataset, tmp_path):
    out = tmp_path / "all.json"
    export(image_dataset, "img", out, "coco", question="boxes", all_responses=True)
    data = json.loads(out.read_text())
    assert [c["name"] for c in data["categories"]] == ["car", "person"]
    assert sorted(a["annotator"] for a in data["annotations"]) == ["u1", "u1", "u1", "u2", "u3"]
    assert [a["id"] for a in data["annotations"]] == [1, 2, 3, 4, 5]


def test_coco_export_needs_an_image_question(engine, tmp_path):
    setup(engine, "txt", {"fields": [{"name": "t", "type": "text"}],
                          "questions": [{"name": "y", "type": "label", "labels": ["a", "b"]}]},
          [{"id": "1", "t": "x"}])
    with pytest.raises(InputError, match="needs a bbox, polygon or keypoints question"):
        export(engine, "txt", tmp_path / "x.json", "coco")
    assert not (tmp_path / "x.json").exists()


COCO_FILE = {
    "images": [{"id": 397133, "file_name": "000000397133.jpg", "width": 640, "height": 427},
               {"id": 37777, "file_name": "000000037777.jpg", "width": 352, "height": 230},
               {"id": 5, "coco_url": "http://images.cocodataset.org/val2017/5.jpg"}],
    "annotations": [
        {"id": 1, "image_id": 397133, "category_id": 1, "bbox": [102.49, 118.47, 7.9, 17.31],
         "area": 136.7, "iscrowd": 0,
         "segmentation": [[102.49, 118.47, 110.39, 118.47, 110.39, 135.78]]},
        {"id": 2, "image_id": 397133, "category_id": 2, "bbox": [388.66, 69.92, 109.41, 277.62],
         "area": 30374.1, "iscrowd": 0, "keypoints": [400, 80, 2, 0, 0, 0, 420, 300, 1],
         "num_keypoints": 2},
        {"id": 3, "image_id": 37777, "category_id": 1, "bbox": [0, 10, 30, 40], "iscrowd": 1,
         "segmentation": {"counts": [1, 2], "size": [230, 352]}, "score": 0.5},
    ],
    "categories": [{"id": 1, "name": "bottle", "supercategory": "kitchen"},
                   {"id": 2, "name": "person", "supercategory": "person",
                    "keypoints": ["nose", "left_eye", "left_ankle"], "skeleton": [[1, 2]]}],
}


def test_coco_import_as_suggestions_then_export_keeps_the_boxes(engine, tmp_path):
    src = tmp_path / "instances.json"
    src.write_text(json.dumps(COCO_FILE))
    summary = import_migration(engine, "coco", src, open_source("coco", src),
                               ImportOptions(create=True))
    assert (summary.inserted, summary.responses, summary.suggestions) == (3, 0, 4)
    with session_scope(engine) as s:
        ds = get_dataset(s, "coco")
        settings = settings_of(ds)
        records = {r.external_id: r for r in iter_export_records(s, ds.id, full=True,
                                                                 suggestions=True)}
    assert [q.type for q in settings.questions] == ["bbox", "polygon", "keypoints"]
    assert list(settings.question("boxes").labels) == ["bottle", "person"]
    assert settings.question("pose").points == ["nose", "left_eye", "left_ankle"]
    assert settings.question("pose").skeleton == [["nose", "left_eye"]]
    r = records["397133"]
    assert r.fields == {"image": "000000397133.jpg"}
    assert r.metadata["width"] == 640 and r.metadata["coco_id"] == 397133
    sugg = {s.question: s for s in r.suggestions}
    assert {s.agent for s in r.suggestions} == {"coco-import"}
    assert sugg["boxes"].value == [B(102.49, 118.47, 7.9, 17.31, "bottle"),
                                   B(388.66, 69.92, 109.41, 277.62, "person")]
    assert sugg["regions"].value == [{"points": [[102.49, 118.47], [110.39, 118.47],
                                                 [110.39, 135.78]], "label": "bottle"}]
    # v = 1 (labelled, not visible) still counts as placed; v = 0 is missing
    assert sugg["pose"].value == [{"points": {"nose": [400, 80], "left_ankle": [420, 300]},
                                   "label": "person"}]
    crowd = {s.question: s for s in records["37777"].suggestions}
    assert crowd["boxes"].value == [{**B(0, 10, 30, 40, "bottle"), "score": 0.5}]
    assert crowd["boxes"].score == 0.5 and "regions" not in crowd  # RLE: box only
    assert records["5"].fields == {"image": "http://images.cocodataset.org/val2017/5.jpg"}
    # an annotator accepts the suggestions; the COCO export gives the same boxes back
    for ext, rec in records.items():
        values = {s.question: s.value for s in rec.suggestions if s.question == "boxes"}
        if values:
            submit(engine, "coco", ext, "ann", values)
    out = tmp_path / "back.json"
    export(engine, "coco", out, "coco", question="boxes")
    back = _quiet(COCO, str(out))
    cat_names = {c["id"]: c["name"] for c in back.loadCats(back.getCatIds())}
    got = sorted((back.imgs[a["image_id"]]["file_name"], cat_names[a["category_id"]],
                  tuple(a["bbox"])) for a in back.loadAnns(back.getAnnIds()))
    want = sorted((next(i.get("file_name") for i in COCO_FILE["images"] if i["id"] ==
                        a["image_id"]), cat_names[a["category_id"]], tuple(a["bbox"]))
                  for a in COCO_FILE["annotations"])
    assert got == want


def test_bad_coco_files_are_clear_errors(engine, tmp_path):
    bad = {**COCO_FILE, "annotations": [{"id": 9, "image_id": 5, "category_id": 77,
                                         "bbox": [0, 0, 1, 1]}]}
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(bad))
    with pytest.raises(InputError, match="annotation 9 of image 5: unknown category_id 77"):
        import_migration(engine, "bad", src, open_source("coco", src), ImportOptions(create=True))
    src.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        import_migration(engine, "bad", src, open_source("coco", src), ImportOptions(create=True))
    src.write_text(json.dumps({"annotations": []}))
    with pytest.raises(InputError, match="expected a COCO object with an 'images' list"):
        import_migration(engine, "bad", src, open_source("coco", src), ImportOptions(create=True))
    degenerate = {**COCO_FILE, "annotations": [{"id": 4, "image_id": 5, "category_id": 1,
                                                "bbox": [0, 0, 0, 3]}]}
    src.write_text(json.dumps(degenerate))
    with pytest.raises(InputError, match="no area") as info:
        import_migration(engine, "bad", src, open_source("coco", src), ImportOptions(create=True))
    assert info.value.field == "boxes"
    with session_scope(engine) as s:
        from accord.errors import NotFound

        with pytest.raises(NotFound):
            get_dataset(s, "bad")  # nothing half-written


def test_cli_import_and_export_coco(tmp_path):
    db = f"sqlite:///{tmp_path / 'accord.db'}"
    src = tmp_path / "instances.json"
    src.write_text(json.dumps(COCO_FILE))
    done = run_cli("import", "c", str(src), "--format", "coco", "--create", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "3 inserted" in done.stdout and "4 suggestions" in done.stdout
    out = tmp_path / "out.json"
    done = run_cli("export", "c", "--format", "coco", "-o", str(out), "--all-responses",
                   "--db", db)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())  # nothing answered yet: no images, all categories
    assert data["images"] == [] and data["annotations"] == []
    assert [c["name"] for c in data["categories"]][:2] == ["bottle", "person"]
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    done = run_cli("import", "c2", str(bad), "--format", "coco", "--create", "--db", db)
    assert done.returncode == 2 and "bad.json" in done.stderr and "Traceback" not in done.stderr


AUDIO_SETTINGS = {
    "fields": [{"name": "clip", "type": "audio"}],
    "questions": [{"name": "events", "type": "segment", "field": "clip",
                   "labels": ["speech", "music"]},
                  {"name": "words", "type": "transcript", "field": "clip"}],
    "distribution": {"overlap": 3},
}


def test_audio_segments_export(engine, tmp_path):
    setup(engine, "aud", AUDIO_SETTINGS, [{"id": "a1", "clip": "clips/1.wav",
                                           "meta": {"duration": 9.5}},
                                          {"id": "a2", "clip": "clips/2.wav"}])
    speech = {"start": 1.0, "end": 3.0, "label": "speech"}
    submit(engine, "aud", "a1", "u1", {"events": [speech], "words": {"text": "hello world"}})
    submit(engine, "aud", "a1", "u2", {"events": [{"start": 1.2, "end": 3.0, "label": "speech"},
                                                  {"start": 5, "end": 6, "label": "music"}],
                                       "words": {"text": "hello word"}})
    submit(engine, "aud", "a1", "u3", {"events": [speech], "words": {
        "text": "hello world", "segments": [{"start": 1.0, "end": 3.0, "text": "hello world"}]}})
    out = tmp_path / "audio.jsonl"
    summary = export(engine, "aud", out, "audio-segments")
    assert summary.rows_written == 1
    (row,) = read_jsonl(out)
    assert row["external_id"] == "a1" and row["audio"] == "clips/1.wav"
    assert row["metadata"] == {"duration": 9.5}
    # speech fused from all three: start = (1 + 1.2 + 1) / 3; music by one of three: dropped
    (seg,) = row["segments"]["events"]
    assert seg["label"] == "speech" and seg["score"] == 1.0
    assert seg["start"] == pytest.approx(3.2 / 3) and seg["end"] == 3.0
    # the medoid transcript: "hello world" (u1's, the first of the two identical ones)
    assert row["transcripts"]["words"] == {"text": "hello world"}
    assert [a["user"] for a in row["annotations"]] == ["u1", "u2", "u3"]
    assert row["annotations"][1]["segments"]["events"][1]["label"] == "music"


@pytest.mark.parametrize("fmt,options", [("jsonl", {}), ("jsonl", {"aggregate": "mv"}),
                                         ("csv", {}), ("label-studio", {})])
def test_other_exports_of_an_image_dataset(image_dataset, tmp_path, fmt, options):
    out = tmp_path / f"out.{'json' if fmt == 'label-studio' else fmt}"
    summary = export(image_dataset, "img", out, fmt, **options)
    assert summary.records_exported == 3
    if fmt == "jsonl":
        rows = {r["external_id"]: r for r in read_jsonl(out)}
        assert rows["i2"]["responses"][0]["values"] == {"boxes": [B(5, 6, 7, 8, "person")]}
    if fmt == "label-studio":  # regions have no Label Studio result: left out, not a crash
        tasks = {t["data"]["external_id"]: t for t in json.loads(out.read_text())}
        assert tasks["i2"]["annotations"][0]["result"] == []


def test_cli_quality_agree_on_boxes(tmp_path):
    from accord.store import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'q.db'}"
    engine = make_engine(url)
    upgrade(engine)
    setup(engine, "img", IMAGE_SETTINGS, [{"id": "i1", "image": "1.png"},
                                         {"id": "i2", "image": "2.png"}])
    # i1: same car (IoU 90/110), u2 adds a person: F1 2/3; i2: identical: F1 1
    submit(engine, "img", "i1", "u1", {"boxes": [B(0, 0, 10, 10)]})
    submit(engine, "img", "i1", "u2", {"boxes": [B(1, 0, 10, 10), B(50, 50, 5, 5, "person")]})
    submit(engine, "img", "i2", "u1", {"boxes": [B(5, 5, 20, 20)]})
    submit(engine, "img", "i2", "u2", {"boxes": [B(5, 5, 20, 20)]})
    engine.dispose()
    res = run_cli("quality", "agree", "--dataset", "img", "--question", "boxes", "--json",
                  "--db", url)
    assert res.returncode == 0, res.stderr
    result = json.loads(res.stdout)
    assert result["metric"] == "box_f1@0.5" and result["records_with_2plus"] == 2
    assert result["value"] == pytest.approx((2 / 3 + 1) / 2)
    assert result["mean_iou"] == pytest.approx((90 / 110 + 1) / 2)
    text = run_cli("quality", "agree", "--dataset", "img", "--question", "boxes", "--db", url)
    assert text.returncode == 0 and "box_f1@0.5 = 0.8333" in text.stdout
    single = run_cli("quality", "agree", "--dataset", "img", "--question", "pose", "--db", url)
    assert single.returncode == 2 and "2 or more submitted answers" in single.stderr
