"""The references are complete: every CLI command and option, every REST route is documented.

Like Datasette's tests/test_docs.py: adding a command, an option or a route
without a word in docs/ fails here.

- CLI: every command of the ``accord`` Typer app is named (``accord dataset
  create``) in docs/*.md, its group is in docs/cli.md's tables, and each of its
  options (by any of its names) appears in a page that names the command;
  ``--db`` is documented once for every command at the top of docs/cli.md.
- REST: every method and path of ``/openapi.json`` (under ``/api/v1``) is on
  one line of docs/api.md (``GET/POST /datasets/{name}/members``: path
  parameter names may differ).
- docs/reliability.md names the schema head that accord/store/migrations has.
"""

from __future__ import annotations

import re

import pytest
import typer

from accord.cli import app
from tests.docs.blocks import REPO

DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((REPO / "docs").glob("*.md"))}


def _commands(command, path=()):  # type: ignore[no-untyped-def]
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


CLI = dict(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize("path", sorted(CLI), ids=sorted(CLI))
def test_cli_command_and_options_documented(path: str) -> None:
    command = CLI[path]
    pages = {name: text for name, text in DOCS.items() if f"accord {path}" in text}
    assert pages, f"`accord {path}` is mentioned in no page of docs/"
    group = path.split()[0]
    assert f"accord {group}" in DOCS["cli.md"], f"`accord {group}` is missing from docs/cli.md"
    text = "\n".join(pages.values())
    missing = []
    for param in command.params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        names = [*param.opts, *param.secondary_opts]
        if "--help" in names or "--db" in names:
            continue
        if not any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text) for n in names):
            missing.append("/".join(names))
    assert not missing, (f"`accord {path}`: options {missing} are documented in none of "
                         f"{sorted(pages)}")


def test_db_option_documented_for_every_command() -> None:
    assert "Every command takes `--db URL`" in DOCS["cli.md"]


def _normalize(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _routes() -> list[tuple[str, str]]:
    from accord.server.app import create_app
    from accord.store import make_engine

    engine = make_engine("sqlite://")
    try:
        spec = create_app(engine).openapi()
    finally:
        engine.dispose()
    return sorted((method.upper(), path.removeprefix("/api/v1"))
                  for path, ops in spec["paths"].items() for method in ops)


ROUTES = _routes()


@pytest.mark.parametrize("method,path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_rest_route_documented(method: str, path: str) -> None:
    wanted = re.compile(rf"(?<![\w/{{}}.-]){re.escape(_normalize(path))}(?![\w/{{}}-])")
    method_word = re.compile(rf"(?<![A-Z]){method}(?![A-Z])")
    lines = [ln for ln in _normalize(DOCS["api.md"]).splitlines() if wanted.search(ln)]
    assert lines, f"{method} {path} is not in docs/api.md"
    assert any(method_word.search(ln) for ln in lines), (
        f"docs/api.md names {path} but never with {method}: {lines}")


def test_reliability_names_the_schema_head() -> None:
    versions = REPO / "accord" / "store" / "migrations" / "versions"
    heads = sorted(int(m.group(1)) for p in versions.glob("*.py")
                   if (m := re.match(r"(\d{4})_", p.name)))
    head = f"{heads[-1]:04d}"
    named = re.findall(r"head \((\d{4}) today\)", DOCS["reliability.md"])
    assert named == [head], (f"docs/reliability.md names head {named}, "
                             f"the migrations' head is {head}")


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    seen: dict[str, int] = {}
    anchors = set()
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if in_code or not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links() -> list[tuple[str, str]]:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return [(p.relative_to(REPO).as_posix(), m.group(1)) for p in pages
            for m in re.finditer(r"\]\(([^)\s]+)\)", p.read_text(encoding="utf-8"))
            if not re.match(r"[a-z]+:", m.group(1))]


LINKS = _links()


@pytest.mark.parametrize("page,link", LINKS, ids=[f"{p}->{t}" for p, t in LINKS])
def test_relative_links_resolve(page: str, link: str) -> None:
    """Links between the pages point at files that exist and at headings they have."""
    target, _, anchor = link.partition("#")
    path = (REPO / page).parent / target if target else REPO / page
    assert path.exists(), f"{page}: link to {link}: {target} does not exist"
    if anchor and path.suffix == ".md":
        assert anchor in _anchors(path.read_text(encoding="utf-8")), (
            f"{page}: link to {link}: {path.name} has no heading #{anchor}")
