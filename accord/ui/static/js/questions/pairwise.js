// pairwise: A and B side by side; A / B / tie with an optional strength.
// Keys: A or ← for A, B or → for B, T or = for a tie, 1..N for the strength.

import { h } from "../dom.js";
import { fieldBody } from "../fields.js";
import { questionShell } from "./shell.js";

const STRENGTH_WORDS = { 1: "slightly", 2: "clearly", 3: "much" };

export function create(question, ctx) {
  const [fa, fb] = question.fields;
  const max = question.max_strength ?? 3;
  const shell = questionShell(question, {
    hint: `A/←, B/→${question.allow_tie ? ", T: tie" : ""}, 1–${max}: strength`,
    suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion,
  });
  const side = (letter, field) => h("div", { class: "side", dataset: { side: letter } },
    h("div", { class: "side-head" }, h("span", { class: "side-letter", text: letter.toUpperCase() }), h("span", { class: "muted small", text: ctx.fieldTitle(field) })),
    fieldBody(ctx.fieldType(field), ctx.fieldValue(field)));
  const sideA = side("a", fa);
  const sideB = side("b", fb);

  function choose(choice) {
    const v = ctx.form.get(question.name);
    if (v && v.choice === choice) { ctx.form.set(question.name, null); return; }
    const next = { choice };
    if (choice !== "tie" && v && v.strength && v.choice !== "tie") next.strength = v.strength;
    ctx.form.set(question.name, next);
  }
  function strength(n) {
    const v = ctx.form.get(question.name);
    if (!v || v.choice === "tie") return;
    ctx.form.set(question.name, v.strength === n ? { choice: v.choice } : { choice: v.choice, strength: n });
  }

  const choiceButtons = [
    h("button", { type: "button", class: "option", role: "radio", tabindex: -1, dataset: { choice: "a" }, onclick: () => choose("a") }, h("kbd", { text: "A" }), " A is better"),
    question.allow_tie ? h("button", { type: "button", class: "option", role: "radio", tabindex: -1, dataset: { choice: "tie" }, onclick: () => choose("tie") }, h("kbd", { text: "T" }), " Tie") : null,
    h("button", { type: "button", class: "option", role: "radio", tabindex: -1, dataset: { choice: "b" }, onclick: () => choose("b") }, h("kbd", { text: "B" }), " B is better"),
  ].filter(Boolean);
  const strengthButtons = [];
  for (let n = 1; n <= max; n += 1) {
    strengthButtons.push(h("button", { type: "button", class: "sev", tabindex: -1, dataset: { strength: String(n) }, onclick: () => strength(n) },
      h("kbd", { text: String(n) }), ` ${max <= 3 ? STRENGTH_WORDS[n] : n}`));
  }
  shell.body.append(
    h("div", { class: "pair" }, sideA, sideB),
    h("div", { class: "options pair-choice", role: "radiogroup", "aria-label": "which is better" }, choiceButtons),
    h("div", { class: "strength", role: "radiogroup", "aria-label": "strength" }, h("span", { class: "muted small", text: "strength" }), strengthButtons));

  return {
    el: shell.el,
    error: shell.error,
    update(value) {
      const choice = value ? value.choice : null;
      choiceButtons.forEach((b) => b.setAttribute("aria-checked", String(b.dataset.choice === choice)));
      sideA.classList.toggle("winner", choice === "a");
      sideB.classList.toggle("winner", choice === "b");
      strengthButtons.forEach((b) => {
        b.disabled = !choice || choice === "tie";
        b.setAttribute("aria-checked", String(value && String(value.strength) === b.dataset.strength));
      });
    },
    key(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      const k = event.key.toLowerCase();
      if (k === "a" || event.key === "ArrowLeft") { choose("a"); return true; }
      if (k === "b" || event.key === "ArrowRight") { choose("b"); return true; }
      if ((k === "t" || k === "=") && question.allow_tie) { choose("tie"); return true; }
      if (/^\d$/.test(event.key)) {
        const n = Number(event.key);
        if (n >= 1 && n <= max) { strength(n); return true; }
      }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["A or ←", "A is better"], ["B or →", "B is better"], ["T", "tie"], ["1–3", "strength"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  const choice = value.choice === "tie" ? "tie" : `${value.choice.toUpperCase()} better`;
  return value.strength ? `${choice} (strength ${value.strength})` : choice;
}

/** The value compared as choice and strength. */
export function canonical(question, value) {
  return [value.choice, value.strength ?? null];
}
