// label (one choice) and multi_label (any subset): click or press the option's number.

import { digitIndex, keyLabel, optionButton, questionShell } from "./shell.js";
import { labelText } from "../values.js";

export function create(question, ctx) {
  const multi = question.type === "multi_label";
  const entries = Object.entries(question.labels);
  const shell = questionShell(question, {
    hint: multi ? "number keys toggle" : "number keys choose", suggestion: ctx.suggestion,
    onAccept: ctx.acceptSuggestion,
  });
  const suggested = new Set(ctx.suggestion ? [].concat(ctx.suggestion.value) : []);

  function choose(value) {
    const current = ctx.form.get(question.name);
    if (!multi) {
      ctx.form.set(question.name, current === value ? null : value);
      return;
    }
    const set = new Set(current || []);
    if (set.has(value)) set.delete(value); else set.add(value);
    ctx.form.set(question.name, entries.map(([v]) => v).filter((v) => set.has(v)));
  }

  const buttons = entries.map(([value, text], i) => optionButton(text, keyLabel(i), () => choose(value), {
    role: multi ? "checkbox" : "radio",
    class: ["option", suggested.has(value) && "suggested"],
    dataset: { value },
  }));
  shell.body.classList.add("options");
  shell.body.setAttribute("role", multi ? "group" : "radiogroup");
  shell.body.append(...buttons);

  return {
    el: shell.el,
    error: shell.error,
    update(value) {
      const chosen = new Set(multi ? value || [] : value === null ? [] : [value]);
      entries.forEach(([v], i) => buttons[i].setAttribute("aria-checked", String(chosen.has(v))));
    },
    key(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      const i = digitIndex(event);
      if (i < 0 || i >= entries.length) return false;
      choose(entries[i][0]);
      return true;
    },
  };
}

/** Keyboard shortcuts for the help dialog (label and multi_label share this widget). */
export function shortcuts(type) {
  return type === "multi_label" ? [["1–9, 0", "toggle a label"]] : [["1–9, 0", "choose a label (again: clear)"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  if (question.type !== "multi_label") return labelText(question, value);
  return value.length ? value.map((v) => labelText(question, v)).join(", ") : "(none)";
}

/** The value compared regardless of order where order has no meaning. */
export function canonical(question, value) {
  return question.type === "multi_label" ? [...value].sort() : value;
}
