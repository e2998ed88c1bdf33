// The review page: every annotator's response to a record side by side, disagreements
// highlighted; accept, reject with a reason, or fix a response.

import { api, enc } from "../api.js";
import { h, replace, fmtSeconds } from "../dom.js";
import { renderField } from "../fields.js";
import { ResponseForm } from "../form.js";
import { loadMeta } from "../meta.js";
import { createWidget, loadWidgets } from "../questions/index.js";
import { slicePoints } from "../questions/tokens.js";
import { confirmBox, notify, pageInfo } from "../shell.js";
import { formatValue, labelText, sameValue } from "../values.js";

const { dataset } = pageInfo();
const base = `/datasets/${enc(dataset)}`;
const $ = (id) => document.getElementById(id);

let widgetsReady = Promise.resolve(); // the question widgets' modules (see init)
let settings = null;
let record = null;
let cursor = 0; // response-id cursor of the review queues
let list = []; // entries of the list-based queues (low confidence, gold failures)
let listAt = -1;

function queue() {
  return { kind: $("queue").value, annotator: $("annotator").value };
}

function cell(question, value) {
  if (value === null || value === undefined) return h("span", { class: "muted", text: "—" });
  if (question.type === "span" && Array.isArray(value)) {
    const text = record.fields[question.field];
    const colour = (label) => `lab-${Math.max(0, Object.keys(question.labels).indexOf(label)) % 8}`;
    return value.length ? h("ul", { class: "span-list" }, value.map((s) => h("li", { class: "span-item" },
      h("span", { class: `chip ${colour(s.label)}`, text: labelText(question, s.label) }),
      h("span", { class: "span-quote", text: typeof text === "string" ? slicePoints(text, s.start, s.end) : `${s.start}–${s.end}` }))))
      : h("span", { class: "muted", text: "(no spans)" });
  }
  return document.createTextNode(formatValue(question, value));
}

/** Per question: the most common value among the responses, and whether all agree. */
function consensus(question, responses) {
  const groups = [];
  for (const r of responses) {
    const v = r.values[question.name] ?? null;
    const g = groups.find((x) => sameValue(question, x.value, v));
    if (g) g.n += 1; else groups.push({ value: v, n: 1 });
  }
  groups.sort((a, b) => b.n - a.n);
  return { top: groups[0] ? groups[0].value : null, agree: groups.length <= 1, tie: groups.length > 1 && groups[0].n === groups[1].n };
}

function verdictBadge(state) {
  return state ? h("span", { class: `verdict ${state}`, text: state === "accept" ? "accepted" : state === "reject" ? "rejected" : "fixed" })
    : h("span", { class: "verdict", text: "not reviewed" });
}

function renderComparison() {
  const responses = (record.responses || []).filter((r) => r.status === "submitted");
  const box = $("comparison");
  if (!responses.length) {
    replace(box, h("p", { class: "card muted", text: "No submitted responses to this record yet." }));
    return;
  }
  const head = h("tr", {}, h("th", { text: "question" }), responses.map((r) => h("th", { dataset: { responseId: String(r.id) } },
    h("div", { class: "annotator-name", text: r.user }),
    h("div", { class: "row small muted" }, verdictBadge(r.review_state), h("span", { text: fmtSeconds(r.time_spent) })))));
  const rows = settings.questions.map((q) => {
    const c = consensus(q, responses);
    return h("tr", { class: responses.length > 1 ? (c.agree ? "agree" : "disagree") : "", dataset: { question: q.name } },
      h("th", {}, h("span", { text: q.title || q.name }),
        responses.length > 1 ? h("span", { class: `agree-tag ${c.agree ? "yes" : "no"}`, text: c.agree ? "agree" : "disagree" }) : null),
      responses.map((r) => {
        const v = r.values[q.name] ?? null;
        const minority = !c.agree && (c.tie || !sameValue(q, v, c.top));
        return h("td", { class: minority ? "minority" : "" }, cell(q, v));
      }));
  });
  const actions = h("tr", { class: "actions-row" }, h("th", { text: "review" }), responses.map((r) => h("td", {},
    h("div", { class: "review-actions" },
      h("button", { type: "button", class: "secondary", dataset: { action: "accept" }, onclick: () => verdict(r, "accept") }, "Accept"),
      h("button", { type: "button", class: "secondary danger", dataset: { action: "reject" }, onclick: () => reject(r) }, "Reject"),
      h("button", { type: "button", class: "secondary", dataset: { action: "fix" }, onclick: () => openFix(r) }, "Fix")))));
  replace(box, h("table", { class: "compare-table" }, h("thead", {}, head), h("tbody", {}, rows, actions)),
    h("div", { id: "fix-panel", class: "fix-panel", hidden: true }));
}

function show(rec) {
  record = rec;
  $("empty").hidden = true;
  replace($("record-id"), h("span", { class: "muted small", text: "record " }), h("strong", { text: rec.external_id }),
    rec.is_gold ? h("span", { class: "status-badge", text: "gold" }) : null);
  replace($("fields"), settings.fields.map((f) => renderField(f, rec.fields[f.name])));
  renderComparison();
}

function showEmpty(message) {
  record = null;
  replace($("record-id"));
  replace($("fields"));
  replace($("comparison"));
  replace($("empty"), h("h2", { text: "Nothing to review" }), h("p", { text: message }));
  $("empty").hidden = false;
}

async function loadList(kind, annotator) {
  if (kind === "gold") {
    const q = annotator ? `&annotator=${enc(annotator)}` : "";
    return (await api("GET", `${base}/review/gold-failures?limit=200${q}`)).map((x) => ({ record_id: x.record_id, note: `${x.user}: ${Math.round(x.gold_correct * 100)} % of gold answers` }));
  }
  const rows = await api("GET", `${base}/quality/disagreements?limit=200`);
  const seen = new Set();
  return rows.filter((x) => !seen.has(x.record_id) && seen.add(x.record_id))
    .map((x) => ({ record_id: x.record_id, note: `${x.question}: consensus confidence ${x.confidence.toFixed(2)}` }));
}

async function next({ skip = false } = {}) {
  await widgetsReady.catch(() => null); // a failure is shown by init
  const { kind, annotator } = queue();
  try {
    if (kind === "review" || kind === "disagreement") {
      if (skip && record) cursor = Math.max(cursor, ...record.responses.map((r) => r.id));
      const params = new URLSearchParams({ after: String(cursor) });
      if (annotator) params.set("annotator", annotator);
      if (kind === "disagreement") params.set("disagreement", "true");
      const rec = await api("GET", `${base}/review/next?${params}`);
      $("queue-info").textContent = "";
      if (rec === null) showEmpty(cursor ? "You reached the end of this queue. Apply the filter again to start over." : "Every submitted response in this queue has a verdict.");
      else show(rec);
      return;
    }
    if (listAt < 0) {
      list = await loadList(kind, annotator);
      if (!list.length) {
        showEmpty(kind === "gold" ? "No unreviewed answers to gold records missed a gold answer."
          : "No low-confidence consensus. Consensus is computed by an admin (Dashboard, or accord quality aggregate).");
        return;
      }
    }
    listAt += 1;
    if (listAt >= list.length) { showEmpty("You reached the end of this queue."); return; }
    $("queue-info").textContent = `${listAt + 1} of ${list.length} · ${list[listAt].note}`;
    show(await api("GET", `${base}/records/${list[listAt].record_id}`));
  } catch (err) {
    notify(err.message, "error");
  }
}

async function refresh() {
  const rec = await api("GET", `${base}/records/${record.id}`);
  const pending = (rec.responses || []).filter((r) => r.status === "submitted" && !r.review_state);
  if (!pending.length) {
    notify("All responses to this record are reviewed", "ok");
    await next();
  } else {
    show(rec);
  }
}

async function post(response, body) {
  try {
    // the verdict is bound to the version shown here; a newer one is a 409 (stale_version)
    await api("POST", `${base}/responses/${response.id}/review`, { ...body, version: response.version });
    notify(`${body.verdict === "accept" ? "Accepted" : body.verdict === "reject" ? "Rejected" : "Fixed"} ${response.user}'s response`, "ok");
    await refresh();
  } catch (err) {
    notify(err.message, "error");
    if (err.status === 409) await refresh(); // show what the annotator changed
  }
}

function verdict(response, kind) {
  return post(response, { verdict: kind });
}

async function reject(response) {
  const reason = await confirmBox(`Reject ${response.user}'s response? Say why (the annotator's correction rate counts it).`,
    { ok: "Reject", input: "reason" });
  if (reason === null) return;
  await post(response, { verdict: "reject", reason: reason || null });
}

function openFix(response) {
  const panel = $("fix-panel");
  const form = new ResponseForm(settings.questions, response.values);
  const defs = new Map(settings.fields.map((f) => [f.name, f]));
  const widgets = settings.questions.map((q) => createWidget(q, {
    form, suggestion: null, acceptSuggestion: null,
    fieldValue: (name) => record.fields[name],
    fieldType: (name) => (defs.get(name) || { type: "text" }).type,
    fieldTitle: (name) => (defs.get(name) ? defs.get(name).title || name : name),
  }));
  widgets.forEach((w, i) => w.update(form.get(settings.questions[i].name)));
  form.addEventListener("change", (e) => e.detail.names.forEach((name) => {
    const i = settings.questions.findIndex((q) => q.name === name);
    widgets[i].update(form.get(name));
  }));
  const questions = h("div", { class: "questions" }, widgets.map((w) => w.el));
  questions.addEventListener("keydown", (e) => {
    const section = e.target instanceof Element ? e.target.closest(".question") : null;
    const w = widgets.find((x) => x.el === section);
    if (w && e.target === section && w.key(e)) e.preventDefault();
  });
  replace(panel, h("div", { class: "card" },
    h("h2", {}, "Fix the response of ", h("span", { class: "annotator-name", text: response.user })),
    h("p", { class: "muted small", text: "Correct the answers; the fixed values replace the annotator's in exports, and count as a correction." }),
    questions,
    h("div", { class: "row end" },
      h("button", { type: "button", class: "secondary", onclick: () => { panel.hidden = true; } }, "Cancel"),
      h("button", { type: "button", class: "primary", id: "save-fix", onclick: () => post(response, { verdict: "fix", values: form.values() }) }, "Save fix"))));
  panel.hidden = false;
  panel.scrollIntoView({ block: "start" });
  if (widgets[0]) widgets[0].el.focus({ preventScroll: true });
}

async function loadAnnotators() {
  try {
    const stats = await api("GET", `${base}/stats`);
    const select = $("annotator");
    for (const a of stats.annotators) select.append(h("option", { value: a.user, text: a.user }));
  } catch (err) {
    notify(err.message, "error");
  }
}

async function init() {
  const metaReady = loadMeta("question_types"); // fetched while the dataset is
  try {
    settings = (await api("GET", base)).settings;
  } catch (err) {
    showEmpty(err.message);
    return;
  }
  // the widgets (for fixes and value text) load while the filters are set up
  widgetsReady = metaReady.then((meta) => loadWidgets(meta, settings.questions));
  const params = new URLSearchParams(location.search);
  if (params.get("queue")) $("queue").value = params.get("queue");
  await loadAnnotators();
  if (params.get("annotator")) $("annotator").value = params.get("annotator");
  $("review-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    cursor = 0;
    listAt = -1;
    const q = queue();
    const search = new URLSearchParams({ queue: q.kind });
    if (q.annotator) search.set("annotator", q.annotator);
    history.replaceState(null, "", `${location.pathname}?${search}`);
    next();
  });
  $("skip-record").addEventListener("click", () => next({ skip: true }));
  try {
    await widgetsReady;
  } catch (err) {
    showEmpty(err.message);
    return;
  }
  await next();
}

init();
