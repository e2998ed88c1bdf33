// polygon: labelled polygons on an image field (natural pixels, 2 decimals, >= 3 points).
// P draws: click to add points, close by clicking the first point or Enter; Backspace drops the
// last point, Esc cancels. V selects: click a polygon, drag it to move or drag a corner.
// 1-9 pick the label (and relabel the selected polygon), Delete removes it.

import { h, replace } from "../dom.js";
import { labelText } from "../values.js";
import { imageQuestion, labClass } from "../media/image_question.js";
import { r2, svg } from "../media/image_stage.js";

const CLOSE_PX = 8;

function own(p) {
  return { points: p.points.map(([x, y]) => [x, y]), label: p.label };
}

export function create(question, ctx) {
  const base = imageQuestion(question, ctx, {
    hint: "P draw · click points, Enter or first point closes · Esc cancels · 1–9 label",
    drawTitle: "polygon",
  });
  const { shell, stage, state, labelIndex } = base;
  if (!stage) return { el: shell.el, error: shell.error, update() {}, key: () => false };
  const list = h("ul", { class: "shape-list" });
  const note = h("p", { class: "muted small draw-note" });
  shell.body.append(note, list);
  let selected = -1;
  let drawing = null; // [[x, y], ...] not yet closed
  let hover = null;
  let drag = null; // {kind: "move"|"vertex", start, original, vertex}
  let preview = null;

  const polygons = () => ctx.form.get(question.name) || [];
  const save = (next) => ctx.form.set(question.name, next);
  const pt2 = ([x, y]) => [r2(x), r2(y)];

  function close() {
    if (!drawing || drawing.length < 3) return false;
    selected = polygons().length;
    const poly = { points: drawing, label: state.label };
    drawing = null;
    save([...polygons(), poly]);
    return true;
  }

  function render() {
    const current = preview || polygons();
    if (selected >= current.length) selected = -1;
    const parts = [];
    const screen = (pts) => pts.map((p) => stage.toScreen(p).join(",")).join(" ");
    current.forEach((p, i) => {
      parts.push(svg("polygon", { class: `shape poly ${labClass(labelIndex, p.label)} ${i === selected ? "selected" : ""}`,
        points: screen(p.points), dataset: { i: String(i) } }));
      const [x, y] = stage.toScreen(p.points[0]);
      parts.push(svg("text", { class: `shape-tag ${labClass(labelIndex, p.label)}`, x: x + 4, y: Math.max(12, y - 4), text: labelText(question, p.label) }));
    });
    if (selected >= 0) {
      current[selected].points.forEach((p, v) => {
        const [x, y] = stage.toScreen(p);
        parts.push(svg("circle", { class: "handle", cx: x, cy: y, r: 4.5, dataset: { vertex: String(v) } }));
      });
    }
    if (drawing) {
      const pts = hover ? [...drawing, hover] : drawing;
      parts.push(svg("polyline", { class: `shape drawing ${labClass(labelIndex, state.label)}`, points: screen(pts) }));
      drawing.forEach((p, v) => {
        const [x, y] = stage.toScreen(p);
        parts.push(svg("circle", { class: v === 0 ? "handle first" : "handle", cx: x, cy: y, r: v === 0 ? 6 : 3.5, dataset: v === 0 ? { first: "1" } : {} }));
      });
    }
    replace(stage.shapes, parts);
    shell.el.dataset.count = String(polygons().length);
    note.textContent = drawing
      ? `${drawing.length} point${drawing.length === 1 ? "" : "s"} — ${drawing.length >= 3 ? "click the first point or press Enter to close" : "click to add points"}, Esc cancels`
      : "";
    replace(list, polygons().map((p, i) => h("li", { class: ["shape-item", i === selected && "selected"] },
      h("button", { type: "button", class: `chip ${labClass(labelIndex, p.label)}`, tabindex: -1, onclick: () => { selected = i; render(); },
        text: labelText(question, p.label) }),
      h("span", { class: "coords", text: `${p.points.length} points` }),
      h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `remove polygon ${i + 1}`,
        onclick: () => { selected = -1; save(polygons().filter((_, j) => j !== i)); } }, "remove"))));
  }
  stage.onView = render;
  state.onTool = (tool) => { if (tool !== "draw" && drawing) { drawing = null; render(); } };

  stage.handler = {
    down(pt, event) {
      const t = event.target instanceof Element ? event.target : null;
      const data = t && t.dataset ? t.dataset : {};
      shell.el.focus({ preventScroll: true });
      if (stage.tool === "draw") {
        if (drawing && drawing.length >= 3 && (data.first || stage.screenDistance(pt, drawing[0]) <= CLOSE_PX)) {
          close();
          return;
        }
        if (!drawing) { drawing = []; selected = -1; }
        drawing.push(pt2(pt));
        render();
        return;
      }
      if (data.vertex !== undefined && selected >= 0) {
        drag = { kind: "vertex", vertex: Number(data.vertex), original: polygons()[selected], start: pt };
      } else {
        selected = data.i !== undefined ? Number(data.i) : -1;
        drag = selected >= 0 ? { kind: "move", original: polygons()[selected], start: pt } : null;
      }
      render();
    },
    move(pt, _event, pressed) {
      if (drawing && !pressed) { hover = pt; render(); return; }
      if (!drag || !pressed) return;
      const o = drag.original;
      let moved;
      if (drag.kind === "vertex") {
        moved = { ...own(o), points: o.points.map((p, v) => (v === drag.vertex ? pt2(pt) : p)) };
      } else {
        const xs = o.points.map((p) => p[0]);
        const ys = o.points.map((p) => p[1]);
        const dx = Math.min(stage.natural.w - Math.max(...xs), Math.max(-Math.min(...xs), pt[0] - drag.start[0]));
        const dy = Math.min(stage.natural.h - Math.max(...ys), Math.max(-Math.min(...ys), pt[1] - drag.start[1]));
        moved = { ...own(o), points: o.points.map(([x, y]) => pt2([x + dx, y + dy])) };
      }
      preview = polygons().map((p, i) => (i === selected ? moved : p));
      render();
    },
    up() {
      const moved = preview;
      drag = null;
      preview = null;
      if (moved && JSON.stringify(moved[selected]) !== JSON.stringify(own(polygons()[selected]))) save(moved);
      else render();
    },
  };

  state.onLabel = (label) => {
    if (drawing) { render(); return; }
    if (selected < 0) return;
    save(polygons().map((p, i) => (i === selected ? { ...own(p), label } : p)));
  };

  return {
    el: shell.el,
    error: shell.error,
    update: render,
    key(event) {
      if (drawing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        if (event.key === "Enter") { close(); return true; }
        if (event.key === "Escape") { drawing = null; hover = null; render(); return true; }
        if (event.key === "Backspace" || event.key === "Delete") {
          drawing.pop();
          if (!drawing.length) drawing = null;
          render();
          return true;
        }
      }
      if (base.commonKey(event)) return true;
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      if ((event.key === "Delete" || event.key === "Backspace") && selected >= 0) {
        const i = selected;
        selected = -1;
        save(polygons().filter((_, j) => j !== i));
        return true;
      }
      if (event.key === "Escape" && selected >= 0) { selected = -1; render(); return true; }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["P", "draw: click points"], ["Enter or first point", "close the polygon"], ["Esc", "cancel"],
    ["Backspace", "drop the last point"], ["V", "select: drag to move, drag a corner"], ["1–9", "label"],
    ["Delete", "remove the selected polygon"], ["wheel, + / −, 0", "zoom, fit"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return value.length ? value.map((p) => `${labelText(question, p.label)} (${p.points.length} points)`).join(", ") : "(no polygons)";
}

/** The value compared regardless of order. */
export function canonical(question, value) {
  return [...value].map((p) => [JSON.stringify(p.points), p.label]).sort();
}
