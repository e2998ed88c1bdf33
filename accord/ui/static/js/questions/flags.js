// flags: a safety taxonomy with a severity per flag. A number toggles that flag;
// Shift+number cycles its severity.

import { h } from "../dom.js";
import { labelText } from "../values.js";
import { digitIndex, keyLabel, questionShell } from "./shell.js";

export function create(question, ctx) {
  const labels = Object.entries(question.labels);
  const severities = question.severities || ["low", "high"];
  const shell = questionShell(question, { hint: "number toggles · Shift+number: severity", suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion });

  const current = () => ctx.form.get(question.name) || [];
  function put(list) {
    const order = new Map(labels.map(([v], i) => [v, i]));
    ctx.form.set(question.name, [...list].sort((a, b) => order.get(a.label) - order.get(b.label)));
  }
  function toggle(label) {
    const list = current();
    put(list.some((f) => f.label === label) ? list.filter((f) => f.label !== label) : [...list, { label, severity: severities[0] }]);
  }
  function setSeverity(label, severity) {
    put([...current().filter((f) => f.label !== label), { label, severity }]);
  }
  function cycle(label) {
    const flag = current().find((f) => f.label === label);
    if (!flag) { setSeverity(label, severities[0]); return; }
    setSeverity(label, severities[(severities.indexOf(flag.severity) + 1) % severities.length]);
  }

  const rows = labels.map(([value, display], i) => {
    const check = h("button", { type: "button", class: "option flag-toggle", role: "checkbox", tabindex: -1, dataset: { value }, onclick: () => toggle(value) },
      keyLabel(i) ? h("kbd", { text: keyLabel(i) }) : null, h("span", { class: "option-text", text: display }));
    const sevButtons = severities.map((s) => h("button", {
      type: "button", class: "sev", tabindex: -1, dataset: { severity: s }, onclick: () => setSeverity(value, s),
    }, s));
    return { value, check, sevButtons, row: h("div", { class: "flag-row" }, check, h("span", { class: "sev-group", role: "radiogroup", "aria-label": `severity of ${labelText(question, value)}` }, sevButtons)) };
  });
  shell.body.append(...rows.map((r) => r.row));

  return {
    el: shell.el,
    error: shell.error,
    update(value) {
      const on = new Map((value || []).map((f) => [f.label, f.severity]));
      for (const r of rows) {
        r.check.setAttribute("aria-checked", String(on.has(r.value)));
        r.row.classList.toggle("on", on.has(r.value));
        r.sevButtons.forEach((b) => {
          b.disabled = !on.has(r.value);
          b.setAttribute("aria-checked", String(on.get(r.value) === b.dataset.severity));
        });
      }
    },
    key(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      const i = digitIndex(event);
      if (i < 0 || i >= labels.length) return false;
      if (event.shiftKey) cycle(labels[i][0]); else toggle(labels[i][0]);
      return true;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["1–9, 0", "toggle a flag"], ["Shift+number", "next severity"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return value.length ? value.map((f) => `${labelText(question, f.label)} (${f.severity})`).join(", ") : "(no flags)";
}

/** The value compared regardless of order. */
export function canonical(question, value) {
  return [...value].map((f) => [f.label, f.severity]).sort();
}
