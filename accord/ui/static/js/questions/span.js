// span: label character ranges of a text field. Mouse: select text, then press a number
// (or click a label). Keyboard: ←/→ move the caret over tokens, Shift+←/→ extend, a number
// applies that label, Backspace/Delete removes the span under the caret, Esc clears.

import { h, replace } from "../dom.js";
import { labelText } from "../values.js";
import { digitIndex, keyLabel, optionButton, questionShell } from "./shell.js";
import { slicePoints, tokenize } from "./tokens.js";

export function create(question, ctx) {
  const text = typeof ctx.fieldValue(question.field) === "string" ? ctx.fieldValue(question.field) : "";
  const labels = Object.entries(question.labels);
  const labelIndex = new Map(labels.map(([v], i) => [v, i]));
  const { tokens, gaps } = tokenize(text);
  const shell = questionShell(question, {
    hint: "select text or use ←/→ (Shift extends), then a number",
    suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion,
  });
  let caret = tokens.length ? 0 : -1;
  let anchor = null;

  const palette = h("div", { class: "options span-labels", role: "group", "aria-label": "labels" },
    labels.map(([value, display], i) => optionButton(display, keyLabel(i), () => apply(value), {
      class: ["option", `lab-${i % 8}`], dataset: { value },
    })));
  const textBox = h("div", { class: "span-text", "aria-label": ctx.fieldTitle(question.field) });
  const list = h("ul", { class: "span-list" });
  const note = h("p", { class: "muted small span-note" });
  shell.body.append(palette, textBox, note, list);

  const tokenEls = tokens.map((t, i) => h("span", { class: "tok", dataset: { i: String(i) }, text: t.text }));

  function selection() {
    if (caret < 0) return null;
    const a = anchor ?? caret;
    return [Math.min(a, caret), Math.max(a, caret)];
  }

  function spans() {
    return ctx.form.get(question.name) || [];
  }

  function apply(label) {
    const sel = selection();
    if (!sel) return;
    const start = tokens[sel[0]].start;
    const end = tokens[sel[1]].end;
    let current = spans();
    const same = current.findIndex((s) => s.start === start && s.end === end && s.label === label);
    if (same >= 0) {
      current = current.filter((_, i) => i !== same);
    } else {
      if (!question.allow_overlap) {
        const before = current.length;
        current = current.filter((s) => s.end <= start || s.start >= end);
        note.textContent = before !== current.length ? "replaced an overlapping span (this question does not allow overlap)" : "";
      }
      current = [...current, { start, end, label }].sort((a, b) => a.start - b.start || a.end - b.end);
    }
    anchor = null;
    ctx.form.set(question.name, current);
  }

  function removeAtCaret() {
    if (caret < 0) return false;
    const t = tokens[caret];
    const current = spans();
    const hit = current.map((s, i) => [s, i]).filter(([s]) => s.start < t.end && s.end > t.start).pop();
    if (!hit) return false;
    ctx.form.set(question.name, current.filter((_, i) => i !== hit[1]));
    return true;
  }

  function render() {
    const current = spans();
    const sel = selection();
    const covering = tokens.map(() => []);
    const endsAt = new Map();
    current.forEach((s) => {
      let last = -1;
      tokens.forEach((t, i) => {
        if (t.start < s.end && t.end > s.start) { covering[i].push(s); last = i; }
      });
      if (last >= 0) endsAt.set(last, [...(endsAt.get(last) || []), s]);
    });
    const parts = [];
    tokens.forEach((t, i) => {
      const inside = i > 0 && covering[i].find((s) => covering[i - 1].includes(s));
      parts.push(inside && gaps[i] ? h("span", { class: `gap lab-${labelIndex.get(inside.label) % 8}`, text: gaps[i] }) : gaps[i]);
      const el = tokenEls[i];
      const cover = covering[i];
      el.className = "tok";
      if (cover.length) el.classList.add("ent", `lab-${labelIndex.get(cover[0].label) % 8}`);
      if (cover.length > 1) el.classList.add("multi");
      if (sel && i >= sel[0] && i <= sel[1]) el.classList.add("sel");
      if (i === caret) el.classList.add("caret");
      parts.push(el);
      for (const s of endsAt.get(i) || []) {
        parts.push(h("span", { class: `span-tag lab-${labelIndex.get(s.label) % 8}`, "aria-hidden": "true", text: labelText(question, s.label) }));
      }
    });
    parts.push(gaps[tokens.length]);
    replace(textBox, parts);
    replace(list, current.map((s, i) => h("li", { class: "span-item" },
      h("span", { class: `chip lab-${labelIndex.get(s.label) % 8}`, text: labelText(question, s.label) }),
      h("span", { class: "span-quote", text: slicePoints(text, s.start, s.end) }),
      h("button", {
        type: "button", class: "link", "aria-label": `remove span ${i + 1}`, tabindex: -1,
        onclick: () => ctx.form.set(question.name, spans().filter((_, j) => j !== i)),
      }, "remove"))));
  }

  function tokenOf(node, offset, atEnd) {
    const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const tok = el && el.closest(".tok");
    if (tok && textBox.contains(tok)) return Number(tok.dataset.i);
    // in a gap: the nearest token after (for a start) or before (for an end)
    let target = node;
    if (node === textBox) target = textBox.childNodes[offset] || null;
    let walk = target;
    while (walk && walk.parentNode !== textBox) walk = walk.parentNode;
    const kids = Array.from(textBox.childNodes);
    let idx = walk ? kids.indexOf(walk) : atEnd ? kids.length : 0;
    const step = atEnd ? -1 : 1;
    for (; idx >= 0 && idx < kids.length; idx += step) {
      const k = kids[idx];
      if (k.nodeType === Node.ELEMENT_NODE && k.classList.contains("tok")) return Number(k.dataset.i);
    }
    return -1;
  }

  textBox.addEventListener("mouseup", () => {
    const s = window.getSelection();
    if (!s || s.rangeCount === 0) return;
    const r = s.getRangeAt(0);
    if (!textBox.contains(r.commonAncestorContainer) && r.commonAncestorContainer !== textBox) return;
    if (r.collapsed) {
      const i = tokenOf(r.startContainer, r.startOffset, false);
      if (i >= 0) { caret = i; anchor = null; }
    } else {
      const a = tokenOf(r.startContainer, r.startOffset, false);
      const b = tokenOf(r.endContainer, r.endOffset, true);
      if (a >= 0 && b >= 0 && a <= b) { anchor = a; caret = b; }
      s.removeAllRanges();
    }
    shell.el.focus({ preventScroll: true });
    render();
  });

  return {
    el: shell.el,
    error: shell.error,
    update: render,
    key(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      if (!tokens.length) return false;
      switch (event.key) {
        case "ArrowRight":
        case "ArrowLeft": {
          const d = event.key === "ArrowRight" ? 1 : -1;
          if (event.shiftKey) { if (anchor === null) anchor = caret; } else anchor = null;
          caret = Math.max(0, Math.min(tokens.length - 1, caret + d));
          render();
          tokenEls[caret].scrollIntoView({ block: "nearest" });
          return true;
        }
        case "Home":
        case "End":
          if (event.shiftKey) { if (anchor === null) anchor = caret; } else anchor = null;
          caret = event.key === "Home" ? 0 : tokens.length - 1;
          render();
          return true;
        case "Escape":
          anchor = null;
          render();
          return true;
        case "Backspace":
        case "Delete":
          return removeAtCaret();
        default: {
          const i = digitIndex(event);
          if (i < 0 || i >= labels.length) return false;
          apply(labels[i][0]);
          return true;
        }
      }
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["mouse", "select text"], ["← / →", "move over words"], ["Shift+← / →", "extend the selection"],
    ["1–9, 0", "label the selection"], ["Backspace", "remove the span under the caret"], ["Esc", "clear the selection"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return value.length ? value.map((s) => `${labelText(question, s.label)} ${s.start}–${s.end}`).join(", ") : "(no spans)";
}

/** The value compared regardless of order. */
export function canonical(question, value) {
  return [...value].map((s) => [s.start, s.end, s.label]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || String(a[2]).localeCompare(String(b[2])));
}
