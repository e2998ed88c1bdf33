"""One environment per Markdown page, shared by that page's blocks (see page.py)."""

from __future__ import annotations

import pytest

from tests.docs.blocks import all_blocks
from tests.docs.page import DOC_URL, PageEnv


class _Pages:
    """Keeps the current page's environment; the next page's first block closes it."""

    def __init__(self, factory) -> None:  # type: ignore[no-untyped-def]
        self.factory = factory
        self.current: PageEnv | None = None
        self.broken: dict[str, str] = {}

    def get(self, page: str) -> PageEnv:
        if self.current is not None and self.current.page != page:
            self.current.close()
            self.current = None
        if self.current is None:
            env = PageEnv(page, self.factory.mktemp(page.replace("/", "-").replace(".", "-")))
            self.current = env
            if any(DOC_URL in b.code for b in all_blocks() if b.page == page):
                env.start_server()
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None


@pytest.fixture(scope="session")
def doc_pages(tmp_path_factory):  # type: ignore[no-untyped-def]
    pages = _Pages(tmp_path_factory)
    yield pages
    pages.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """List the documentation blocks the test does not run, with their reasons."""
    if not any("tests/docs" in str(a) or a.endswith("docs") for a in config.args):
        return
    skipped = [b for b in all_blocks() if b.kind == "skip"]
    terminalreporter.write_sep("-", f"{len(skipped)} documentation blocks not run")
    for b in skipped:
        terminalreporter.write_line(f"{b.page}:{b.line}: {b.skip}")
