// One widget module per question type. Which module draws a type is the type's `widget` in
// GET /api/v1/meta (the question-type registry): loadWidgets() imports the modules a
// dataset needs, then createWidget() is synchronous. A module exports create(question, ctx)
// and shortcuts(type) (its keys for the help dialog).

import { questionType } from "../meta.js";

const modules = new Map(); // widget name -> module
const widgetOf = new Map(); // question type -> widget name
const WIDGET_NAME = /^[a-z][a-z0-9_]*$/;

/** Import the widget modules of `questions` (their types looked up in the /meta answer). */
export async function loadWidgets(meta, questions) {
  for (const q of questions) {
    const t = questionType(meta, q.type);
    if (!t) throw new Error(`unknown question type ${q.type}`);
    if (!WIDGET_NAME.test(t.widget)) throw new Error(`bad widget name ${t.widget} for ${q.type}`);
    widgetOf.set(q.type, t.widget);
    if (!modules.has(t.widget)) modules.set(t.widget, await import(`./${t.widget}.js`));
  }
}

/**
 * Build the widget of a question (after loadWidgets).
 * ctx: {form, suggestion, acceptSuggestion, fieldValue(name), fieldType(name), fieldTitle(name)}
 */
export function createWidget(question, ctx) {
  const mod = modules.get(widgetOf.get(question.type));
  if (!mod) throw new Error(`no widget for question type ${question.type}`);
  return mod.create(question, ctx);
}

/** The keyboard shortcuts of a question type's widget, for the help dialog. */
export function shortcutsFor(type) {
  const mod = modules.get(widgetOf.get(type));
  return mod && mod.shortcuts ? mod.shortcuts(type) : [];
}
