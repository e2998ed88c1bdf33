"""The dataset-health report as markdown (for people) and JSON (for programs).

Every value that comes from the data (labels, slice values, group names) is
escaped, so a label such as ``<b>|x`` shows as text in any markdown viewer and
cannot break a table.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

__all__ = ["render_json", "render_markdown", "md_text"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")

_HOW_TO_READ = """\
How to read this report:

- **answers** count every submitted answer; **records** give each record one
  label, its majority vote (records whose vote ties are counted as *ties*).
- **alpha** is Krippendorff's alpha over the records with two or more answers
  (nominal for labels, ordinal for ratings): 1 is perfect agreement, 0 is what
  chance gives, below 0 is systematic disagreement; about 0.8 and above is
  commonly taken as reliable, below 0.667 as too unreliable to draw conclusions.
- **chi-square** tests whether the majority label is independent of a slice
  (or of an annotator group). A small p-value says it is not; **Cramér's V**
  says how strongly (0 none, 0.1 weak, 0.3 moderate, 0.5 strong). A test is
  *significant* when p is below the level divided by the number of tests in
  this report (Bonferroni), so reading many tables does not create false alarms.
"""


def md_text(value: Any) -> str:
    """Data as inert markdown text: special characters escaped, one line.

    Examples
    --------
    >>> md_text("<b>a|b</b>")
    '\\\\<b\\\\>a\\\\|b\\\\</b\\\\>'
    """
    text = " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", text)


def _num(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return f"{v:,}"


def _pct(n: float, total: float) -> str:
    return f"{100 * n / total:.1f} %" if total else "–"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + [""]


def _chi(chi: dict[str, Any] | None, what: str) -> str:
    if not chi:
        return f"Chi-square ({what}): not testable (fewer than two non-empty rows or columns)."
    verdict = "**significant**" if chi.get("significant") else "not significant"
    note = " Expected counts are small, so the p-value is approximate." if chi["sparse"] else ""
    return (f"Chi-square ({what}): χ² = {chi['chi2']:.2f}, dof = {chi['dof']}, "
            f"p = {chi['p_value']:.3g}, Cramér's V = {chi['cramers_v']:.3f}, n = {chi['n']:,}: "
            f"{verdict}.{note}")


def _distribution(part: dict[str, Any]) -> list[str]:
    dist = part["distribution"]
    total, rec_total = sum(dist["answers"]), sum(dist["records"])
    rows = [[md_text(v), _num(a), _pct(a, total), _num(r), _pct(r, rec_total)]
            for v, a, r in zip(part["values"], dist["answers"], dist["records"])]
    return (["Label distribution:", ""] +
            _table(["value", "answers", "share", "records (majority)", "share"], rows) +
            [f"Records whose majority vote ties: {dist['ties']:,}.", ""])


def _slices(part: dict[str, Any]) -> list[str]:
    out: list[str] = []
    values = part["values"]
    for key, s in part["slices"].items():
        rows = []
        for row in s["rows"]:
            total = sum(row["record_counts"])
            rows.append([md_text(row["value"]), _num(total)] +
                        [_pct(n, total) for n in row["record_counts"]] +
                        [_num(row["alpha"]), _num(row["records"])])
        out += [f"By slice **{md_text(key)}** (shares of records by majority label; alpha per "
                "slice with the records it rests on):", ""]
        out += _table([md_text(key), "records with a majority"] + [md_text(v) for v in values] +
                      ["alpha", "records with 2+ answers"], rows)
        out += [_chi(s["chi_square"], f"majority label x {md_text(key)}"), ""]
    return out


def _groups(part: dict[str, Any]) -> list[str]:
    out: list[str] = []
    values = part["values"]
    for attr, g in part["groups"].items():
        rows = [[md_text(row["value"]), _num(row["annotators"]), _num(row["answers"])] +
                [_pct(n, row["answers"]) for n in row["counts"]] + [_num(row["alpha"])]
                for row in g["groups"]]
        out += [f"Annotator groups by **{md_text(attr)}** (shares of answers; alpha within the "
                "group):", ""]
        out += _table(["group", "annotators", "answers"] + [md_text(v) for v in values] +
                      ["alpha"], rows)
        out += [_chi(g["chi_square"], f"answer label x {md_text(attr)}"), ""]
        if g["pairs"]:
            out += ["Agreement between groups on the same records (share of matching answer "
                    "pairs; compare across with within):", ""]
            out += _table(["group a", "group b", "agreement", "pairs"],
                          [[md_text(a), md_text(b), f"{v:.3f}", _num(n)]
                           for a, b, v, n in g["pairs"]])
    return out


def _suggestions(part: dict[str, Any], agent: str | None) -> list[str]:
    sugg = part["suggestions"]
    if not sugg:
        return ["Suggestions: none of the answered records has a model suggestion.", ""]
    overall = sugg["overall"]
    numeric = "mean_abs_diff" in overall
    who = f" (**{md_text(agent)}**)" if agent else ""
    out = [f"Suggestions{who} vs annotators: answers matching the suggestion "
           f"{_num(overall['answer_match'])}, records whose majority matches it "
           f"{_num(overall['majority_match'])} ({overall['records']:,} records).", ""]
    for key, s in sugg["slices"].items():
        head = [md_text(key), "records", "answer match", "majority match"]
        head += ["mean abs diff"] if numeric else []
        rows = [[md_text(r["value"]), _num(r["records"]), _num(r["answer_match"]),
                 _num(r["majority_match"])] + ([_num(r["mean_abs_diff"])] if numeric else [])
                for r in s["slices"]]
        out += _table(head, rows)
        out += [_chi(s["chi_square"], f"suggestion matches majority x {md_text(key)}"), ""]
    return out


def _question(q: dict[str, Any]) -> list[str]:
    out = [f"## Question **{md_text(q['name'])}** ({q['type']})", "",
           f"{q['answers']:,} answers to {q['records_answered']:,} records; agreement measured "
           f"at the {q['level']} level.", ""]
    for part in q["parts"]:
        if part["label"] is not None:
            out += [f"### Label **{md_text(part['label'])}** (chosen or not)", ""]
        a = part["agreement"]
        out += [f"Krippendorff's alpha: {_num(a['alpha'])} over {a['records']:,} records with "
                "two or more answers.", ""]
        out += _distribution(part) + _slices(part) + _groups(part)
        out += _suggestions(part, q.get("agent"))
    return out


def _pii(pii: dict[str, Any] | None) -> list[str]:
    if not pii or not pii["found"]:
        return []
    out = ["## PII findings", "",
           f"{pii['found']:,} findings on {pii['records']:,} records (prep's PII step); "
           f"{pii['records_confirmed']:,} records have a confirmed one.", ""]
    rows = [[md_text(e), _num(c["found"]), _num(c["confirmed"]), _num(c["dismissed"]),
             _num(c["open"])] for e, c in pii["by_entity"].items()]
    rows.append(["**all**", _num(pii["found"]), _num(pii["confirmed"]), _num(pii["dismissed"]),
                 _num(pii["open"])])
    return out + _table(["entity", "found", "confirmed", "dismissed", "open"], rows)


def render_markdown(report: dict[str, Any]) -> str:
    """The report as a markdown document: overview, warnings, coverage, one section per
    question, skipped questions."""
    out = [f"# Dataset health: **{md_text(report['dataset'])}**", ""]
    out += _table(["records", "submitted responses", "annotators", "slices", "annotator groups"],
                  [[_num(report["records"]), _num(report["responses"]),
                    _num(report["annotators"]),
                    ", ".join(md_text(s) for s in report["slices"]) or "none",
                    ", ".join(md_text(g) for g in report["groups"]) or "none"]])
    out += [_HOW_TO_READ, f"Chi-square tests in this report: {report['tests']}; significant "
            f"below p = {report['bonferroni_threshold']:.3g} "
            f"({report['options']['significance']} / {max(1, report['tests'])}).", ""]
    out += [f"## Warnings ({len(report['warnings'])})", ""]
    out += [f"- {md_text(w['message'])}" for w in report["warnings"]] or ["No warnings."]
    out += ["", "## Coverage", "",
            f"A slice value is a gap with fewer than {report['options']['min_records']} records "
            f"or {report['options']['min_annotators']} distinct annotators.", ""]
    for key, rows in report["coverage"].items():
        out += _table([md_text(key), "records", "answered records", "responses", "annotators",
                       "gaps"], [[md_text(r["value"]), _num(r["records"]), _num(r["answered"]),
                                  _num(r["responses"]), _num(r["annotators"]),
                                  ", ".join(g.replace("_", " ") for g in r["gaps"]) or "–"]
                                 for r in rows])
    if not report["coverage"]:
        out += ["No slices: pass metadata keys with --slice.", ""]
    out += _pii(report.get("pii"))
    for q in report["questions"]:
        out += _question(q)
    out += ["## Skipped questions", ""]
    out += [f"- **{md_text(s['question'])}**: {md_text(s['reason'])}"
            for s in report["skipped_questions"]] or ["None."]
    return "\n".join(out).rstrip() + "\n"


def render_json(report: dict[str, Any]) -> bytes:
    """The report as indented JSON (UTF-8)."""
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n"
