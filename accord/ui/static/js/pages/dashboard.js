// The dashboard: progress, throughput per annotator, median time, gold accuracy, review
// corrections (GET /stats) and agreement per question (GET /quality).

import { api, enc } from "../api.js";
import { h, replace, fmtNumber, fmtSeconds } from "../dom.js";
import { emptyChart, horizontalBars, stackedColumns } from "../charts.js";
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

function renderAgreement(q) {
  const rows = Object.entries(q.agreement || {}).map(([name, a]) => ({
    label: name,
    value: a.value,
    note: a.value === null ? (a.records_with_2plus ? `not measured for ${a.type}` : "needs 2+ responses per record") : null,
  }));
  replace($("agreement-chart"), rows.length
    ? h("div", {}, horizontalBars(rows, { domain: [0, 1], format: (v) => fmtNumber(v, 2) }),
      h("p", { class: "muted small", text: `${Object.values(q.agreement)[0]?.metric || "Krippendorff's alpha"} per question (below 0 is drawn as 0; 1 is perfect agreement).` }))
    : emptyChart("No questions to measure."));
}

async function load() {
  const bucket = $("bucket").value;
  try {
    const [stats, quality] = await Promise.all([api("GET", `${base}/stats?bucket=${bucket}`), api("GET", `${base}/quality`)]);
    renderStats(stats, bucket);
    renderAgreement(quality);
  } catch (err) {
    notify(err.message, "error");
  }
}

$("bucket").addEventListener("change", load);
if (role === "admin") {
  const button = h("button", { type: "button", class: "secondary", id: "aggregate" }, "Compute consensus");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const out = await api("POST", `${base}/quality/aggregate`, {});
      notify(`Consensus computed: ${Object.entries(out).map(([k, v]) => `${k} ${v}`).join(", ") || "nothing to aggregate"}`, "ok");
      await load();
    } catch (err) {
      notify(err.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  document.querySelector(".page-head").append(button);
}
load();
