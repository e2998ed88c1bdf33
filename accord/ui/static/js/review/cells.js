// One cell of the review table: a response's value, the fixed value next to the original
// after a fix, and for text questions a word diff against the model draft or the original.

import { h } from "../dom.js";
import { diffWords, renderDiff } from "../diff.js";
import { slicePoints } from "../questions/tokens.js";
import { formatValue, labelText, sameValue } from "../values.js";

/** A value as text (spans as quoted chips). */
export function valueNode(question, value, record) {
  if (value === null || value === undefined) return h("span", { class: "muted", text: "—" });
  if (question.type === "span" && Array.isArray(value)) {
    const text = record.fields[question.field];
    const colour = (label) => `lab-${Math.max(0, Object.keys(question.labels).indexOf(label)) % 8}`;
    return value.length ? h("ul", { class: "span-list" }, value.map((s) => h("li", { class: "span-item" },
      h("span", { class: `chip ${colour(s.label)}`, text: labelText(question, s.label) }),
      h("span", { class: "span-quote", text: typeof text === "string" ? slicePoints(text, s.start, s.end) : `${s.start}–${s.end}` }))))
      : h("span", { class: "muted", text: "(no spans)" });
  }
  return h("span", { class: "cell-value", text: formatValue(question, value) });
}

/** What a rewrite is compared with: the model draft (suggestion), else the original text. */
export function diffBase(question, record, suggestions) {
  if (question.type !== "text") return null;
  const s = suggestions.get(question.name);
  if (s && typeof s.value === "string") return { text: s.value, what: "the model draft" };
  const v = question.field ? record.fields[question.field] : null;
  if (typeof v === "string") return { text: v, what: "the original text" };
  if (Array.isArray(v)) {
    const last = [...v].reverse().find((m) => m && m.role === "assistant" && typeof m.content === "string");
    if (last) return { text: last.content, what: "the original text" };
  }
  return null;
}

function wordDiff(base, value) {
  if (!base || typeof value !== "string") return null;
  const parts = diffWords(base.text, value);
  const changed = parts.some((p) => p.op !== "same");
  return h("div", { class: "word-diff", "aria-label": `changes against ${base.what}` },
    h("div", { class: "muted small", text: changed ? `changes against ${base.what}` : `same as ${base.what}` }),
    changed ? h("div", { class: "diff-view" }, renderDiff(parts)) : null);
}

/**
 * The cell of one response and question: ``fixed`` holds the fix in force (or null); a fixed
 * value that differs from the annotator's is shown next to it, the fixed one first.
 */
export function responseCell(question, response, fixed, ctx) {
  const original = response.values[question.name] ?? null;
  const hasFix = fixed && Object.prototype.hasOwnProperty.call(fixed, question.name);
  const value = hasFix ? fixed[question.name] : original;
  if (hasFix && !sameValue(question, value, original)) {
    return h("div", { class: "fix-pair" },
      h("div", { class: "fixed-value" }, h("div", { class: "pair-label", text: "fixed" }), valueNode(question, value, ctx.record),
        wordDiff(ctx.base, value)),
      h("div", { class: "original-value" }, h("div", { class: "pair-label", text: "original" }), valueNode(question, original, ctx.record)));
  }
  return [valueNode(question, value, ctx.record), wordDiff(ctx.base, value)];
}
