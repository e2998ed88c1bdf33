// rating: an integer scale; number keys pick a point, ←/→ step.

import { h } from "../dom.js";
import { questionShell } from "./shell.js";

export function create(question, ctx) {
  const min = question.min ?? 1;
  const max = question.max ?? 5;
  const shell = questionShell(question, { hint: "number keys or ←/→", suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion });
  const points = [];
  for (let v = min; v <= max; v += 1) points.push(v);
  const suggested = ctx.suggestion ? ctx.suggestion.value : null;
  const buttons = points.map((v) => h("button", {
    type: "button", class: ["option", "point", v === suggested && "suggested"], role: "radio", tabindex: -1,
    dataset: { value: String(v) }, onclick: () => ctx.form.set(question.name, ctx.form.get(question.name) === v ? null : v),
  }, String(v)));
  shell.body.classList.add("scale");
  shell.body.setAttribute("role", "radiogroup");
  shell.body.append(h("span", { class: "muted small", text: "low" }), ...buttons, h("span", { class: "muted small", text: "high" }));

  let typed = "";
  let typedAt = 0;
  return {
    el: shell.el,
    error: shell.error,
    update(value) {
      buttons.forEach((b, i) => b.setAttribute("aria-checked", String(points[i] === value)));
    },
    key(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      const current = ctx.form.get(question.name);
      if (event.key === "ArrowRight" || event.key === "ArrowUp") {
        ctx.form.set(question.name, current === null ? min : Math.min(current + 1, max));
        return true;
      }
      if (event.key === "ArrowLeft" || event.key === "ArrowDown") {
        ctx.form.set(question.name, current === null ? max : Math.max(current - 1, min));
        return true;
      }
      if (/^\d$/.test(event.key) || (event.key === "-" && min < 0)) {
        // several digits typed quickly make one number (scales beyond 9)
        const now = Date.now();
        typed = now - typedAt < 700 ? typed + event.key : event.key;
        typedAt = now;
        let n = Number(typed);
        if (!(n >= min && n <= max)) { typed = event.key; n = Number(typed); }
        if (max === 10 && min >= 1 && typed === "0") n = 10;
        if (Number.isInteger(n) && n >= min && n <= max) ctx.form.set(question.name, n);
        return true;
      }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["number", "pick a point"], ["← / →", "one step down / up"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return String(value);
}
