// The annotation page: one record at a time, every question type, drafts saved as you go.

import { api, enc } from "../api.js";
import { metadataList } from "../annotate/metadata.js";
import { countSubmission, showProgress } from "../annotate/progress.js";
import { rejectionBanner, rejectionOf, showRejected } from "../annotate/rejected.js";
import { h, replace, fmtDate } from "../dom.js";
import { fieldsShownByQuestions, renderField } from "../fields.js";
import { ResponseForm } from "../form.js";
import { piiPanel } from "../pii/findings.js";
import { showGuidelines } from "../guidelines.js";
import { explainNoRecord, showFeedback, showPhase } from "../onboarding.js";
import { loadMeta, questionType } from "../meta.js";
import { createWidget, loadWidgets, shortcutsFor } from "../questions/index.js";
import { clearError, isTyping, notify, pageInfo, showHelp } from "../shell.js";
import { Stopwatch } from "../stopwatch.js";
import { bestSuggestions } from "../values.js";

const AUTOSAVE_MS = 1200;
const { dataset, user } = pageInfo();
const base = `/datasets/${enc(dataset)}`;
const $ = (id) => document.getElementById(id);

let settings = null;
let meta = null; // GET /meta: what each question type's widget needs
let current = null; // {record, form, widgets, version, status, stopwatch, conflict, suggestions}
let active = 0;
let saveTimer = null;
let saving = Promise.resolve();
let layoutReady = Promise.resolve(); // the panels above the record, laid out (init)
let recent = [];

function setState(text, kind = "") {
  const el = $("save-state");
  el.textContent = text;
  el.className = `save-state ${kind}`;
}

function fieldLookup(record) {
  const defs = new Map(settings.fields.map((f) => [f.name, f]));
  return {
    fieldValue: (name) => record.fields[name],
    fieldType: (name) => (defs.get(name) || { type: "text" }).type,
    fieldTitle: (name) => { const f = defs.get(name); return f ? f.title || f.name : name; },
    fieldDef: (name) => defs.get(name) || null,
  };
}

function acceptAll() {
  if (!current || !current.suggestions.size) return;
  const changes = {};
  for (const [name, s] of current.suggestions) {
    if (settings.questions.some((q) => q.name === name)) changes[name] = s.value;
  }
  current.form.setMany(changes);
  notify(`Accepted ${Object.keys(changes).length} suggestion(s)`, "ok");
}

function show(record) {
  if (current) current.stopwatch.stop();
  clearTimeout(saveTimer);
  $("empty").hidden = true;
  $("conflict").hidden = true;
  document.querySelector(".work").hidden = false;
  const resp = record.response;
  const form = new ResponseForm(settings.questions, resp && resp.status !== "discarded" ? resp.values : {});
  const suggestions = bestSuggestions(record.suggestions);
  current = { record, form, widgets: [], version: resp ? resp.version : 0, status: resp ? resp.status : null,
    stopwatch: new Stopwatch(), conflict: false, suggestions };

  const hidden = fieldsShownByQuestions(settings.questions, meta);
  replace($("fields"), piiPanel(record), metadataList(settings, record), settings.fields.filter((f) => !hidden.has(f.name)).map((f) => renderField(f, record.fields[f.name])));
  rejectionBanner($("rejection"), record.id);
  const lookup = fieldLookup(record);
  const widgets = settings.questions.map((q, i) => {
    const suggestion = suggestions.get(q.name) || null;
    const widget = createWidget(q, { form, suggestion, ...lookup,
      acceptSuggestion: suggestion ? () => form.set(q.name, suggestion.value) : null });
    widget.el.addEventListener("focusin", () => { active = i; markActive(); });
    widget.el.addEventListener("mousedown", () => { active = i; markActive(); });
    widget.update(form.get(q.name));
    return widget;
  });
  current.widgets = widgets;
  replace($("questions"), widgets.map((w) => w.el));
  form.addEventListener("change", (e) => {
    for (const name of e.detail.names) {
      const i = settings.questions.findIndex((q) => q.name === name);
      if (i >= 0) { widgets[i].update(form.get(name)); widgets[i].error.textContent = ""; }
    }
    // the error a submission reported is gone once no question shows one any more
    if (!widgets.some((w) => w.error.textContent)) clearError();
    $("undo-button").disabled = !form.canUndo();
    scheduleSave();
  });
  $("undo-button").disabled = true;
  $("accept-button").hidden = suggestions.size === 0;
  replace($("record-id"), h("span", { class: "muted small", text: "record " }), h("strong", { text: record.external_id }),
    record.response ? h("span", { class: `status-badge ${record.response.status}`, text: record.response.status }) : null);
  if (current.status === "submitted") setState("submitted earlier — Submit saves your changes", "info");
  else if (current.status === "draft") setState(`draft from ${fmtDate(resp.updated_at)}`, "info");
  else setState("");
  active = Math.min(active, widgets.length - 1);
  if (widgets.length) { active = 0; widgets[0].el.focus({ preventScroll: true }); markActive(); }
  window.scrollTo({ top: 0 });
  if (!$("history").hidden) loadHistory();
}

function markActive() {
  current.widgets.forEach((w, i) => w.el.classList.toggle("active", i === active));
}

function showEmpty() {
  if (current) current.stopwatch.stop();
  current = null;
  document.querySelector(".work").hidden = true;
  replace($("record-id"));
  setState("");
  const box = $("empty");
  replace(box, h("h2", { text: "All done here" }),
    h("p", { text: "Nothing is left for you in this dataset right now (records need more annotators, or are held by others)." }),
    h("div", { class: "row" }, h("a", { class: "button secondary", href: "/" }, "Back to datasets"),
      h("button", { type: "button", class: "secondary", onclick: () => next() }, "Check again")));
  box.hidden = false;
}

async function next() {
  if (!(await flushDraft())) return;
  history.replaceState(null, "", location.pathname);
  try {
    const record = await api("POST", `${base}/next`);
    if (record === null) {
      showEmpty();
      $("onboarding").hidden = true;
      await explainNoRecord($("empty"), dataset, { onReady: next }); // guidelines, qualification, pause, quota
    } else {
      await layoutReady;
      // the training/qualification banner sits above the record: drawn first, so it does not move it
      if (settings.onboarding) await showPhase($("onboarding"), dataset);
      show(record);
    }
  } catch (err) {
    notify(err.message, "error");
  }
}

async function open(recordId, { discard = false, fallback = false } = {}) {
  if (!discard && !(await flushDraft())) return;
  try {
    const record = await api("GET", `${base}/records/${enc(recordId)}`);
    history.replaceState(null, "", `${location.pathname}?record=${enc(recordId)}`);
    $("fallback").hidden = true;
    await layoutReady;
    show(record);
  } catch (err) {
    if (!fallback) { notify(err.message, "error"); return; }
    // a link to a record not handed to this annotator: their next record, and why
    replace($("fallback"), h("strong", { text: `Record ${recordId} is not open to you` }),
      h("span", { text: ` (${err.message}). Here is your next record instead.` }),
      h("button", { type: "button", class: "link", onclick: () => { $("fallback").hidden = true; } }, "dismiss"));
    $("fallback").hidden = false;
    await next();
  }
}

/** After a submission: the progress moves on (counted locally between server counts); the
 * rejected list changes when the record was one of them. */
function afterSubmit(recordId, wasSubmitted) {
  countSubmission($("progress"), base, { fresh: !wasSubmitted });
  if (rejectionOf(recordId)) showRejected($("rejected"), base, (id) => open(id));
}

function scheduleSave() {
  if (!current || current.conflict) return;
  clearTimeout(saveTimer);
  if (current.status === "submitted") {
    setState("changed — Submit (Ctrl+Enter) to save", "warn");
    return;
  }
  setState("unsaved changes", "pending");
  saveTimer = setTimeout(() => saveDraft(), AUTOSAVE_MS);
}

function put(status) {
  const cur = current;
  const run = async () => {
    const seconds = cur.stopwatch.take();
    // a skip stores no answers (a discarded response's values are never shown or used)
    const values = status === "discarded" ? {} : cur.form.values();
    const wasDirty = cur.form.dirty;
    cur.form.dirty = false;
    try {
      const resp = await api("PUT", `${base}/records/${cur.record.id}/response`,
        { values, status, version: cur.version, time_spent: seconds });
      cur.version = resp.version;
      cur.status = resp.status;
      return resp;
    } catch (err) {
      cur.stopwatch.restore(seconds);
      cur.form.dirty = cur.form.dirty || wasDirty;
      if (err.status === 409) showConflict(cur, err);
      throw err;
    }
  };
  const p = saving.then(run, run);
  saving = p.catch(() => {});
  return p;
}

async function saveDraft() {
  clearTimeout(saveTimer);
  if (!current || current.conflict || current.status === "submitted" || !current.form.dirty) return true;
  const cur = current;
  setState("saving…", "pending");
  try {
    await put("draft");
    if (cur === current && !cur.form.dirty) setState(`draft saved ${new Date().toLocaleTimeString()}`, "ok");
    return true;
  } catch (err) {
    if (err.status === 422) {
      setState(`draft not saved: ${err.message}`, "warn");
      return true; // an incomplete value; the next edit retries
    }
    if (err.status !== 409) setState(`draft not saved: ${err.message}`, "error");
    return false;
  }
}

/** Save pending edits before leaving a record; false when they could not be saved. */
async function flushDraft() {
  if (!current || current.conflict) return true;
  if (current.status === "submitted") return true;
  return saveDraft();
}

function showConflict(cur, err) {
  if (cur !== current) return;
  cur.conflict = true;
  clearTimeout(saveTimer);
  setState("not saved: conflict", "error");
  const box = $("conflict");
  replace(box, h("strong", { text: "Not saved — this response was changed somewhere else. " }),
    h("span", { text: `${err.message}. It was probably edited in another tab or window. Reload the record to see the stored version; your edits here since the last save are not kept.` }),
    h("button", { type: "button", class: "secondary", onclick: () => open(cur.record.id, { discard: true }) }, "Reload record"));
  box.hidden = false;
}

async function submit() {
  if (!current || current.conflict) return;
  clearTimeout(saveTimer);
  setState("submitting…", "pending");
  try {
    const cur = current;
    const wasSubmitted = cur.status === "submitted";
    const saved = await put("submitted");
    notify("Submitted", "ok");
    afterSubmit(cur.record.id, wasSubmitted);
    if (saved.feedback) await showFeedback($("onboarding"), saved.feedback, settings.questions); // training
    await next();
  } catch (err) {
    if (err.status === 409) return;
    setState("not submitted", "error");
    const i = settings.questions.findIndex((q) => q.name === err.field);
    if (i >= 0) {
      current.widgets[i].error.textContent = err.message;
      current.widgets[i].el.focus();
    }
    notify(err.message, "error");
  }
}

async function skip() {
  if (!current || current.conflict) return;
  clearTimeout(saveTimer);
  if (current.status === "submitted") {
    // a record opened from the history: leave the submitted answer as it is
    await next();
    return;
  }
  try {
    await put("discarded");
    notify("Skipped", "info");
    await next();
  } catch (err) {
    if (err.status !== 409) notify(err.message, "error");
  }
}

function undo() {
  if (current && !current.form.undo()) notify("Nothing to undo", "info");
}

async function loadHistory() {
  const box = $("history");
  try {
    recent = await api("GET", `${base}/my/responses?limit=30`);
  } catch (err) {
    notify(err.message, "error");
    return;
  }
  replace(box, h("div", { class: "row spread" }, h("h2", { text: "Your recent responses" }),
    h("button", { type: "button", class: "link", onclick: () => { box.hidden = true; } }, "close")),
  recent.length ? h("ol", { class: "history-list" }, recent.map((r) => h("li", {},
    h("button", { type: "button", class: ["history-item", current && current.record.id === r.record_id && "current"], onclick: () => open(r.record_id) },
      h("span", { class: "history-id", text: r.external_id }),
      h("span", { class: `status-badge ${r.status}`, text: r.status }),
      h("span", { class: "history-preview", text: r.preview }),
      h("span", { class: "muted small", text: fmtDate(r.updated_at) })))))
    : h("p", { class: "muted", text: "No responses yet." }));
}

async function previous() {
  if (!recent.length) await loadHistory();
  const at = current ? recent.findIndex((r) => r.record_id === current.record.id) : -1;
  const target = recent[at + 1];
  if (target) open(target.record_id); else notify("No earlier record", "info");
}

function help() {
  const global = [["Ctrl+Enter", "submit"], ["Ctrl+Backspace", "skip (discard)"], ["Ctrl+S", "save the draft now"],
    ["Ctrl+Z", "undo the last change"], ["Alt+A", "accept all suggestions"], ["Alt+P", "previous record"],
    ["Tab / Shift+Tab", "next / previous question"], ["?", "this help"]];
  const types = [...new Set(settings.questions.map((q) => q.type))];
  showHelp([["Everywhere", global], ...types.map((t) => [t.replace("_", " "), shortcutsFor(t)])]);
}

function onKey(e) {
  if (document.querySelector("dialog[open]")) return;
  const typing = isTyping(e.target);
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.key === "Enter") { e.preventDefault(); submit(); return; }
  if (mod && e.key === "Backspace" && !typing) { e.preventDefault(); skip(); return; }
  if (mod && e.code === "KeyS") { e.preventDefault(); saveDraft(); return; }
  if (mod && e.code === "KeyZ" && !e.shiftKey && !typing) { e.preventDefault(); undo(); return; }
  if (e.altKey && e.code === "KeyA") { e.preventDefault(); acceptAll(); return; }
  if (e.altKey && e.code === "KeyP") { e.preventDefault(); previous(); return; }
  if (typing || !current) return;
  if (e.key === "?") { e.preventDefault(); help(); return; }
  const target = e.target instanceof Element ? e.target.closest(".question") : null;
  const i = target ? current.widgets.findIndex((w) => w.el === target) : active;
  const widget = current.widgets[i];
  if (widget && widget.key(e)) e.preventDefault();
}

function tick() {
  if (!current) { $("timer").textContent = ""; return; }
  const s = Math.floor(current.stopwatch.elapsed());
  $("timer").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

async function init() {
  try {
    const [ds, answer] = await Promise.all([api("GET", base), loadMeta("question_types")]);
    settings = ds.settings;
    meta = answer;
    await loadWidgets(meta, settings.questions);
  } catch (err) {
    replace($("empty"), h("h2", { text: "Cannot open this dataset" }), h("p", { text: err.message }));
    $("empty").hidden = false;
    document.querySelector(".work").hidden = true;
    return;
  }
  if (settings.questions.some((q) => questionType(meta, q.type).wide)) document.querySelector(".work").classList.add("stacked");
  $("submit-button").addEventListener("click", submit);
  $("skip-button").addEventListener("click", skip);
  $("undo-button").addEventListener("click", undo);
  $("accept-button").addEventListener("click", acceptAll);
  $("help-button").addEventListener("click", help);
  $("history-button").addEventListener("click", () => {
    const box = $("history");
    box.hidden = !box.hidden;
    if (!box.hidden) loadHistory();
  });
  document.addEventListener("keydown", onKey);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") saveDraft(); });
  setInterval(tick, 1000);
  const wanted = new URLSearchParams(location.search).get("record");
  // the panels above the record (guidelines, progress, rejected responses) are laid out before
  // the first record shows, so nothing moves under the annotator's mouse; their requests run
  // beside the record's own
  layoutReady = Promise.allSettled([
    showGuidelines($("guidelines"), dataset, user).catch((err) => notify(`guidelines: ${err.message}`, "error")),
    showProgress($("progress"), base),
    showRejected($("rejected"), base, (id) => open(id)),
  ]);
  if (wanted && /^\d+$/.test(wanted)) await open(Number(wanted), { fallback: true }); else await next();
}

init();
