"""Video fields and the video question types: values checked against the video's extent,
and the one interpolation rule (accord.schema.tracks)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InputError
from accord.schema import parse_settings, validate_values
from accord.schema.media_refs import media_ref_kind
from accord.schema.tracks import box_at, simplify_keyframes, track_boxes

SETTINGS = parse_settings({
    "fields": [{"name": "clip", "type": "video", "fps": 30}],
    "questions": [
        {"name": "tracks", "type": "video_track", "field": "clip", "labels": ["car", "person"]},
        {"name": "scenes", "type": "video_segment", "field": "clip", "labels": ["run"]},
        {"name": "acts", "type": "video_frame_label", "field": "clip", "labels": ["walk", "sit"]},
    ]})


def _track(*keyframes, tid=1, label="car"):
    return {"id": tid, "label": label,
            "keyframes": [{"frame": f, "x": x, "y": y, "w": w, "h": h}
                          for f, x, y, w, h in keyframes]}


def _value(*tracks, frames=30, width=320, height=240):
    return {"frames": frames, "width": width, "height": height, "tracks": list(tracks)}


def _check(name, value):
    return validate_values(SETTINGS, {name: value}, {"clip": "clips/a.webm"})[name]


def test_video_field_defaults_to_25_fps_and_takes_media_refs():
    s = parse_settings({"fields": [{"name": "v", "type": "video"}], "questions": [
        {"name": "t", "type": "video_track", "field": "v", "labels": ["car"]}]})
    assert s.fields[0].fps == 25.0
    assert SETTINGS.fields[0].fps == 30.0
    assert media_ref_kind("clips/a.mp4", "video") == "path"
    assert media_ref_kind("data:video/webm;base64,GkXf", "video") == "data"
    assert media_ref_kind("data:text/html;base64,PHNjcmlwdD4=", "video") is None
    with pytest.raises(Exception, match="fps"):
        parse_settings({"fields": [{"name": "v", "type": "video", "fps": 0}]})


def test_a_track_question_needs_a_video_field():
    with pytest.raises(Exception, match="video"):
        parse_settings({"fields": [{"name": "img", "type": "image"}], "questions": [
            {"name": "t", "type": "video_track", "field": "img", "labels": ["car"]}]})


def test_a_valid_track_comes_back_with_keyframes_in_order():
    value = _value(_track((29, 60, 20, 30, 40), (0, 10, 20, 30, 40)),
                   _track((5, 0, 0, 5, 5), tid=2, label="person"))
    out = _check("tracks", value)
    assert [k["frame"] for k in out["tracks"][0]["keyframes"]] == [0, 29]
    assert out["tracks"][1]["label"] == "person"


@pytest.mark.parametrize(("value", "message"), [
    (_value(_track((30, 0, 0, 5, 5))), "frame 30 in track 1 is outside the video: expected 0 "
                                       "to 29"),
    (_value(_track((0, 300, 0, 30, 5))), "leaves the 320x240 frame"),
    (_value(_track((0, 0, 0, 0, 5))), "has no area; w and h must be > 0"),
    (_value(_track((0, 0, 0, 5, 5)), _track((1, 0, 0, 5, 5))), "track id 1 is used twice"),
    (_value(_track((0, 0, 0, 5, 5), (0, 1, 1, 5, 5))), "two keyframes at frame 0"),
    (_value(_track((0, 0, 0, 5, 5), label="bus")), "'bus' is not a label"),
    (_value(_track((0, 0, 0, 5, 5), tid=0)), "track id must be a whole number >= 1"),
    (_value(frames=0), "frames (the video's number of frames) must be a whole number > 0"),
    ({"tracks": []}, "missing ['frames', 'width', 'height']"),
    # bounds on what one answer makes the server walk frame by frame (agreement, export)
    (_value(frames=1_000_001), "at most 1,000,000 frames are supported"),
    (_value(*[_track((0, 0, 0, 5, 5), (999_999, 0, 0, 5, 5), tid=i) for i in (1, 2)],
            frames=1_000_000), "the tracks span 2,000,000 boxes in all"),
    ([], "expected {\"frames\""),
])
def test_bad_tracks_are_refused_naming_the_question(value, message):
    with pytest.raises(InputError) as err:
        _check("tracks", value)
    assert err.value.field == "tracks"
    assert message in err.value.message


def test_segments_stay_inside_the_duration():
    ok = {"duration": 4.0, "segments": [{"start": 0.5, "end": 4.0, "label": "run"}]}
    assert _check("scenes", ok) == ok
    with pytest.raises(InputError, match=r"ends after the video \(4.0 s\)"):
        _check("scenes", {"duration": 4.0, "segments": [{"start": 1, "end": 4.5,
                                                         "label": "run"}]})


def test_frame_ranges_are_inside_and_do_not_overlap():
    out = _check("acts", {"frames": 10, "ranges": [{"start": 5, "end": 9, "label": "sit"},
                                                   {"start": 0, "end": 4, "label": "walk"}]})
    assert [r["start"] for r in out["ranges"]] == [0, 5]
    with pytest.raises(InputError, match="overlap; a frame has at most one label"):
        _check("acts", {"frames": 10, "ranges": [{"start": 0, "end": 5, "label": "walk"},
                                                 {"start": 5, "end": 9, "label": "sit"}]})
    with pytest.raises(InputError, match="frame 10 in range .* expected 0 to 9"):
        _check("acts", {"frames": 10, "ranges": [{"start": 8, "end": 10, "label": "walk"}]})


def test_interpolation_by_hand():
    kf = _track((0, 0, 0, 10, 10), (30, 60, 30, 40, 10))["keyframes"]
    assert box_at(kf, 10) == {"frame": 10, "x": 20.0, "y": 10.0, "w": 20.0, "h": 10.0,
                              "keyframe": False}
    assert box_at(kf, 30)["keyframe"] is True
    assert box_at(kf, 31) is None and box_at(kf, -1) is None
    assert len(list(track_boxes(kf))) == 31


_kf = st.lists(st.tuples(st.integers(0, 200), *[st.integers(1, 100)] * 4), min_size=1,
               max_size=6, unique_by=lambda t: t[0])


@settings(max_examples=60, deadline=None)
@given(_kf)
def test_track_boxes_is_box_at_frame_by_frame_and_simplify_keeps_the_boxes(raw):
    kf = _track(*sorted(raw))["keyframes"]
    boxes = list(track_boxes(kf))
    assert boxes == [box_at(kf, b["frame"]) for b in boxes]
    assert [b["frame"] for b in boxes] == list(range(kf[0]["frame"], kf[-1]["frame"] + 1))
    again = simplify_keyframes(boxes)
    assert len(again) <= len(kf)
    for b in boxes:
        c = box_at(again, b["frame"])
        assert all(abs(c[k] - b[k]) <= 1e-6 for k in ("x", "y", "w", "h"))


def test_the_demo_video_dataset_parses_and_ships_its_webm():
    import json

    from accord.demo import DEMO_DATASETS, DEMO_MEDIA

    filename, settings = DEMO_DATASETS["video-tracks"]
    parsed = parse_settings(settings)
    assert [q.type for q in parsed.questions] == ["video_track", "video_frame_label"]
    [row] = [json.loads(x) for x in (DEMO_MEDIA.parent / filename).read_text().splitlines()]
    assert media_ref_kind(row["clip"], "video") == "path"
    data = (DEMO_MEDIA / row["clip"]).read_bytes()
    assert data[:4] == b"\x1a\x45\xdf\xa3" and len(data) < 300_000  # an EBML (WebM) file
