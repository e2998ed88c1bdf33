// The dashboard: progress, throughput per annotator, median time, gold accuracy, review
// corrections (GET /stats) and agreement per question (GET /quality). The metrics' names and
// the consensus methods come from GET /meta.

import { api, enc } from "../api.js";
import { h, replace, fmtNumber, fmtSeconds } from "../dom.js";
import { emptyChart, horizontalBars, stackedColumns } from "../charts.js";
import { loadMeta, questionType } from "../meta.js";
import { attachCsv, csvButton, renderChanges, renderDistributions } from "../dashboard_tables.js";
import { notify, pageInfo } from "../shell.js";

const { dataset, role } = pageInfo();
const base = `/datasets/${enc(dataset)}`;
const $ = (id) => document.getElementById(id);
const pct = (v) => (v === null || v === undefined ? "–" : `${fmtNumber(v * 100, 0)} %`);

function stat(label, value, extra = null) {
  return h("div", { class: "stat" }, h("div", { class: "value", text: value }), h("div", { class: "label", text: label }), extra);
}

function bucketLabel(iso, bucket) {
  const d = new Date(iso);
  return bucket === "day"
    ? d.toLocaleDateString(undefined, { month: "short", day: "numeric" })
    : d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit" });
}

function renderStats(s, bucket) {
  replace($("cards"),
    stat("progress", pct(s.progress), h("progress", { max: 1, value: Math.min(1, s.progress), "aria-label": "progress" })),
    stat("records completed", `${fmtNumber(s.completed)} / ${fmtNumber(s.records - s.gold)}`),
    stat("submitted responses", fmtNumber(s.submitted_responses)),
    stat("responses still needed", fmtNumber(s.remaining_responses)),
    stat("median time per record", fmtSeconds(s.median_seconds)),
    stat("responses in the last hour", fmtNumber(s.responses_last_hour)),
    stat("estimated time to finish", s.completion_estimate_seconds === null ? "–" : fmtSeconds(s.completion_estimate_seconds)),
    stat("gold records", fmtNumber(s.gold)));

  const people = s.annotators;
  const keys = [...new Set(people.flatMap((a) => Object.keys(a.throughput)))].sort();
  replace($("throughput-chart"), keys.length
    ? stackedColumns({ buckets: keys.map((k) => bucketLabel(k, bucket)), series: people.map((a) => ({ name: a.user, values: keys.map((k) => a.throughput[k] || 0) })) },
      { yLabel: `submitted responses per ${bucket}` })
    : emptyChart("No submitted responses yet."));
  replace($("time-chart"), people.length
    ? horizontalBars(people.map((a) => ({ label: a.user, value: a.median_seconds })), { format: (v) => fmtSeconds(v) })
    : emptyChart("No responses yet."));
  replace($("quality-chart"), people.length
    ? horizontalBars(people.map((a) => ({ label: a.user, values: [a.gold_accuracy, a.correction_rate], note: "–" })),
      { domain: [0, 1], format: pct, names: ["gold accuracy", "review correction rate"] })
    : emptyChart("No responses yet."));
  replace($("annotator-table"), h("table", { class: "data" },
    h("thead", {}, h("tr", {}, ["annotator", "submitted", "drafts", "skipped", "median time", "gold accuracy", "reviewed", "correction rate"]
      .map((t, i) => h("th", { class: i ? "num" : "", text: t })))),
    h("tbody", {}, people.map((a) => h("tr", {},
      h("td", { text: a.user }), h("td", { class: "num", text: fmtNumber(a.submitted) }), h("td", { class: "num", text: fmtNumber(a.drafts) }),
      h("td", { class: "num", text: fmtNumber(a.discarded) }), h("td", { class: "num", text: fmtSeconds(a.median_seconds) }),
      h("td", { class: "num", text: a.gold_answered ? `${pct(a.gold_accuracy)} of ${a.gold_answered}` : "–" }),
      h("td", { class: "num", text: fmtNumber(a.reviewed) }), h("td", { class: "num", text: pct(a.correction_rate) }))))));
}

// Spam and low-effort checks of GET /quality: agreement with the consensus, the spammer score
// of each annotator's confusion matrix (0: answers independent of the truth) and the reasons.
function renderChecks(q) {
  const people = q.annotators || [];
  replace($("annotator-checks"), people.length
    ? h("table", { class: "data" },
      h("thead", {}, h("tr", {}, ["annotator", "labels", "agreement with consensus", "spammer score", "flags"]
        .map((t, i) => h("th", { class: i && i < 4 ? "num" : "", text: t })))),
      h("tbody", {}, people.map((a) => h("tr", { class: a.flags.length ? "flagged" : "" },
        h("td", { text: a.user }), h("td", { class: "num", text: fmtNumber(a.labels) }),
        h("td", { class: "num", text: pct(a.agreement) }),
        h("td", { class: "num", text: a.spammer_score === null || a.spammer_score === undefined ? "–" : fmtNumber(a.spammer_score, 2) }),
        h("td", { text: a.flags.length ? a.flags.join("; ") : "–" })))))
    : emptyChart("No answers to check yet."));
}

/** The metric a question's agreement is measured with: what /quality says, else its type's. */
function metricOf(a, meta) {
  const t = questionType(meta, a.type);
  const metric = a.metric || (t && t.agreement.metric);
  if (!metric) return null;
  const level = a.level || (t && t.agreement.metric === metric ? t.agreement.level : null);
  return level ? `${metric}, ${level}` : metric;
}

function renderAgreement(q, meta) {
  const entries = Object.entries(q.agreement || {});
  const metrics = entries.map(([name, a]) => [name, metricOf(a, meta)]);
  const rows = entries.map(([name, a], i) => ({
    label: name,
    value: a.value,
    note: a.value === null ? (!metrics[i][1] ? `not measured for ${a.type}` : a.records_with_2plus ? "not measured" : "needs 2+ responses per record") : null,
  }));
  const per = metrics.filter(([, m]) => m).map(([name, m]) => `${name}: ${m}`).join("; ");
  const used = new Set(metrics.map(([, m]) => m && m.split(",")[0]).filter(Boolean));
  const names = meta.agreement_metrics.filter((m) => used.has(m.name)).map((m) => `${m.name} is ${m.description}`).join("; ");
  replace($("agreement-chart"), rows.length
    ? h("div", {}, horizontalBars(rows, { domain: [0, 1], format: (v) => fmtNumber(v, 2) }),
      h("p", { class: "muted small", id: "agreement-legend", text: `Agreement per question (${per || "none measured"}); ${names ? `${names}; ` : ""}below 0 is drawn as 0, 1 is perfect agreement.` }))
    : emptyChart("No questions to measure."));
}

/** CSV downloads of the annotator tables, from the same rows they show. */
function annotatorCsv(stats, quality) {
  attachCsv($("annotator-table"), csvButton("annotators-csv", `${dataset}-annotators.csv`,
    ["annotator", "submitted", "drafts", "skipped", "median_seconds", "gold_accuracy", "gold_answered", "reviewed", "correction_rate"],
    () => stats.annotators.map((a) => [a.user, a.submitted, a.drafts, a.discarded, a.median_seconds, a.gold_accuracy, a.gold_answered, a.reviewed, a.correction_rate])));
  attachCsv($("annotator-checks"), csvButton("checks-csv", `${dataset}-annotator-checks.csv`,
    ["annotator", "labels", "agreement_with_consensus", "spammer_score", "flags"],
    () => (quality.annotators || []).map((a) => [a.user, a.labels, a.agreement, a.spammer_score, a.flags.join("; ")])));
}

async function load() {
  const bucket = $("bucket").value;
  try {
    const [stats, quality, meta, board] = await Promise.all([api("GET", `${base}/stats?bucket=${bucket}`), api("GET", `${base}/quality`), loadMeta(), api("GET", `${base}/dashboard`)]);
    renderStats(stats, bucket);
    renderAgreement(quality, meta);
    renderChecks(quality);
    renderChanges($("changes"), board.changes, dataset);
    renderDistributions($("distributions"), board.distributions, dataset);
    annotatorCsv(stats, quality);
  } catch (err) {
    notify(err.message, "error");
  }
}

$("bucket").addEventListener("change", load);
/** The classification methods (what POST /quality/aggregate runs) and their default. */
function consensusChoice(meta) {
  const methods = meta.aggregation_methods.filter((m) => m.kind === "classification");
  const names = methods.map((m) => m.name);
  const owner = meta.question_types.find((t) => names.includes(t.consensus.default));
  return { methods, fallback: owner ? owner.consensus.default : names[0] };
}

async function addConsensusButton() {
  const { methods, fallback } = consensusChoice(await loadMeta());
  const method = h("select", { id: "aggregate-method", "aria-label": "consensus method" },
    methods.map((m) => h("option", { value: m.name, text: `${m.name}: ${m.description}`, selected: m.name === fallback })));
  const button = h("button", { type: "button", class: "secondary", id: "aggregate" }, "Compute consensus");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const out = await api("POST", `${base}/quality/aggregate`, { method: method.value });
      notify(`Consensus computed: ${Object.entries(out).map(([k, v]) => `${k} ${v}`).join(", ") || "nothing to aggregate"}`, "ok");
      await load();
    } catch (err) {
      notify(err.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  document.querySelector(".page-head").append(method, button);
}

if (role === "admin") addConsensusButton().catch((err) => notify(err.message, "error"));
load();
