// The dataset-health report (GET /report): warnings, coverage, label distribution per slice
// with chi-square tests, agreement per slice, annotator groups and suggestion agreement.
// Every value from the data (labels, slice values, group names) goes through textContent.

import { api, enc } from "../api.js";
import { h, replace, fmtNumber } from "../dom.js";
import { emptyChart, horizontalBars, stackedColumns } from "../charts.js";
import { notify, pageInfo } from "../shell.js";

const { dataset } = pageInfo();
const base = `/datasets/${enc(dataset)}`;
const $ = (id) => document.getElementById(id);
const num = (v, d = 3) => (v === null || v === undefined ? "–" : fmtNumber(v, d));
const pct = (n, total) => (total ? `${fmtNumber((100 * n) / total, 1)} %` : "–");
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

const chart = (node) => h("div", { class: "chart" }, node);

function stat(label, value) {
  return h("div", { class: "stat" }, h("div", { class: "value", text: value }), h("div", { class: "label", text: label }));
}

function table(head, rows, numeric = []) {
  return h("table", { class: "data" },
    h("thead", {}, h("tr", {}, head.map((t, i) => h("th", { class: numeric.includes(i) ? "num" : "", text: t })))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => h("td", { class: numeric.includes(i) ? "num" : "", text: c }))))));
}

function chiText(chi, what) {
  if (!chi) return h("p", { class: "muted small", text: `Chi-square (${what}): not testable (fewer than two non-empty rows or columns).` });
  const verdict = chi.significant ? "significant after Bonferroni" : "not significant";
  return h("p", { class: chi.significant ? "small chi significant" : "muted small chi",
    text: `Chi-square (${what}): χ² = ${num(chi.chi2, 2)}, dof = ${chi.dof}, p = ${chi.p_value.toPrecision(3)}, Cramér's V = ${num(chi.cramers_v)}, n = ${fmtNumber(chi.n)}: ${verdict}.${chi.sparse ? " Small expected counts: the p-value is approximate." : ""}` });
}

function renderCoverage(report) {
  const keys = Object.keys(report.coverage);
  replace($("coverage"), keys.length
    ? keys.map((key) => h("div", {}, h("h3", { text: key }),
      table([key, "records", "answered records", "responses", "annotators", "gaps"],
        report.coverage[key].map((r) => [r.value, fmtNumber(r.records), fmtNumber(r.answered), fmtNumber(r.responses), fmtNumber(r.annotators), r.gaps.map((g) => g.replaceAll("_", " ")).join(", ") || "–"]),
        [1, 2, 3, 4])))
    : emptyChart("No slices: name metadata keys above."));
}

function sliceSection(part, key, s) {
  const buckets = s.rows.map((r) => r.value);
  return h("section", { class: "slice" },
    h("h4", { text: `By ${key}` }),
    h("div", { class: "chart-grid" },
      h("div", {}, h("p", { class: "muted small", text: "Records per slice value by majority label" }),
        chart(stackedColumns({ buckets, series: part.values.map((v, j) => ({ name: v, values: s.rows.map((r) => r.record_counts[j]) })) }, { yLabel: "records" }))),
      h("div", {}, h("p", { class: "muted small", text: "Krippendorff's alpha per slice value (below 0 drawn as 0)" }),
        chart(horizontalBars(s.rows.map((r) => ({ label: r.value, value: r.alpha, note: r.records ? "not defined" : "no record with 2+ answers" })), { domain: [0, 1], format: (v) => num(v, 2) })))),
    chiText(s.chi_square, `majority label x ${key}`));
}

function groupSection(part, attr, g) {
  return h("section", { class: "groups" },
    h("h4", { text: `Annotator groups by ${attr}` }),
    table(["group", "annotators", "answers", ...part.values, "alpha"],
      g.groups.map((r) => [r.value, fmtNumber(r.annotators), fmtNumber(r.answers), ...r.counts.map((n) => pct(n, r.answers)), num(r.alpha)]),
      [1, 2, ...part.values.map((_, j) => 3 + j), 3 + part.values.length]),
    chiText(g.chi_square, `answer label x ${attr}`),
    g.pairs.length ? h("div", {}, h("p", { class: "muted small", text: "Share of matching answer pairs on the same records, within and between groups" }),
      chart(horizontalBars(g.pairs.map(([a, b, v, n]) => ({ label: a === b ? `within ${a}` : `${a} vs ${b}`, value: v, note: `${n} pairs` })), { domain: [0, 1], format: (v) => num(v, 2) }))) : null);
}

function suggestionSection(part, agent) {
  const s = part.suggestions;
  if (!s) return h("p", { class: "muted small", text: "No model suggestions on the answered records." });
  return h("section", { class: "suggestions" },
    h("h4", { text: `Suggestions${agent ? ` (${agent})` : ""} vs annotators` }),
    h("p", { class: "small", text: `Answers matching the suggestion: ${num(s.overall.answer_match)}; records whose majority matches it: ${num(s.overall.majority_match)} (${fmtNumber(s.overall.records)} records).` }),
    Object.entries(s.slices).map(([key, bySlice]) => h("div", {},
      h("p", { class: "muted small", text: `Share of records whose majority matches the suggestion, per ${key}` }),
      chart(horizontalBars(bySlice.slices.map((r) => ({ label: r.value, value: r.majority_match, note: "no majority" })), { domain: [0, 1], format: (v) => num(v, 2) })),
      chiText(bySlice.chi_square, `suggestion matches majority x ${key}`))));
}

function renderPart(q, part) {
  const d = part.distribution;
  const total = sum(d.answers);
  return h("div", { class: "part" },
    part.label !== null ? h("h3", { text: `Label ${part.label} (chosen or not)` }) : null,
    h("p", { class: "small", text: `Krippendorff's alpha (${q.level}): ${num(part.agreement.alpha)} over ${fmtNumber(part.agreement.records)} records with two or more answers; ${fmtNumber(d.ties)} records tie.` }),
    h("p", { class: "muted small", text: "Share of answers per label" }),
    chart(horizontalBars(part.values.map((v, j) => ({ label: v, value: total ? d.answers[j] / total : null })), { domain: [0, 1], format: (v) => `${fmtNumber(v * 100, 1)} %` })),
    Object.entries(part.slices).map(([key, s]) => sliceSection(part, key, s)),
    Object.entries(part.groups).map(([attr, g]) => groupSection(part, attr, g)),
    suggestionSection(part, q.agent));
}

function renderQuestions(report) {
  replace($("questions"), report.questions.map((q) => h("section", { class: "card question-report", dataset: { question: q.name } },
    h("h2", { text: `${q.name} (${q.type})` }),
    h("p", { class: "muted small", text: `${fmtNumber(q.answers)} answers to ${fmtNumber(q.records_answered)} records.` }),
    q.parts.map((part) => renderPart(q, part)))));
}

function render(report) {
  replace($("cards"), stat("records", fmtNumber(report.records)), stat("submitted responses", fmtNumber(report.responses)),
    stat("annotators", fmtNumber(report.annotators)), stat("warnings", fmtNumber(report.warnings.length)),
    stat("chi-square tests", fmtNumber(report.tests)));
  replace($("warnings"), report.warnings.length
    ? h("ul", { class: "warnings" }, report.warnings.map((w) => h("li", { class: `warning ${w.kind}`, text: w.message })))
    : h("p", { class: "muted", text: "No warnings." }));
  renderCoverage(report);
  renderQuestions(report);
  replace($("skipped"), report.skipped_questions.length
    ? h("ul", {}, report.skipped_questions.map((s) => h("li", { text: `${s.question}: ${s.reason}` })))
    : h("p", { class: "muted", text: "None." }));
  $("report-info").textContent = `slices: ${report.slices.join(", ") || "none"}; groups: ${report.groups.join(", ") || "none"}`;
}

function query() {
  const params = new URLSearchParams();
  const list = (id) => $(id).value.split(",").map((s) => s.trim()).filter(Boolean);
  list("slices").forEach((k) => params.append("slice", k));
  list("groups").forEach((k) => params.append("group_by", k));
  params.set("min_records", $("min-records").value || "30");
  return params;
}

async function load() {
  const params = query();
  $("report-info").textContent = "computing…";
  try {
    render(await api("GET", `${base}/report?${params}`));
    params.set("format", "markdown");
    $("download-md").setAttribute("href", `/api/v1${base}/report?${params}`);
  } catch (err) {
    $("report-info").textContent = "";
    notify(err.message, "error");
  }
}

$("report-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
load();
