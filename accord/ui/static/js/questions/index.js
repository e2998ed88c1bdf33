// One widget module per question type. Which module draws a type is the type's `widget` in
// GET /api/v1/meta (the question-type registry): loadWidgets() imports the modules a
// dataset needs, then createWidget() is synchronous. A module exports create(question, ctx)
// and shortcuts(type) (its keys for the help dialog), and optionally format(question, value)
// (one line of text) and canonical(question, value) (the value compared where order has no
// meaning).

import { questionType } from "../meta.js";

const modules = new Map(); // widget name -> module
const widgetOf = new Map(); // question type -> widget name
const WIDGET_NAME = /^[a-z][a-z0-9_]*$/;

/** Import the widget modules of `questions` (their types looked up in the /meta answer). */
export async function loadWidgets(meta, questions) {
  const wanted = new Set();
  for (const q of questions) {
    const t = questionType(meta, q.type);
    if (!t) throw new Error(`unknown question type ${q.type}`);
    if (!WIDGET_NAME.test(t.widget)) throw new Error(`bad widget name ${t.widget} for ${q.type}`);
    widgetOf.set(q.type, t.widget);
    if (!modules.has(t.widget)) wanted.add(t.widget);
  }
  const names = [...wanted];
  const loaded = await Promise.all(names.map((name) => import(`./${name}.js`)));
  names.forEach((name, i) => modules.set(name, loaded[i]));
}

/**
 * Build the widget of a question (after loadWidgets).
 * ctx: {form, suggestion, acceptSuggestion, fieldValue(name), fieldType(name), fieldTitle(name)}
 */
export function createWidget(question, ctx) {
  const mod = modules.get(widgetOf.get(question.type));
  if (!mod) throw new Error(`no widget for question type ${question.type}`);
  return mod.create(offered(question), ctx);
}

/** The question as the widgets offer it: retired labels (settings `retired`) left out; they
 * stay valid answers, shown wherever a stored value is formatted. */
export function offered(question) {
  if (!question.retired || !question.retired.length || !question.labels) return question;
  const retired = new Set(question.retired);
  return { ...question, labels: Object.fromEntries(Object.entries(question.labels).filter(([k]) => !retired.has(k))) };
}

/** The keyboard shortcuts of a question type's widget, for the help dialog. */
export function shortcutsFor(type) {
  const mod = modules.get(widgetOf.get(type));
  return mod && mod.shortcuts ? mod.shortcuts(type) : [];
}

function moduleOf(question) {
  return modules.get(widgetOf.get(question.type));
}

/** A one-line text rendering of a value (for suggestions, review tables, history). */
export function formatValue(question, value) {
  if (value === null || value === undefined) return "—";
  const mod = moduleOf(question);
  if (mod && mod.format) return mod.format(question, value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Whether two values of a question are the same answer (order ignored where meaningless). */
export function sameValue(question, a, b) {
  const mod = moduleOf(question);
  const canonical = (v) => (v === null || v === undefined ? null : mod && mod.canonical ? mod.canonical(question, v) : v);
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
