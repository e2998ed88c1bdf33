"""The demo: real sample datasets shipped with accord, loaded into a fresh database."""

from accord.demo.build import DEMO_DATASETS, DEMO_MEDIA, DEMO_PASSWORD, build_demo

__all__ = ["DEMO_DATASETS", "DEMO_MEDIA", "DEMO_PASSWORD", "build_demo"]
