// The frame every question widget sits in: title, hints, suggestion and error slot.

import { h, fmtNumber } from "../dom.js";
import { formatValue } from "../values.js";

export function keyLabel(i) {
  return i < 9 ? String(i + 1) : i === 9 ? "0" : "";
}

/** Index of the option a number key picks (1..9, then 0 for the 10th), else -1. */
export function digitIndex(event) {
  const m = /^Digit(\d)$|^Numpad(\d)$/.exec(event.code || "");
  const d = m ? Number(m[1] ?? m[2]) : /^\d$/.test(event.key) ? Number(event.key) : null;
  if (d === null) return -1;
  return d === 0 ? 9 : d - 1;
}

export function questionShell(question, { hint = "", suggestion = null, onAccept = null } = {}) {
  const error = h("p", { class: "question-error", role: "alert" });
  const body = h("div", { class: "question-body" });
  const el = h("section", {
    class: `question q-${question.type}`, tabindex: 0,
    "aria-label": question.title || question.name,
    dataset: { question: question.name },
  },
  h("header", { class: "question-head" },
    h("h3", { text: question.title || question.name }),
    question.required ? h("span", { class: "required", title: "required", text: "required" }) : null,
    hint ? h("span", { class: "hint", text: hint }) : null),
  question.description ? h("p", { class: "question-desc", text: question.description }) : null,
  suggestion ? suggestionLine(question, suggestion, onAccept) : null,
  body, error);
  return { el, body, error };
}

function suggestionLine(question, s, onAccept) {
  return h("div", { class: "suggestion" },
    h("span", { class: "suggestion-tag", text: "suggested" }),
    h("span", { class: "suggestion-value", text: formatValue(question, s.value) }),
    s.score !== null && s.score !== undefined ? h("span", { class: "score", title: "model confidence", text: `score ${fmtNumber(s.score, 2)}` }) : null,
    s.agent ? h("span", { class: "agent", text: s.agent }) : null,
    onAccept ? h("button", { type: "button", class: "link", onclick: onAccept }, "use") : null);
}

export function optionButton(text, key, onclick, extra = {}) {
  return h("button", { type: "button", class: "option", tabindex: -1, onclick, ...extra },
    key ? h("kbd", { text: key }) : null, h("span", { class: "option-text", text }));
}
