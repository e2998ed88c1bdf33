"""Build the demo database: users, and one dataset per sample file with real settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from accord.errors import NotFound
from accord.io.importer import ImportOptions, import_file
from accord.schema import parse_settings
from accord.store.datasets import add_member, create_dataset, list_datasets
from accord.store.engine import write_scope
from accord.store.users import create_user, get_user

__all__ = ["DEMO_DATASETS", "DEMO_MEDIA", "DEMO_PASSWORD", "DEMO_USERS", "build_demo"]

DATA = Path(__file__).resolve().parent / "data"
DEMO_MEDIA = DATA / "media"
"""The media root of ``accord serve --demo`` when no ``--media-root`` is given (the demo's
point clouds are files under it)."""
DEMO_PASSWORD = "accord-demo"
DEMO_USERS = [("admin", "admin"), ("reviewer", "reviewer"), ("alice", "annotator"),
              ("bob", "annotator"), ("carol", "annotator")]

DEMO_DATASETS: dict[str, tuple[str, dict[str, Any]]] = {
    "sft-open-qa": ("sft.jsonl", {
        "guidelines": "Rate how helpful and correct the response is, then rewrite it if it "
                      "can be improved. Keep facts you cannot verify out of the rewrite.",
        "fields": [{"name": "prompt", "type": "text"}, {"name": "response", "type": "text"}],
        "questions": [
            {"name": "helpfulness", "type": "rating", "min": 1, "max": 5, "required": True},
            {"name": "rewrite", "type": "text", "field": "response"},
            {"name": "safety", "type": "flags", "labels": ["violence", "self_harm", "pii"],
             "severities": ["low", "high"]},
        ],
        "distribution": {"overlap": 2},
    }),
    "hh-preferences": ("preferences.jsonl", {
        "guidelines": "Pick the response that is more helpful AND harmless. Use tie only when "
                      "they are truly equivalent; strength 3 means a clear preference.",
        "fields": [{"name": "conversation", "type": "chat"},
                   {"name": "response_a", "type": "text"}, {"name": "response_b", "type": "text"}],
        "questions": [{"name": "preference", "type": "pairwise",
                       "fields": ["response_a", "response_b"], "allow_tie": True,
                       "required": True}],
        "distribution": {"overlap": 3},
    }),
    "wnut17-ner": ("ner.jsonl", {
        "guidelines": "Mark emerging and rare entities: people, locations, corporations, "
                      "groups, creative works and products.",
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "entities", "type": "span", "field": "text",
                       "labels": ["person", "location", "corporation", "group",
                                  "creative-work", "product"], "allow_overlap": False}],
        "distribution": {"overlap": 2},
    }),
    "sst2-sentiment": ("sentiment.jsonl", {
        "guidelines": "Is the movie review positive or negative?",
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "sentiment", "type": "label",
                       "labels": {"positive": "Positive", "negative": "Negative"},
                       "required": True}],
        "distribution": {"overlap": 3, "gold_rate": 0.0},
    }),
    "oasst-ranking": ("chats.jsonl", {
        "guidelines": "Rank the assistant replies from best to worst.",
        "fields": [{"name": "conversation", "type": "chat"},
                   {"name": "candidates", "type": "json"}],
        "questions": [{"name": "order", "type": "ranking", "field": "candidates",
                       "allow_ties": True, "required": True}],
        "distribution": {"overlap": 2},
    }),
    "lidar-cuboids": ("lidar.jsonl", {
        "guidelines": "Draw a cuboid around every car, pedestrian and cyclist: drag its "
                      "footprint in the top view (T), then fit its height in the side view (S). "
                      "The box should hold all of the object's points and nothing of the road.",
        "fields": [{"name": "scan", "type": "point_cloud"}],
        "questions": [{"name": "objects", "type": "cuboid", "field": "scan",
                       "labels": ["car", "pedestrian", "cyclist"], "required": True}],
        "distribution": {"overlap": 2},
    }),
    "video-tracks": ("videos.jsonl", {
        "guidelines": "Track the red square: draw its box on the first frame, step on with "
                      ". (Shift+. ten frames) and drag the box where it is to add a keyframe; "
                      "the frames in between are interpolated (dashed). Mark the frames where "
                      "the white square moves.",
        "fields": [{"name": "clip", "type": "video", "fps": 25}],
        "questions": [
            {"name": "objects", "type": "video_track", "field": "clip",
             "labels": ["red square", "white square"], "required": True},
            {"name": "motion", "type": "video_frame_label", "field": "clip",
             "labels": ["moving", "still"]},
        ],
        "distribution": {"overlap": 2},
    }),
}


def build_demo(engine: Engine) -> dict[str, int]:
    """Create the demo users and datasets (idempotent); return records per dataset."""
    with write_scope(engine) as session:
        users = []
        for name, role in DEMO_USERS:
            try:
                users.append(get_user(session, name))
            except NotFound:
                users.append(create_user(session, name, role, DEMO_PASSWORD))
        existing = {ds.name for ds in list_datasets(session)}
        for name, (_, settings) in DEMO_DATASETS.items():
            if name not in existing:
                ds = create_dataset(session, name, parse_settings(settings))
                for user in users:
                    add_member(session, ds, user)
    counts = {}
    for name, (filename, _) in DEMO_DATASETS.items():
        summary = import_file(engine, name, DATA / filename, ImportOptions())
        counts[name] = summary.inserted + summary.updated
    return counts
