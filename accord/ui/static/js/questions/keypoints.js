// keypoints: named points of one or more instances on an image field, with the skeleton from
// the settings drawn as lines. K places points: each click sets the next point name in order
// (shown in the list); S skips it (not visible); N starts a new instance (one also starts when
// all names are placed or skipped). V selects: drag a point to move it, Delete removes it (the
// point becomes not visible). 1-9 pick the instance label when the question has labels.

import { h, replace } from "../dom.js";
import { labelText } from "../values.js";
import { imageQuestion, labClass } from "../media/image_question.js";
import { r2, svg } from "../media/image_stage.js";

export function create(question, ctx) {
  const names = question.points || [];
  const skeleton = question.skeleton || [];
  const hasLabels = Boolean(question.labels && Object.keys(question.labels).length);
  const base = imageQuestion(question, ctx, {
    hint: "K place the next point · S skip · N new instance · V select",
    drawTitle: "points",
  });
  const { shell, stage, state, labelIndex } = base;
  if (!stage) return { el: shell.el, error: shell.error, update() {}, key: () => false };
  const order = h("ol", { class: "keypoint-order", "aria-label": "points in order" });
  const list = h("ul", { class: "shape-list" });
  shell.body.append(order, list);
  let currentInst = -1; // the instance being placed, -1: the next click starts one
  const skipped = new Map(); // instance index -> Set of names skipped (not visible)
  let selected = null; // {inst, name}
  let drag = null;
  let preview = null;

  const instances = () => ctx.form.get(question.name) || [];
  const save = (next) => ctx.form.set(question.name, next);
  const copy = (inst) => {
    const out = { points: Object.fromEntries(Object.entries(inst.points).map(([k, p]) => [k, [p[0], p[1]]])) };
    if (inst.label !== undefined) out.label = inst.label;
    return out;
  };

  function nextName(instIndex) {
    const inst = instances()[instIndex];
    if (!inst) return names[0];
    const skip = skipped.get(instIndex) || new Set();
    return names.find((n) => !(n in inst.points) && !skip.has(n)) ?? null;
  }

  function pending() {
    const name = currentInst >= 0 && currentInst < instances().length ? nextName(currentInst) : null;
    return name ?? names[0];
  }

  function place(pt) {
    const all = instances();
    const p = [r2(pt[0]), r2(pt[1])];
    if (currentInst < 0 || currentInst >= all.length || nextName(currentInst) === null) {
      const inst = { points: { [names[0]]: p } };
      if (hasLabels) inst.label = state.label;
      currentInst = all.length;
      skipped.delete(currentInst);
      selected = { inst: currentInst, name: names[0] };
      save([...all, inst]);
      return;
    }
    const name = nextName(currentInst);
    selected = { inst: currentInst, name };
    save(all.map((inst, i) => (i === currentInst ? { ...copy(inst), points: { ...copy(inst).points, [name]: p } } : inst)));
  }

  function skip() {
    if (currentInst < 0 || currentInst >= instances().length) return;
    const name = nextName(currentInst);
    if (name === null) return;
    if (!skipped.has(currentInst)) skipped.set(currentInst, new Set());
    skipped.get(currentInst).add(name);
    render();
  }

  function removePoint(sel) {
    const all = instances();
    const inst = all[sel.inst];
    if (!inst) return;
    const points = { ...copy(inst).points };
    delete points[sel.name];
    selected = null;
    if (!Object.keys(points).length) {
      if (currentInst === sel.inst) currentInst = -1;
      save(all.filter((_, i) => i !== sel.inst));
    } else {
      save(all.map((x, i) => (i === sel.inst ? { ...copy(x), points } : x)));
    }
  }

  function render() {
    const all = preview || instances();
    if (currentInst >= all.length) currentInst = -1;
    const parts = [];
    all.forEach((inst, i) => {
      const cls = hasLabels ? labClass(labelIndex, inst.label) : `lab-${i % 8}`;
      for (const [a, b] of skeleton) {
        if (!(a in inst.points) || !(b in inst.points)) continue;
        const [x1, y1] = stage.toScreen(inst.points[a]);
        const [x2, y2] = stage.toScreen(inst.points[b]);
        parts.push(svg("line", { class: `bone ${cls}`, x1, y1, x2, y2 }));
      }
      for (const name of names) {
        if (!(name in inst.points)) continue;
        const [x, y] = stage.toScreen(inst.points[name]);
        const isSel = selected && selected.inst === i && selected.name === name;
        parts.push(svg("circle", { class: `keypoint ${cls} ${isSel ? "selected" : ""}`, cx: x, cy: y, r: isSel ? 6 : 5,
          dataset: { inst: String(i), name } }));
        parts.push(svg("text", { class: `point-name ${cls}`, x: x + 7, y: y - 6, text: name }));
      }
    });
    replace(stage.shapes, parts);
    shell.el.dataset.count = String(instances().length);
    const next = pending();
    const placing = currentInst >= 0 && nextName(currentInst) !== null ? instances()[currentInst] : null;
    const skip = (placing && skipped.get(currentInst)) || new Set();
    replace(order, names.map((n) => h("li", {
      class: ["kp-name", placing && n in placing.points && "placed", skip.has(n) && "skipped", n === next && "next"],
    }, h("span", { text: n }), n === next ? h("span", { class: "muted small", text: " ← next click" }) : null)));
    replace(list, instances().map((inst, i) => h("li", { class: ["shape-item", i === currentInst && "selected"] },
      h("button", { type: "button", class: `chip ${hasLabels ? labClass(labelIndex, inst.label) : `lab-${i % 8}`}`, tabindex: -1,
        onclick: () => { currentInst = i; render(); },
        text: hasLabels ? labelText(question, inst.label) : `instance ${i + 1}` }),
      h("span", { class: "coords", text: `${Object.keys(inst.points).length} of ${names.length} points` }),
      h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `remove instance ${i + 1}`,
        onclick: () => { if (currentInst === i) currentInst = -1; selected = null; save(instances().filter((_, j) => j !== i)); } }, "remove"))));
  }
  stage.onView = render;

  stage.handler = {
    down(pt, event) {
      const t = event.target instanceof Element ? event.target : null;
      const data = t && t.dataset ? t.dataset : {};
      shell.el.focus({ preventScroll: true });
      if (stage.tool === "draw") { place(pt); return; }
      if (data.name !== undefined) {
        selected = { inst: Number(data.inst), name: data.name };
        currentInst = selected.inst;
        drag = { original: instances()[selected.inst] };
      } else {
        selected = null;
      }
      render();
    },
    move(pt, _event, pressed) {
      if (!drag || !pressed || !selected) return;
      const moved = copy(drag.original);
      moved.points[selected.name] = [r2(pt[0]), r2(pt[1])];
      preview = instances().map((x, i) => (i === selected.inst ? moved : x));
      render();
    },
    up() {
      const moved = preview;
      drag = null;
      preview = null;
      if (moved) save(moved); else render();
    },
  };

  state.onLabel = (label) => {
    if (!hasLabels || currentInst < 0 || currentInst >= instances().length) return;
    save(instances().map((x, i) => (i === currentInst ? { ...copy(x), label } : x)));
  };

  return {
    el: shell.el,
    error: shell.error,
    update: render,
    key(event) {
      if (base.commonKey(event)) return true;
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      const k = event.key.toLowerCase();
      if (k === "s") { skip(); return true; }
      if (k === "n") { currentInst = -1; selected = null; render(); return true; }
      if ((event.key === "Delete" || event.key === "Backspace") && selected) { removePoint(selected); return true; }
      if (event.key === "Escape" && selected) { selected = null; render(); return true; }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["K", "click places the next point"], ["S", "skip the next point (not visible)"], ["N", "new instance"],
    ["V", "select: drag a point"], ["Delete", "remove the selected point"], ["wheel, + / −, 0", "zoom, fit"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return value.length ? value.map((k) => `${k.label !== undefined ? `${labelText(question, k.label)} ` : ""}${Object.keys(k.points).join("+")}`).join(", ") : "(no instances)";
}

/** The value compared regardless of order. */
export function canonical(question, value) {
  return [...value].map((k) => JSON.stringify([k.points, k.label ?? null])).sort();
}
