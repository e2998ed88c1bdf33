// text: write a response, or rewrite the question's field. Prefilled from the suggestion
// (else the original field) — the prefill counts as an answer once edited or accepted.
// "Show changes" diffs the draft against the original field word by word.

import { h, replace } from "../dom.js";
import { diffWords } from "../diff.js";
import { questionShell } from "./shell.js";

function original(question, ctx) {
  if (!question.field) return null;
  const v = ctx.fieldValue(question.field);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    const last = [...v].reverse().find((m) => m && m.role === "assistant");
    return last && typeof last.content === "string" ? last.content : null;
  }
  return null;
}

export function create(question, ctx) {
  const base = original(question, ctx);
  const shell = questionShell(question, {
    hint: base !== null ? "Enter: edit · Esc: leave the box · D: changes" : "Enter to write · Esc to leave",
    suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion,
  });
  const prefill = ctx.suggestion && typeof ctx.suggestion.value === "string" ? ctx.suggestion.value : base ?? "";
  const area = h("textarea", {
    class: "answer-text", rows: Math.min(14, Math.max(4, prefill.split("\n").length + 1)), tabindex: -1,
    "aria-label": question.title || question.name, spellcheck: "true",
  });
  const status = h("span", { class: "muted small" });
  const diffBox = h("div", { class: "diff-view", hidden: true, "aria-label": "changes against the original" });
  const diffToggle = base === null ? null : h("button", {
    type: "button", class: "link", tabindex: -1, onclick: () => { diffBox.hidden = !diffBox.hidden; renderDiff(); diffToggle.textContent = diffBox.hidden ? "Show changes" : "Hide changes"; },
  }, "Show changes");
  const keep = prefill ? h("button", {
    type: "button", class: "link", tabindex: -1, onclick: () => ctx.form.set(question.name, area.value),
  }, "Use as is") : null;
  shell.body.append(area, h("div", { class: "row text-meta" }, status, keep, diffToggle), diffBox);

  area.addEventListener("input", () => ctx.form.set(question.name, area.value, { coalesce: `text:${question.name}` }));
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); shell.el.focus(); }
  });

  function renderDiff() {
    if (diffBox.hidden || base === null) return;
    const parts = diffWords(base, area.value);
    const changed = parts.some((p) => p.op !== "same");
    replace(diffBox, changed
      ? parts.map((p) => (p.op === "same" ? p.text : h(p.op === "add" ? "ins" : "del", { text: p.text })))
      : h("span", { class: "muted", text: "no changes from the original" }));
  }

  return {
    el: shell.el,
    error: shell.error,
    update(value) {
      if (value === null) {
        if (document.activeElement !== area) area.value = prefill;
        status.textContent = prefill ? "prefilled — not answered until you edit it or use it as is" : "";
        if (keep) keep.hidden = !prefill;
        shell.el.classList.toggle("unanswered-prefill", Boolean(prefill));
      } else {
        if (area.value !== value) area.value = value;
        const words = value.trim() ? value.trim().split(/\s+/).length : 0;
        status.textContent = `${words} word${words === 1 ? "" : "s"}`;
        shell.el.classList.remove("unanswered-prefill");
        if (keep) keep.hidden = true;
      }
      renderDiff();
    },
    key(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      if (event.key === "Enter") {
        area.focus();
        return true;
      }
      if (event.key === "d" && diffToggle) { diffToggle.click(); return true; }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["Enter", "start typing"], ["Esc", "leave the text box"], ["D", "show / hide the changes against the original"]];
}

/** The value compared without surrounding white space. */
export function canonical(question, value) {
  return String(value).trim();
}
