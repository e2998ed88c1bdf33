// The review page: every annotator's response to a record side by side, disagreements
// highlighted; accept, reject with a reason, or fix a response, with an optional comment,
// by mouse or keyboard (review/keys.js); a fixed value is shown next to the original and a
// rewrite as a word diff (review/cells.js); each response's review history (review/history.js).

import { api, enc } from "../api.js";
import { h, replace, fmtSeconds } from "../dom.js";
import { renderField } from "../fields.js";
import { piiPanel } from "../pii/findings.js";
import { metadataList } from "../annotate/metadata.js";
import { ResponseForm } from "../form.js";
import { loadMeta } from "../meta.js";
import { createWidget, loadWidgets } from "../questions/index.js";
import { responseCell, diffBase } from "../review/cells.js";
import { fixInForce, historyList, loadReviews } from "../review/history.js";
import { bindReviewKeys, helpRows, titleFor } from "../review/keys.js";
import { confirmBox, notify, pageInfo, showHelp } from "../shell.js";
import { bestSuggestions, sameValue } from "../values.js";

const { dataset } = pageInfo();
const base = `/datasets/${enc(dataset)}`;
const $ = (id) => document.getElementById(id);

let widgetsReady = Promise.resolve(); // the question widgets' modules (see init)
let settings = null;
let record = null;
let cursor = 0; // response-id cursor of the review queues
let list = []; // entries of the list-based queues (low confidence, gold failures)
let listAt = -1;
let fixes = new Map(); // response id -> the values of the fix in force
let selected = null; // id of the response the keyboard acts on

function queue() {
  return { kind: $("queue").value, annotator: $("annotator").value };
}

/** Per question: the most common value among the responses' values, and whether all agree. */
function consensus(question, values) {
  const groups = [];
  for (const v of values) {
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

function submitted() {
  return record ? (record.responses || []).filter((r) => r.status === "submitted") : [];
}

/** Responses still waiting for a verdict in this queue (the annotator filter applies). */
function pendingHere() {
  const { annotator } = queue();
  return submitted().filter((r) => !r.review_state && (!annotator || r.user === annotator));
}

function select(id) {
  selected = id;
  document.querySelectorAll("#comparison [data-response-id]").forEach((el) => {
    el.classList.toggle("selected", Number(el.dataset.responseId) === id);
  });
}

function renderComparison() {
  const responses = submitted();
  const box = $("comparison");
  $("comment-box").hidden = !responses.length;
  if (!responses.length) {
    replace(box, h("p", { class: "card muted", text: "No submitted responses to this record yet." }));
    return;
  }
  const suggestions = bestSuggestions(record.suggestions);
  const head = h("tr", {}, h("th", { text: "question" }), responses.map((r) => h("th", { dataset: { responseId: String(r.id) } },
    h("div", { class: "annotator-name", text: r.user }),
    h("div", { class: "row small muted" }, verdictBadge(r.review_state), h("span", { text: fmtSeconds(r.time_spent) }),
      r.settings_version ? h("span", { class: "settings-version", title: "the settings version this response was saved under", text: `settings v${r.settings_version}` }) : null,
      h("button", { type: "button", class: "link", dataset: { action: "history" }, title: titleFor("history", "Review history"),
        onclick: () => { select(r.id); toggleHistory(r); } }, "history")))));
  const rows = settings.questions.map((q) => {
    const effective = responses.map((r) => (fixes.has(r.id) && q.name in fixes.get(r.id) ? fixes.get(r.id)[q.name] : r.values[q.name]) ?? null);
    const c = consensus(q, effective);
    const ctx = { record, base: diffBase(q, record, suggestions) };
    return h("tr", { class: responses.length > 1 ? (c.agree ? "agree" : "disagree") : "", dataset: { question: q.name } },
      h("th", {}, h("span", { text: q.title || q.name }),
        responses.length > 1 ? h("span", { class: `agree-tag ${c.agree ? "yes" : "no"}`, text: c.agree ? "agree" : "disagree" }) : null),
      responses.map((r, i) => {
        const minority = !c.agree && (c.tie || !sameValue(q, effective[i], c.top));
        return h("td", { class: minority ? "minority" : "", dataset: { responseId: String(r.id) } },
          responseCell(q, r, fixes.get(r.id) || null, ctx));
      }));
  });
  const actions = h("tr", { class: "actions-row" }, h("th", { text: "review" }), responses.map((r) => h("td", { dataset: { responseId: String(r.id) } },
    h("div", { class: "review-actions" },
      h("button", { type: "button", class: "secondary", dataset: { action: "accept" }, title: titleFor("accept", "Accept"), onclick: () => { select(r.id); verdict(r, "accept"); } }, "Accept"),
      h("button", { type: "button", class: "secondary danger", dataset: { action: "reject" }, title: titleFor("reject", "Reject"), onclick: () => { select(r.id); reject(r); } }, "Reject"),
      h("button", { type: "button", class: "secondary", dataset: { action: "fix" }, title: titleFor("fix", "Fix"), onclick: () => { select(r.id); openFix(r); } }, "Fix")))));
  replace(box, h("div", { class: "table-scroll" }, h("table", { class: "compare-table" }, h("thead", {}, head), h("tbody", {}, rows, actions))),
    h("div", { id: "history-panel", class: "card review-history-panel", hidden: true }),
    h("div", { id: "fix-panel", class: "fix-panel", hidden: true }));
  const pending = pendingHere();
  const keep = responses.find((r) => r.id === selected);
  select(keep ? keep.id : (pending[0] || responses[0]).id);
}

async function toggleHistory(response) {
  const panel = $("history-panel");
  if (!panel) return;
  if (!panel.hidden && panel.dataset.responseId === String(response.id)) { panel.hidden = true; return; }
  panel.dataset.responseId = String(response.id);
  replace(panel, h("h2", {}, "Review history of ", h("span", { class: "annotator-name", text: response.user }), "'s response"),
    h("p", { class: "muted small", text: "loading…" }));
  panel.hidden = false;
  try {
    const reviews = await loadReviews(base, response.id);
    replace(panel, h("div", { class: "row spread" },
      h("h2", {}, "Review history of ", h("span", { class: "annotator-name", text: response.user }), "'s response"),
      h("button", { type: "button", class: "link", onclick: () => { panel.hidden = true; } }, "close")),
    h("p", { class: "muted small", text: `current version ${response.version}` }),
    historyList(reviews, response));
  } catch (err) {
    notify(err.message, "error");
  }
}

/** The fix in force of every fixed response, before the table is drawn. */
async function loadFixes(rec) {
  const out = new Map();
  const fixed = (rec.responses || []).filter((r) => r.status === "submitted" && r.review_state === "fix");
  const found = await Promise.all(fixed.map((r) => loadReviews(base, r.id).then(fixInForce)));
  fixed.forEach((r, i) => { if (found[i]) out.set(r.id, found[i]); });
  return out;
}

let shows = 0; // the latest show() wins when two overlap (a filter applied while loading)

async function show(rec) {
  const mine = ++shows;
  const found = await loadFixes(rec);
  if (mine !== shows) return;
  fixes = found;
  if (record && record.id !== rec.id) selected = null;
  record = rec;
  $("empty").hidden = true;
  replace($("record-id"), h("span", { class: "muted small", text: "record " }), h("strong", { text: rec.external_id }),
    rec.is_gold ? h("span", { class: "status-badge", text: "gold" }) : null);
  replace($("fields"), piiPanel(rec), metadataList(settings, rec, { all: true }), settings.fields.map((f) => renderField(f, rec.fields[f.name])));
  renderComparison();
}

function showEmpty(message) {
  record = null;
  $("comment-box").hidden = true;
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

let navigations = 0; // a later next() supersedes an earlier one still waiting for the server

async function next({ skip = false } = {}) {
  await widgetsReady.catch(() => null); // a failure is shown by init
  const mine = ++navigations;
  const { kind, annotator } = queue();
  try {
    if (kind === "review" || kind === "disagreement") {
      if (skip && record) cursor = Math.max(cursor, record.id); // the queue continues after this record
      const params = new URLSearchParams({ after: String(cursor) });
      if (annotator) params.set("annotator", annotator);
      if (kind === "disagreement") params.set("disagreement", "true");
      const rec = await api("GET", `${base}/review/next?${params}`);
      if (mine !== navigations) return;
      $("queue-info").textContent = "";
      if (rec === null) showEmpty(cursor ? "You reached the end of this queue. Apply the filter again to start over." : "Every submitted response in this queue has a verdict.");
      else await show(rec);
      return;
    }
    if (listAt < 0) {
      list = await loadList(kind, annotator);
      if (mine !== navigations) return;
      if (!list.length) {
        showEmpty(kind === "gold" ? "No unreviewed answers to gold records missed a gold answer."
          : "No low-confidence consensus. Consensus is computed by an admin (Dashboard, or accord quality aggregate).");
        return;
      }
    }
    listAt += 1;
    if (listAt >= list.length) { showEmpty("You reached the end of this queue."); return; }
    $("queue-info").textContent = `${listAt + 1} of ${list.length} · ${list[listAt].note}`;
    const rec = await api("GET", `${base}/records/${list[listAt].record_id}`);
    if (mine === navigations) await show(rec);
  } catch (err) {
    notify(err.message, "error");
  }
}

/** Reload the record; move on when nothing is left to judge in this queue, unless ``stay``
 * (after a fix, the reviewer sees the fixed value next to the original first). */
async function refresh({ stay = false } = {}) {
  const rec = await api("GET", `${base}/records/${record.id}`);
  const { kind, annotator } = queue();
  const pending = (rec.responses || []).filter((r) => r.status === "submitted" && !r.review_state && (!annotator || r.user === annotator));
  if (!stay && !pending.length && (kind === "review" || kind === "disagreement")) {
    notify(annotator ? `All of ${annotator}'s responses to this record are reviewed` : "All responses to this record are reviewed", "ok");
    await next();
  } else {
    await show(rec);
  }
}

async function post(response, body) {
  try {
    // the verdict is bound to the version shown here; a newer one is a 409 (stale_version)
    const comment = $("review-comment").value.trim();
    await api("POST", `${base}/responses/${response.id}/review`, { ...body, comment: comment || null, version: response.version });
    $("review-comment").value = "";
    notify(`${body.verdict === "accept" ? "Accepted" : body.verdict === "reject" ? "Rejected" : "Fixed"} ${response.user}'s response${body.verdict === "fix" ? " · N: next record" : ""}`, "ok");
    await refresh({ stay: body.verdict === "fix" });
  } catch (err) {
    notify(err.message, "error");
    if (err.status === 409) await refresh(); // show what the annotator changed
  }
}

function verdict(response, kind) {
  return post(response, { verdict: kind });
}

async function reject(response) {
  const reason = await confirmBox(`Reject ${response.user}'s response? Say why: the annotator sees your reason (and comment) with their rejected responses.`,
    { ok: "Reject", input: "reason" });
  if (reason === null) return;
  if (!reason.trim()) { notify("A rejection needs a reason", "warn"); return; }
  await post(response, { verdict: "reject", reason });
}

function openFix(response) {
  const panel = $("fix-panel");
  // reopening a fixed response starts from the fix in force, not the annotator's original
  const form = new ResponseForm(settings.questions, { ...response.values, ...(fixes.get(response.id) || {}) });
  const defs = new Map(settings.fields.map((f) => [f.name, f]));
  const widgets = settings.questions.map((q) => createWidget(q, {
    form, suggestion: null, acceptSuggestion: null,
    fieldValue: (name) => record.fields[name],
    fieldType: (name) => (defs.get(name) || { type: "text" }).type,
    fieldTitle: (name) => (defs.get(name) ? defs.get(name).title || name : name),
    fieldDef: (name) => defs.get(name) || null,
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

/** Run a verdict action on the selected response. */
function act(fn) {
  const r = submitted().find((x) => x.id === selected);
  if (r) fn(r);
}

function move(step) {
  const responses = submitted();
  if (!responses.length) return;
  const at = Math.max(0, responses.findIndex((r) => r.id === selected));
  select(responses[(at + step + responses.length) % responses.length].id);
}

function help() {
  showHelp([["Review", helpRows()]]);
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

function applyFilter() {
  cursor = 0;
  listAt = -1;
  selected = null; // the new filter picks its own first response
  const q = queue();
  const search = new URLSearchParams({ queue: q.kind });
  if (q.annotator) search.set("annotator", q.annotator);
  history.replaceState(null, "", `${location.pathname}?${search}`);
  next();
}

async function init(setUp) {
  const params = new URLSearchParams(location.search);
  if (params.get("queue")) $("queue").value = params.get("queue");
  const metaReady = loadMeta("question_types"); // fetched while the dataset is
  try {
    settings = (await api("GET", base)).settings;
  } catch (err) {
    showEmpty(err.message);
    return;
  }
  // the widgets (for fixes and value text) load while the filters are set up
  widgetsReady = metaReady.then((meta) => loadWidgets(meta, settings.questions));
  await loadAnnotators();
  if (params.get("annotator")) $("annotator").value = params.get("annotator");
  $("skip-record").addEventListener("click", () => next({ skip: true }));
  $("skip-record").title = titleFor("next", "Next record");
  $("review-help").addEventListener("click", help);
  bindReviewKeys({
    accept: () => act((r) => verdict(r, "accept")),
    reject: () => act(reject),
    fix: () => act(openFix),
    next: () => next({ skip: true }),
    prev: () => move(-1),
    nextResponse: () => move(1),
    history: () => act(toggleHistory),
    comment: () => { if (record) $("review-comment").focus(); },
    help,
  });
  try {
    await widgetsReady;
  } catch (err) {
    showEmpty(err.message);
    return;
  }
  setUp();
  await next();
}

// Apply is taken over before anything loads: a click while the page is still setting up
// waits for it instead of submitting the form (which reloaded the page with no filter)
const ready = new Promise((resolve) => {
  $("review-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    ready.then(applyFilter);
  });
  init(resolve);
});
