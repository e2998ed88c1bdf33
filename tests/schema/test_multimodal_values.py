"""Image and audio questions: settings, value shapes and errors (issue 11)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import InputError, SettingsError
from accord.schema import parse_settings, validate_values
from accord.schema.media_refs import is_safe_relative_path, media_ref_kind

SETTINGS_DATA = {
    "fields": [{"name": "image", "type": "image"}, {"name": "clip", "type": "audio"},
               {"name": "caption", "type": "text"}],
    "questions": [
        {"name": "boxes", "type": "bbox", "field": "image", "labels": ["car", "person"]},
        {"name": "regions", "type": "polygon", "field": "image", "labels": {"road": "Road"}},
        {"name": "pose", "type": "keypoints", "field": "image", "points": ["head", "neck", "tail"],
         "skeleton": [["head", "neck"], ["neck", "tail"]], "labels": ["dog", "cat"]},
        {"name": "plain_pose", "type": "keypoints", "field": "image", "points": ["a", "b"]},
        {"name": "events", "type": "segment", "field": "clip", "labels": ["speech", "music"]},
        {"name": "turns", "type": "segment", "field": "clip", "labels": ["A", "B"],
         "allow_overlap": False},
        {"name": "words", "type": "transcript", "field": "clip", "required": True},
        {"name": "scene", "type": "label", "labels": ["day", "night"]},
    ],
}
SETTINGS = parse_settings(SETTINGS_DATA)

GOOD = {
    "boxes": [{"x": 10, "y": 20, "w": 30, "h": 40, "label": "car"},
              {"x": 0.5, "y": 0, "w": 1.25, "h": 2, "label": "person"}],
    "regions": [{"points": [[0, 0], [10, 0], [10, 5.5]], "label": "road"}],
    "pose": [{"points": {"head": [1, 2], "neck": [3, 4]}, "label": "dog"},
             {"points": {"tail": [9, 9]}}],
    "plain_pose": [{"points": {"a": [0, 0], "b": [1, 1]}}],
    "events": [{"start": 1.25, "end": 3.5, "label": "speech"},
               {"start": 2, "end": 4, "label": "music"}],
    "turns": [{"start": 0, "end": 1, "label": "A"}, {"start": 1, "end": 2.5, "label": "B"}],
    "words": {"text": "hello world", "segments": [{"start": 0.0, "end": 2.1, "text": "hello"},
                                                  {"start": 2.1, "end": 3.0, "text": "world"}]},
    "scene": "night",
}


def test_documented_shapes_validate_and_read_back_exactly():
    assert validate_values(SETTINGS, GOOD) == GOOD


def test_settings_round_trip_and_types():
    assert [q.type for q in SETTINGS.questions] == [
        "bbox", "polygon", "keypoints", "keypoints", "segment", "segment", "transcript", "label"]
    assert parse_settings(SETTINGS.to_dict()) == SETTINGS
    assert SETTINGS.question("regions").labels == {"road": "Road"}
    assert SETTINGS.question("events").allow_overlap is True
    assert SETTINGS.question("plain_pose").labels is None


def test_image_field_with_only_label_questions_validates():
    s = parse_settings({"fields": [{"name": "photo", "type": "image"}],
                        "questions": [{"name": "kind", "type": "label", "labels": ["cat", "dog"]},
                                      {"name": "tags", "type": "multi_label",
                                       "labels": ["indoor", "blurry"]}]})
    assert validate_values(s, {"kind": "cat", "tags": ["blurry"]}) == \
        {"kind": "cat", "tags": ["blurry"]}


def test_score_is_kept_not_rejected():
    value = [{"x": 1, "y": 1, "w": 2, "h": 2, "label": "car", "score": 0.75}]
    assert validate_values(SETTINGS, {"words": "hi", "boxes": value})["boxes"] == value


def test_plain_string_transcript_and_no_segments():
    out = validate_values(SETTINGS, {"words": "just text"})
    assert out == {"words": {"text": "just text"}}


def test_polygon_points_given_as_tuples_become_lists():
    out = validate_values(SETTINGS, {"words": "x", "regions": [
        {"points": [(0, 0), (1, 0), (1, 1)], "label": "road"}]})
    assert out["regions"] == [{"points": [[0, 0], [1, 0], [1, 1]], "label": "road"}]


BAD_SETTINGS = [
    ({"name": "b", "type": "bbox", "field": "caption", "labels": ["car"]}, "questions[0].field",
     "bbox needs an image field, 'caption' is text"),
    ({"name": "b", "type": "polygon", "field": "clip", "labels": ["car"]}, "questions[0].field",
     "polygon needs an image field, 'clip' is audio"),
    ({"name": "s", "type": "segment", "field": "image", "labels": ["x"]}, "questions[0].field",
     "segment needs an audio field, 'image' is image"),
    ({"name": "t", "type": "transcript", "field": "caption"}, "questions[0].field",
     "transcript needs an audio field"),
    ({"name": "b", "type": "bbox", "field": "nope", "labels": ["car"]}, "questions[0].field",
     "unknown field 'nope'"),
    ({"name": "b", "type": "bbox", "field": "image", "labels": []}, "questions[0].labels",
     "needs at least 1 label"),
    ({"name": "b", "type": "bbox", "field": "image"}, "questions[0].labels",
     "required, but missing"),
    ({"name": "k", "type": "keypoints", "field": "image", "points": ["a", "a"]},
     "questions[0].points", "duplicate point name 'a'"),
    ({"name": "k", "type": "keypoints", "field": "image", "points": []},
     "questions[0].points", "at least 1"),
    ({"name": "k", "type": "keypoints", "field": "image", "points": ["a", "b"],
      "skeleton": [["a", "c"]]}, "questions[0].skeleton", "unknown point 'c'"),
    ({"name": "k", "type": "keypoints", "field": "image", "points": ["a", "b"],
      "skeleton": [["a", "b", "a"]]}, "questions[0].skeleton", "exactly 2 points"),
    ({"name": "k", "type": "keypoints", "field": "image", "points": ["a", "b"],
      "skeleton": [["a", "a"]]}, "questions[0].skeleton", "to itself"),
    ({"name": "b", "type": "bbox", "field": "image", "labels": ["car"], "colour": "red"},
     "questions[0].colour", "unknown key"),
]


@pytest.mark.parametrize("question,path,message", BAD_SETTINGS,
                         ids=[b[2] for b in BAD_SETTINGS])
def test_bad_settings_name_the_path(question, path, message):
    data = {"fields": SETTINGS_DATA["fields"], "questions": [question]}
    with pytest.raises(SettingsError) as info:
        parse_settings(data)
    assert any(p == path and message in m for p, m in info.value.problems), info.value.problems


BAD = [
    ({"boxes": [{"x": 1, "y": 1, "w": 0, "h": 5, "label": "car"}]}, "boxes", "no area"),
    ({"boxes": [{"x": -1, "y": 1, "w": 2, "h": 5, "label": "car"}]}, "boxes",
     "x must be a finite number >= 0, got -1"),
    ({"boxes": [{"x": math.nan, "y": 1, "w": 2, "h": 5, "label": "car"}]}, "boxes",
     "x must be a finite number"),
    ({"boxes": [{"x": math.inf, "y": 1, "w": 2, "h": 5, "label": "car"}]}, "boxes",
     "x must be a finite number"),
    ({"boxes": [{"x": True, "y": 1, "w": 2, "h": 5, "label": "car"}]}, "boxes",
     "x must be a finite number"),
    ({"boxes": [{"x": "1", "y": 1, "w": 2, "h": 5, "label": "car"}]}, "boxes",
     "x must be a finite number >= 0, got '1'"),
    ({"boxes": [{"x": 1, "y": 1, "w": 2, "h": 5, "label": "bus"}]}, "boxes",
     "'bus' is not a label of this question; expected one of ['car', 'person']"),
    ({"boxes": [{"x": 1, "y": 1, "w": 2, "label": "car"}]}, "boxes", "is missing ['h']"),
    ({"boxes": [{"x": 1, "y": 1, "w": 2, "h": 1, "label": "car", "z": 3}]}, "boxes",
     "unknown keys ['z']"),
    ({"boxes": [{"x": 1, "y": 1, "w": 2, "h": 1, "label": "car", "score": 1.5}]}, "boxes",
     "score must be a number from 0 to 1, got 1.5"),
    ({"boxes": {"x": 1}}, "boxes", "expected a list of {x, y, w, h, label}"),
    ({"boxes": ["car"]}, "boxes", "expected {x, y, w, h, label}, got 'car'"),
    ({"regions": [{"points": [[0, 0], [1, 1]], "label": "road"}]}, "regions",
     "at least 3 points"),
    ({"regions": [{"points": [[0, 0], [1, 1], [2]], "label": "road"}]}, "regions",
     "a point is [x, y], got [2]"),
    ({"regions": [{"points": [[0, 0], [1, 1], [2, -3]], "label": "road"}]}, "regions",
     "y must be a finite number >= 0, got -3"),
    ({"regions": [{"points": [[0, 0], [1, 1], [2, 2]], "label": "lake"}]}, "regions",
     "'lake' is not a label"),
    ({"pose": [{"points": {"ear": [1, 1]}}]}, "pose",
     "'ear' is not a point of this question; expected any of ['head', 'neck', 'tail']"),
    ({"pose": [{"points": {}}]}, "pose", "at least one visible point"),
    ({"pose": [{"points": {"head": [1, 1]}, "label": "cow"}]}, "pose", "'cow' is not a label"),
    ({"plain_pose": [{"points": {"a": [1, 1]}, "label": "dog"}]}, "plain_pose",
     "this question has no instance labels"),
    ({"events": [{"start": 3, "end": 3, "label": "speech"}]}, "events",
     "segment 3..3 is empty or negative"),
    ({"events": [{"start": -1, "end": 3, "label": "speech"}]}, "events", "empty or negative"),
    ({"events": [{"start": 0, "end": "2", "label": "speech"}]}, "events",
     "end must be a finite number of seconds, got '2'"),
    ({"events": [{"start": 0, "end": 2, "label": "noise"}]}, "events", "'noise' is not a label"),
    ({"turns": [{"start": 0, "end": 2, "label": "A"}, {"start": 1, "end": 3, "label": "B"}]},
     "turns", "segments 0..2 and 1..3 overlap"),
    ({"words": {"text": ""}}, "words", "the transcript is empty"),
    ({"words": {"text": "a b", "segments": [{"start": 2, "end": 3, "text": "b"},
                                            {"start": 0, "end": 1, "text": "a"}]}},
     "words", "time order"),
    ({"words": {"text": "a", "segments": [{"start": 0, "end": 1}]}}, "words",
     "expected a segment {start, end, text}"),
    ({"words": {"txt": "a"}}, "words", "expected {\"text\": ..., \"segments\": [...]}"),
    ({"words": 5}, "words", "got 5"),
]


@pytest.mark.parametrize("values,question,message", BAD, ids=[b[2] for b in BAD])
def test_bad_values_name_question_and_value(values, question, message):
    values = {"words": "text", **values}
    with pytest.raises(InputError) as info:
        validate_values(SETTINGS, values)
    assert info.value.field == question
    assert message in str(info.value)


_coord = st.one_of(st.integers(min_value=0, max_value=10_000),
                   st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False))
_size = st.one_of(st.integers(min_value=1, max_value=10_000),
                  st.floats(min_value=1e-3, max_value=1e6))


@given(st.lists(st.fixed_dictionaries({"x": _coord, "y": _coord, "w": _size, "h": _size,
                                       "label": st.sampled_from(["car", "person"])}),
                max_size=8))
def test_any_valid_boxes_read_back_unchanged(boxes):
    assert validate_values(SETTINGS, {"words": "w", "boxes": boxes})["boxes"] == boxes


@given(st.lists(st.tuples(st.floats(min_value=0, max_value=1e4), st.floats(min_value=1e-3,
                                                                            max_value=100)),
                max_size=6))
def test_segments_start_before_end(intervals):
    segs = [{"start": s, "end": s + d, "label": "speech"} for s, d in intervals]
    segs = [s for s in segs if s["end"] > s["start"]]
    assert validate_values(SETTINGS, {"words": "w", "events": segs})["events"] == segs


@pytest.mark.parametrize("value,kind", [
    ("https://example.org/cat.png", "url"), ("HTTP://example.org/a.wav", "url"),
    ("data:image/png;base64,iVBORw0KGgo=", "data"), ("cats/001.jpg", "path"),
    ("001.jpg", "path"), ("javascript:alert(1)", None), ("file:///etc/passwd", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None), ("/etc/passwd", None), ("../x.png", None),
    ("a/../../x.png", None), ("a\x00.png", None), ("C:\\x.png", None), ("c:/x.png", None),
    ("", None), (5, None),
])
def test_media_ref_kind_for_images(value, kind):
    assert media_ref_kind(value, "image") == kind


def test_data_uri_must_match_the_field_type():
    assert media_ref_kind("data:audio/wav;base64,UklGRg==", "audio") == "data"
    assert media_ref_kind("data:audio/wav;base64,UklGRg==", "image") is None
    assert media_ref_kind("data:image/png;base64,iVBO", "audio") is None


@given(st.text(max_size=30))
def test_safe_relative_paths_never_escape(path):
    if is_safe_relative_path(path):
        assert not path.startswith("/") and ".." not in path.split("/") and "\x00" not in path
