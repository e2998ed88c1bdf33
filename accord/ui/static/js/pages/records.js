// The record browser: find a dataset's records (full-text search, status, gold, annotator,
// metadata, answers, per-record agreement, suggestion score, sort) through the keyset
// GET /records, "More like this" through GET /records/similar, and bulk actions (admins)
// through POST /records/bulk. Record text reaches the page as text nodes only.

import { api, enc } from "../api.js";
import { h, replace, fmtNumber } from "../dom.js";
import { clearError, confirmBox, notify, pageInfo } from "../shell.js";

const { dataset, role } = pageInfo();
const base = `/datasets/${enc(dataset)}`;
const $ = (id) => document.getElementById(id);
const isAdmin = role === "admin";
const PAGE = 50;

let cursor = null; // next_cursor of the last page, or null when there is none
let shown = []; // records in the table
const selected = new Set();

/** The first text of a record's fields, cut to `max` characters, for one table cell. */
export function preview(fields, max = 160) {
  for (const value of Object.values(fields || {})) {
    let text = null;
    if (typeof value === "string") text = value;
    else if (Array.isArray(value) && value.length && value[0] && typeof value[0].content === "string") text = value.map((m) => m.content).join(" / ");
    if (text) return text.length > max ? `${text.slice(0, max)}…` : text;
  }
  const raw = JSON.stringify(fields || {});
  return raw.length > max ? `${raw.slice(0, max)}…` : raw;
}

/** Query parameters of the filter form (only those filled in). */
function filterParams() {
  const p = new URLSearchParams();
  const set = (key, value) => { if (value !== "" && value !== null && value !== undefined) p.set(key, value); };
  set("q", $("f-q").value.trim());
  set("status", $("f-status").value);
  set("gold", $("f-gold").value);
  set("annotator", $("f-annotator").value.trim());
  set("min_agreement", $("f-agree-min").value);
  set("max_agreement", $("f-agree-max").value);
  set("min_score", $("f-score-min").value);
  set("max_score", $("f-score-max").value);
  set("sort", $("f-sort").value);
  for (const [input, prefix, what] of [["f-meta", "metadata.", "metadata"], ["f-answer", "response.", "answer"]]) {
    const raw = $(input).value.trim();
    if (!raw) continue;
    const at = raw.indexOf("=");
    if (at < 1) throw new Error(`${what} filter: write key=value, got ${JSON.stringify(raw)}`);
    p.set(prefix + raw.slice(0, at).trim(), raw.slice(at + 1).trim());
  }
  return p;
}

function responsesCell(rec) {
  const subs = (rec.responses || []).filter((r) => r.status === "submitted");
  return h("td", { class: "num", text: fmtNumber(subs.length), title: subs.map((r) => r.user).join(", ") });
}

function similarButton(rec) {
  return h("button", { type: "button", class: "link more-like", dataset: { record: rec.id },
    onclick: () => showSimilar({ record: rec.id }, `record ${rec.external_id}`) }, "More like this");
}

function recordRow(rec, { score = null, selectable = true } = {}) {
  const box = selectable && isAdmin ? h("input", { type: "checkbox", "aria-label": `select record ${rec.external_id}`, checked: selected.has(rec.id) }) : null;
  if (box) box.addEventListener("change", () => { if (box.checked) selected.add(rec.id); else selected.delete(rec.id); renderBulk(); });
  return h("tr", { dataset: { record: rec.id } },
    isAdmin && selectable ? h("td", {}, box) : null,
    score === null ? null : h("td", { class: "num score", text: fmtNumber(score, 3) }),
    h("td", { class: "ext-id", text: rec.external_id }),
    h("td", { class: "preview", text: preview(rec.fields) }),
    h("td", { text: rec.status + (rec.is_gold ? " · gold" : "") }),
    h("td", { class: "num", text: fmtNumber(rec.priority, 2) }),
    responsesCell(rec),
    h("td", {}, similarButton(rec)));
}

function table(records, { scores = null, selectable = true } = {}) {
  const head = [isAdmin && selectable ? "" : null, scores ? "similarity" : null, "id", "text", "status", "priority", "responses", ""].filter((x) => x !== null);
  return h("table", { class: "data records-table" },
    h("thead", {}, h("tr", {}, head.map((t) => h("th", { text: t })))),
    h("tbody", {}, records.map((rec, i) => recordRow(rec, { score: scores ? scores[i] : null, selectable }))));
}

function renderTable() {
  replace($("record-table"), shown.length ? table(shown) : h("p", { class: "muted", text: "No records match." }));
  $("more").hidden = cursor === null;
  $("record-count").textContent = `${fmtNumber(shown.length)}${cursor === null ? "" : "+"} shown`;
  renderBulk();
}

async function loadPage(reset) {
  let params;
  try {
    params = filterParams();
  } catch (err) {
    notify(err.message, "error");
    return;
  }
  if (reset) {
    shown = [];
    cursor = null;
    selected.clear();
  }
  params.set("limit", PAGE);
  if (cursor !== null) params.set(params.get("sort") === "-id" ? "before" : "after", cursor);
  try {
    const page = await api("GET", `${base}/records?${params}`);
    shown = shown.concat(page.records);
    cursor = page.next_cursor;
    clearError(); // an error about the filters is gone once they work
    renderTable();
  } catch (err) {
    notify(err.message, "error");
  }
}

async function showSimilar(query, what) {
  const box = $("similar-results");
  replace(box, h("p", { class: "muted", text: `searching records like ${what}…` }));
  const params = new URLSearchParams({ k: 10 });
  if (query.record) params.set("record", query.record);
  else params.set("q", query.q);
  try {
    const out = await api("GET", `${base}/records/similar?${params}`);
    replace(box, h("p", { class: "muted small", id: "similar-caption", text: `${out.records.length} records most like ${what} (${out.index} search over the ${out.vector} vectors)` }),
      out.records.length ? h("div", { class: "table-scroll" }, table(out.records.map((x) => x.record), { scores: out.records.map((x) => x.score), selectable: false })) : null);
    box.scrollIntoView({ block: "nearest" });
  } catch (err) {
    replace(box, h("p", { class: "error-text", role: "alert", text: err.message }));
  }
}

function renderBulk() {
  const bar = $("bulk");
  if (!isAdmin) return;
  const n = selected.size;
  const all = h("button", { type: "button", class: "link", onclick: () => { shown.forEach((r) => selected.add(r.id)); renderTable(); } }, "select all shown");
  const priority = h("input", { type: "number", step: "any", id: "bulk-priority", class: "narrow", value: 1, "aria-label": "priority" });
  const comment = h("input", { type: "text", id: "bulk-comment", maxlength: 10000, placeholder: "why (optional)", "aria-label": "review note" });
  const act = (label, body, question, cls = "secondary") => h("button", { type: "button", class: cls, disabled: !n, dataset: { action: body().action },
    onclick: async () => {
      if (question && !(await confirmBox(question(), { ok: label }))) return;
      try {
        const out = await api("POST", `${base}/records/bulk`, { ids: [...selected], ...body() });
        const back = out.responses == null ? "" : `, ${fmtNumber(out.responses)} responses back in the review queue`;
        notify(`${label}: ${fmtNumber(out.records)} records${back}`, "ok");
        await loadPage(true);
      } catch (err) {
        notify(err.message, "error");
      }
    } }, label);
  replace(bar, h("span", { class: "muted small", id: "selected-count", text: `${fmtNumber(n)} selected` }), all,
    h("label", { class: "inline" }, "priority", priority),
    act("Set priority", () => ({ action: "priority", priority: Number(priority.value) })),
    act("Mark gold", () => ({ action: "gold" })),
    h("label", { class: "inline" }, "note", comment),
    act("Send to review", () => ({ action: "review", comment: comment.value.trim() || null }),
      () => `Send the reviewed responses of ${n} records back to the review queue?`),
    act("Delete", () => ({ action: "delete" }), () => `Delete ${n} records with their responses?`, "danger"));
}

$("record-filter").addEventListener("submit", (e) => {
  e.preventDefault();
  loadPage(true);
});
$("more").addEventListener("click", () => loadPage(false));
$("similar-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = $("similar-q").value.trim();
  if (q) showSimilar({ q }, JSON.stringify(q));
});

loadPage(true);
