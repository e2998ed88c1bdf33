// bbox: labelled boxes on an image field, in natural image pixels rounded to 2 decimals.
// B draws (drag), V selects (click a box; drag it to move, drag a handle to resize), H or
// Space+drag pans, wheel or +/-/0 zoom. 1-9 pick the label (and relabel the selected box),
// Delete/Backspace removes it, arrows nudge it (Shift: 10 px). Model suggestions are dashed
// with their score: accept one, or all at or above a threshold. By keyboard, with no box
// selected: arrows move a crosshair (Shift: 10x), Enter anchors a corner, Enter again makes
// the box, Escape cancels.

import { h, replace, fmtNumber } from "../dom.js";
import { labelText } from "../values.js";
import { imageQuestion, labClass } from "../media/image_question.js";
import { r2, svg } from "../media/image_stage.js";

const HANDLES = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];
const CLICK_PX = 3;

function own(box) {
  return { x: box.x, y: box.y, w: box.w, h: box.h, label: box.label };
}

function fromCorners(a, b, label) {
  const x1 = r2(Math.min(a[0], b[0]));
  const y1 = r2(Math.min(a[1], b[1]));
  return { x: x1, y: y1, w: r2(r2(Math.max(a[0], b[0])) - x1), h: r2(r2(Math.max(a[1], b[1])) - y1), label };
}

export function create(question, ctx) {
  const suggested = ctx.suggestion && Array.isArray(ctx.suggestion.value) ? ctx.suggestion.value : [];
  const base = imageQuestion(question, ctx, {
    hint: "B draw · V select · drag · 1–9 label · Del remove",
    drawTitle: "box",
    onAccept: suggested.length ? () => acceptMany(suggested) : null,
  });
  const { shell, stage, state, labelIndex } = base;
  const list = h("ul", { class: "shape-list" });
  let selected = -1;
  let drag = null; // {kind: "new"|"move"|"resize", ...}
  let preview = null; // the boxes while dragging
  let threshold = 0.5;
  let cross = null; // keyboard drawing: {pt: [x, y], anchor: [x, y] | null} in image pixels

  const boxes = () => ctx.form.get(question.name) || [];
  const save = (next) => ctx.form.set(question.name, next);

  function acceptMany(items) {
    const have = boxes();
    const key = (b) => `${b.x},${b.y},${b.w},${b.h},${b.label}`;
    const seen = new Set(have.map(key));
    const added = items.map(own).filter((b) => !seen.has(key(b)));
    if (added.length) save([...have, ...added]);
  }

  let suggestionBox = null;
  const acceptButtons = [];
  if (suggested.length && stage) {
    const input = h("input", {
      type: "number", min: 0, max: 1, step: 0.05, value: threshold, class: "threshold", tabindex: -1, "aria-label": "score threshold",
      onchange: () => { threshold = Math.min(1, Math.max(0, Number(input.value) || 0)); render(); },
    });
    suggestionBox = h("div", { class: "media-suggestions" },
      h("div", { class: "row" },
        h("span", { class: "suggestion-tag", text: `${suggested.length} suggested box${suggested.length === 1 ? "" : "es"}` }),
        h("label", { class: "inline small" }, "score ≥", input),
        h("button", { type: "button", class: "secondary accept-above", tabindex: -1,
          onclick: () => acceptMany(suggested.filter((s) => (s.score ?? 1) >= threshold)) }, "accept all above threshold")),
      h("ul", { class: "shape-list suggestion-list" }, suggested.map((s, i) => h("li", { class: "shape-item" },
        h("span", { class: `chip ${labClass(labelIndex, s.label)}`, text: labelText(question, s.label) }),
        h("span", { class: "score", text: s.score === undefined || s.score === null ? "" : `score ${fmtNumber(s.score, 2)}` }),
        h("span", { class: "coords", text: `${s.x}, ${s.y} · ${s.w}×${s.h}` }),
        acceptButtons[i] = h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `accept suggested box ${i + 1}`,
          onclick: () => acceptMany([s]) }, "accept")))));
  }
  if (stage) shell.body.append(...[suggestionBox, list].filter(Boolean));
  else return { el: shell.el, error: shell.error, update() {}, key: () => false };

  function rect(b, attrs) {
    const [x1, y1] = stage.toScreen([b.x, b.y]);
    const [x2, y2] = stage.toScreen([b.x + b.w, b.y + b.h]);
    return svg("rect", { x: x1, y: y1, width: Math.max(0, x2 - x1), height: Math.max(0, y2 - y1), ...attrs });
  }

  function tag(b, text, extra = "") {
    const [x, y] = stage.toScreen([b.x, b.y]);
    return svg("text", { class: `shape-tag ${labClass(labelIndex, b.label)} ${extra}`, x: x + 3, y: Math.max(12, y - 4), text });
  }

  function render() {
    const current = preview || boxes();
    if (selected >= current.length) selected = -1;
    const parts = [];
    suggested.forEach((s, i) => {
      const taken = current.some((b) => b.x === s.x && b.y === s.y && b.w === s.w && b.h === s.h && b.label === s.label);
      if (acceptButtons[i]) { acceptButtons[i].disabled = taken; acceptButtons[i].textContent = taken ? "accepted" : "accept"; }
      if (taken) return;
      const cls = (s.score ?? 1) >= threshold ? "suggested" : "suggested below";
      parts.push(rect(s, { class: `shape ${cls} ${labClass(labelIndex, s.label)}` }));
      parts.push(tag(s, `${labelText(question, s.label)} ${s.score === undefined || s.score === null ? "" : fmtNumber(s.score, 2)}`, cls));
    });
    current.forEach((b, i) => {
      parts.push(rect(b, { class: `shape box ${labClass(labelIndex, b.label)} ${i === selected ? "selected" : ""}`, dataset: { i: String(i) } }));
      parts.push(tag(b, labelText(question, b.label)));
    });
    if (drag && drag.kind === "new" && drag.box) parts.push(rect(drag.box, { class: `shape drawing ${labClass(labelIndex, drag.box.label)}` }));
    if (cross) {
      if (cross.anchor) parts.push(rect(fromCorners(cross.anchor, cross.pt, state.label), { class: `shape drawing ${labClass(labelIndex, state.label)}` }));
      const [cx, cy] = stage.toScreen(cross.pt);
      parts.push(svg("line", { class: "crosshair", x1: cx - 12, y1: cy, x2: cx + 12, y2: cy }),
        svg("line", { class: "crosshair", x1: cx, y1: cy - 12, x2: cx, y2: cy + 12 }));
    }
    if (selected >= 0) {
      const b = current[selected];
      for (const name of HANDLES) {
        const hx = name.includes("w") ? b.x : name.includes("e") ? b.x + b.w : b.x + b.w / 2;
        const hy = name.includes("n") ? b.y : name.includes("s") ? b.y + b.h : b.y + b.h / 2;
        const [sx, sy] = stage.toScreen([hx, hy]);
        parts.push(svg("rect", { class: `handle handle-${name}`, x: sx - 4, y: sy - 4, width: 8, height: 8, dataset: { handle: name } }));
      }
    }
    replace(stage.shapes, parts);
    shell.el.dataset.count = String(boxes().length);
    replace(list, boxes().map((b, i) => h("li", { class: ["shape-item", i === selected && "selected"] },
      h("button", { type: "button", class: `chip ${labClass(labelIndex, b.label)}`, tabindex: -1, onclick: () => { selected = i; render(); },
        text: labelText(question, b.label) }),
      h("span", { class: "coords", text: `${b.x}, ${b.y} · ${b.w}×${b.h}` }),
      h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `remove box ${i + 1}`,
        onclick: () => { selected = -1; save(boxes().filter((_, j) => j !== i)); } }, "remove"))));
  }
  stage.onView = render;

  function resized(b, handle, pt) {
    let left = b.x; let top = b.y; let right = b.x + b.w; let bottom = b.y + b.h;
    if (handle.includes("w")) left = pt[0];
    if (handle.includes("e")) right = pt[0];
    if (handle.includes("n")) top = pt[1];
    if (handle.includes("s")) bottom = pt[1];
    return fromCorners([left, top], [right, bottom], b.label);
  }

  stage.handler = {
    down(pt, event) {
      const target = event.target instanceof Element ? event.target : null;
      const handle = target && target.dataset ? target.dataset.handle : undefined;
      const hit = target && target.dataset && target.dataset.i !== undefined ? Number(target.dataset.i) : -1;
      shell.el.focus({ preventScroll: true });
      if (handle && selected >= 0) {
        drag = { kind: "resize", handle, start: pt, original: boxes()[selected] };
      } else if (stage.tool === "select") {
        selected = hit;
        drag = hit >= 0 ? { kind: "move", start: pt, original: boxes()[hit] } : null;
      } else {
        drag = { kind: "new", start: pt, hit, box: null };
      }
      render();
    },
    move(pt, _event, pressed) {
      if (!drag || !pressed) return;
      const all = boxes();
      if (drag.kind === "new") {
        drag.box = stage.screenDistance(drag.start, pt) >= CLICK_PX ? fromCorners(drag.start, pt, state.label) : null;
      } else if (drag.kind === "move") {
        const o = drag.original;
        const dx = Math.min(stage.natural.w - o.x - o.w, Math.max(-o.x, pt[0] - drag.start[0]));
        const dy = Math.min(stage.natural.h - o.y - o.h, Math.max(-o.y, pt[1] - drag.start[1]));
        preview = all.map((b, i) => (i === selected ? { ...own(b), x: r2(o.x + dx), y: r2(o.y + dy) } : b));
      } else {
        preview = all.map((b, i) => (i === selected ? resized(drag.original, drag.handle, pt) : b));
      }
      render();
    },
    up(pt) {
      const d = drag;
      drag = null;
      const moved = preview;
      preview = null;
      if (!d) return;
      if (d.kind === "new") {
        const box = stage.screenDistance(d.start, pt) >= CLICK_PX ? fromCorners(d.start, pt, state.label) : null;
        if (box && box.w > 0 && box.h > 0 && box.label !== null) {
          selected = boxes().length;
          save([...boxes(), box]);
        } else {
          selected = d.hit; // a click selects the box under it
          render();
        }
      } else if (moved && moved[selected] && moved[selected].w > 0 && moved[selected].h > 0 &&
                 JSON.stringify(moved[selected]) !== JSON.stringify(own(boxes()[selected]))) {
        save(moved);
      } else {
        render();
      }
    },
  };

  state.onLabel = (label) => {
    if (selected < 0) return;
    save(boxes().map((b, i) => (i === selected ? { ...own(b), label } : b)));
  };

  function nudge(dx, dy) {
    const all = boxes();
    const b = all[selected];
    const x = r2(Math.min(stage.natural.w - b.w, Math.max(0, b.x + dx)));
    const y = r2(Math.min(stage.natural.h - b.h, Math.max(0, b.y + dy)));
    save(all.map((o, i) => (i === selected ? { ...own(o), x, y } : o)));
  }

  /** Keyboard drawing (no box selected): arrows move the crosshair, Enter anchors, Enter
   * again makes the box, Escape cancels; true when the key was used. */
  function crossKey(event) {
    if (!stage.natural) return false;
    const { w, h: ht } = stage.natural;
    const unit = Math.max(1, Math.round(Math.min(w, ht) / 50)) * (event.shiftKey ? 10 : 1);
    const arrows = { ArrowLeft: [-unit, 0], ArrowRight: [unit, 0], ArrowUp: [0, -unit], ArrowDown: [0, unit] };
    if (arrows[event.key] || event.key === "Enter") {
      if (!cross) cross = { pt: [r2(w / 2), r2(ht / 2)], anchor: null }; // starts at the centre
      if (arrows[event.key]) {
        const [dx, dy] = arrows[event.key];
        cross.pt = [r2(Math.min(w, Math.max(0, cross.pt[0] + dx))), r2(Math.min(ht, Math.max(0, cross.pt[1] + dy)))];
      } else if (!cross.anchor) cross.anchor = [...cross.pt];
      else {
        const box = fromCorners(cross.anchor, cross.pt, state.label);
        cross = { pt: cross.pt, anchor: null };
        if (box.w > 0 && box.h > 0 && box.label !== null) { selected = -1; save([...boxes(), box]); return true; }
      }
      render();
      return true;
    }
    if (event.key === "Escape" && cross) { cross = null; render(); return true; }
    return false;
  }

  return {
    el: shell.el,
    error: shell.error,
    update: render,
    key(event) {
      if (base.commonKey(event)) return true;
      if (selected < 0 && !event.ctrlKey && !event.metaKey && !event.altKey && crossKey(event)) return true;
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      if ((event.key === "Delete" || event.key === "Backspace") && selected >= 0) {
        const i = selected;
        selected = -1;
        save(boxes().filter((_, j) => j !== i));
        return true;
      }
      if (event.key === "Escape" && selected >= 0) { selected = -1; render(); return true; }
      const step = event.shiftKey ? 10 : 1;
      const arrows = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (arrows[event.key] && selected >= 0 && stage.natural) { nudge(...arrows[event.key]); return true; }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["B", "draw boxes (drag)"], ["V", "select: drag to move, handles resize"], ["H or Space+drag", "pan"],
    ["wheel, + / −, 0", "zoom, fit"], ["1–9", "label (of the selected box)"], ["Delete", "remove the selected box"],
    ["arrows", "nudge 1 px (Shift: 10)"], ["arrows, Enter, Enter", "no box selected: move the crosshair, anchor a corner, make the box (Esc cancels)"], ["P / K", "the polygon / keypoints question on the same image"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return value.length ? value.map((b) => `${labelText(question, b.label)} ${b.x},${b.y} ${b.w}×${b.h}`).join(", ") : "(no boxes)";
}

/** The value compared regardless of order. */
export function canonical(question, value) {
  return [...value].map((b) => [b.x, b.y, b.w, b.h, b.label]).sort();
}
