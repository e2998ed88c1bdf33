// cuboid: labelled 3D boxes on a point-cloud field (center x, y, z, size l, w, h, heading
// yaw in radians; the LiDAR frame: x forward, y left, z up). Drag in the top view (T) to draw
// a box: its footprint as drawn, its height spanning the points inside it (5 cm spare). Select a box by
// clicking it; drag it to move. In the side (S) and front (F) views, which look at the
// selected box along its own axes, drag its top or bottom edge to set the height and its end
// edges to set the length (side) or width (front); drag inside to move. O: the 3D orbit view.
// R / Shift+R turn the selected box by 5 degrees, arrows move it 0.1 m in the top view
// (Shift: 1 m), 1-9 pick the label, Delete removes. Points inside a box are highlighted and
// counted (the same test as the server's, js/point_cloud/cuboids.js).

import { h, replace } from "../dom.js";
import { labelText } from "../values.js";
import { keyLabel, optionButton, questionShell } from "./shell.js";
import { LAB_COLORS, labelDigit } from "../media/image_question.js";
import { PointCloudViewer, loadPoints, pointCloudSource } from "../point_cloud/viewer.js";
import { countInside, wrapAngle } from "../point_cloud/cuboids.js";

const KEYS = ["x", "y", "z", "l", "w", "h", "yaw"];
const MIN_SIZE = 0.05;
const EDGE_PX = 8;
const Z_MARGIN = 0.05; // a new cuboid spans its points' heights with 5 cm to spare
const r3 = (v) => Math.round(v * 1000) / 1000;
const r4 = (v) => Math.round(v * 10000) / 10000;

function own(c) {
  return { x: r3(c.x), y: r3(c.y), z: r3(c.z), l: r3(c.l), w: r3(c.w), h: r3(c.h), yaw: r4(wrapAngle(c.yaw)), label: c.label };
}

export function create(question, ctx) {
  const suggested = ctx.suggestion && Array.isArray(ctx.suggestion.value) ? ctx.suggestion.value : [];
  const shell = questionShell(question, {
    hint: "T top · S side · F front · O 3D · drag to draw · R rotate · 1–9 label · Del remove",
    suggestion: ctx.suggestion,
    onAccept: suggested.length ? () => save([...cuboids(), ...suggested.map(own)]) : null,
  });
  shell.el.dataset.pointCloudField = question.field;
  const src = pointCloudSource(ctx.fieldValue(question.field));
  if (!src) {
    shell.body.append(h("div", { class: "blocked" },
      h("span", { text: "point cloud not shown: the viewer reads .pcd and .bin files under the media root" }),
      h("code", { class: "small", text: String(ctx.fieldValue(question.field) ?? "(empty)").slice(0, 200) })));
    return { el: shell.el, error: shell.error, update() {}, key: () => false };
  }
  const labels = question.labels ? Object.entries(question.labels) : [];
  const labelIndex = new Map(labels.map(([v], i) => [v, i]));
  let label = labels.length ? labels[0][0] : null;
  let selected = -1;
  let drag = null;
  let preview = null;
  let points = new Float32Array(0);

  const viewer = new PointCloudViewer({ height: 420 });
  const cuboids = () => ctx.form.get(question.name) || [];
  const save = (next) => ctx.form.set(question.name, next);
  const paletteButtons = labels.map(([v, text], i) => optionButton(text, keyLabel(i), () => pickLabel(v), {
    class: ["option", `lab-${i % LAB_COLORS}`], role: "radio", dataset: { value: v },
  }));
  const list = h("ul", { class: "shape-list cuboid-list" });
  const editor = h("div", { class: "cuboid-editor" });
  shell.body.append(
    labels.length ? h("div", { class: "options media-labels", role: "radiogroup", "aria-label": "labels" }, paletteButtons) : null,
    viewer.el, editor, list);

  function pickLabel(v) {
    label = v;
    paletteButtons.forEach((b, i) => b.setAttribute("aria-checked", String(labels[i][0] === v)));
    if (selected >= 0 && cuboids()[selected] && cuboids()[selected].label !== v) {
      save(cuboids().map((c, i) => (i === selected ? { ...c, label: v } : c)));
    }
  }

  function shown() {
    const all = cuboids().slice();
    if (preview && preview.index >= 0) all[preview.index] = preview.cuboid;
    else if (preview) all.push(preview.cuboid);
    return all;
  }

  function render() {
    const all = shown();
    if (selected >= all.length) selected = -1;
    viewer.setCuboids(all, preview && preview.index < 0 ? all.length - 1 : selected, labelIndex);
    replace(list, ...cuboids().map((c, i) => h("li", {
      class: `shape-item${i === selected ? " selected" : ""}`, dataset: { index: i },
      onclick: () => select(i),
    },
    h("span", { class: `chip lab-${(labelIndex.get(c.label) ?? 7) % LAB_COLORS}`, text: labelText(question, c.label) }),
    h("span", { class: "points", text: `${countInside(points, c).toLocaleString()} points` }),
    h("span", { class: "coords", text: `${c.x}, ${c.y}, ${c.z} · ${c.l}×${c.w}×${c.h} · yaw ${c.yaw}` }))));
    renderEditor();
  }

  function renderEditor() {
    const c = cuboids()[selected];
    if (!c) { replace(editor); return; }
    replace(editor, ...KEYS.map((k) => h("label", { class: "inline small" }, k,
      h("input", {
        type: "number", step: k === "yaw" ? 0.01 : 0.1, value: c[k], tabindex: -1, dataset: { key: k },
        onchange: (e) => {
          const v = Number(e.target.value);
          if (!Number.isFinite(v) || (["l", "w", "h"].includes(k) && v <= 0)) { e.target.value = c[k]; return; }
          update(selected, { ...cuboids()[selected], [k]: v });
        },
      }))));
  }

  function select(i) {
    selected = i;
    const c = cuboids()[i];
    if (c) pickLabel(c.label);
    if (c && viewer.viewName !== "3d" && viewer.viewName !== "top") viewer.setView(viewer.viewName, c);
    render();
  }

  function update(i, c) {
    save(cuboids().map((x, j) => (j === i ? own(c) : x)));
  }

  /** The local coordinates of a world point in the frame of cuboid c (metres from its center). */
  function localOf(c, world) {
    const dx = world.x - c.x, dy = world.y - c.y;
    const cos = Math.cos(c.yaw), sin = Math.sin(c.yaw);
    return { u: dx * cos + dy * sin, v: -dx * sin + dy * cos, z: world.z - c.z };
  }

  function hit(world) {
    const all = cuboids();
    for (let k = 0; k < all.length; k += 1) {
      const i = (selected + 1 + k) % all.length; // cycle through overlapping boxes
      const p = localOf(all[i], world);
      if (Math.abs(p.u) <= all[i].l / 2 && Math.abs(p.v) <= all[i].w / 2) return i;
    }
    return -1;
  }

  /** A new cuboid from two top-view corners; its height spans the points in its footprint
   * (with Z_MARGIN above and below), or 0..1.5 m when there are none. */
  function fromFootprint(a, b) {
    const c = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, z: 0, l: Math.abs(a.x - b.x), w: Math.abs(a.y - b.y), h: 1, yaw: 0, label };
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < points.length; i += 4) {
      if (Math.abs(points[i] - c.x) <= c.l / 2 && Math.abs(points[i + 1] - c.y) <= c.w / 2) {
        lo = Math.min(lo, points[i + 2]); hi = Math.max(hi, points[i + 2]);
      }
    }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1.5; } else { lo -= Z_MARGIN; hi += Z_MARGIN; }
    c.h = Math.max(MIN_SIZE, hi - lo);
    c.z = lo + c.h / 2;
    return c;
  }

  viewer.onView = () => render();
  viewer.onPointer = (phase, event, world, [px, py]) => {
    const view = viewer.viewName;
    if (phase === "down") {
      if (view === "top") {
        const i = hit(world);
        if (i >= 0) {
          select(i);
          drag = { kind: "move", index: i, start: world, orig: { ...cuboids()[i] } };
        } else {
          if (!label) return false;
          drag = { kind: "new", start: world };
        }
        return true;
      }
      const c = cuboids()[selected];
      if (!c) return false;
      // side: across is the length (along the heading); front: the width
      const p = localOf(c, world);
      const across = view === "side" ? p.u : p.v;
      const half = (view === "side" ? c.l : c.w) / 2;
      const tol = EDGE_PX / viewer.ortho.scale;
      const bottom = c.z - c.h / 2, top = c.z + c.h / 2;
      let kind = null;
      if (Math.abs(across) <= half + tol) {
        if (Math.abs(world.z - top) <= tol) kind = "top";
        else if (Math.abs(world.z - bottom) <= tol) kind = "bottom";
      }
      if (!kind && world.z >= bottom - tol && world.z <= top + tol) {
        if (Math.abs(across - half) <= tol) kind = "end+";
        else if (Math.abs(across + half) <= tol) kind = "end-";
        else if (Math.abs(across) < half) kind = "move";
      }
      if (!kind) return false;
      drag = { kind, index: selected, start: world, orig: { ...c } };
      return true;
    }
    if (!drag) return false;
    const o = drag.orig;
    let next = null;
    if (drag.kind === "new") {
      next = fromFootprint(drag.start, world);
    } else if (drag.kind === "move") {
      next = { ...o, x: o.x + world.x - drag.start.x, y: o.y + world.y - drag.start.y, z: o.z + (view === "top" ? 0 : world.z - drag.start.z) };
    } else if (drag.kind === "top" || drag.kind === "bottom") {
      const bottom = drag.kind === "bottom" ? Math.min(world.z, o.z + o.h / 2 - MIN_SIZE) : o.z - o.h / 2;
      const top = drag.kind === "top" ? Math.max(world.z, o.z - o.h / 2 + MIN_SIZE) : o.z + o.h / 2;
      next = { ...o, z: (top + bottom) / 2, h: top - bottom };
    } else {
      // an end edge: the opposite end stays where it was
      const axis = view === "side" ? [Math.cos(o.yaw), Math.sin(o.yaw)] : [-Math.sin(o.yaw), Math.cos(o.yaw)];
      const size = view === "side" ? "l" : "w";
      const p = localOf(o, world);
      const at = view === "side" ? p.u : p.v;
      const sign = drag.kind === "end+" ? 1 : -1;
      const fixed = -sign * o[size] / 2;
      const moved = sign > 0 ? Math.max(at, fixed + MIN_SIZE) : Math.min(at, fixed - MIN_SIZE);
      const mid = (fixed + moved) / 2;
      next = { ...o, x: o.x + axis[0] * mid, y: o.y + axis[1] * mid, [size]: Math.abs(moved - fixed) };
    }
    if (phase === "move") {
      preview = { index: drag.kind === "new" ? -1 : drag.index, cuboid: own(next) };
      render();
      return true;
    }
    preview = null;
    const kind = drag.kind;
    drag = null;
    if (kind === "new") {
      if (next.l >= MIN_SIZE && next.w >= MIN_SIZE) {
        save([...cuboids(), own(next)]);
        selected = cuboids().length - 1;
      }
      render();
    } else {
      update(selected, next);
    }
    return true;
  };

  loadPoints(src).then((pts) => { points = pts; viewer.setPoints(pts); render(); shell.el.dataset.loaded = "true"; })
    .catch((err) => { shell.error.textContent = err.message; shell.el.dataset.loaded = "error"; });
  if (labels.length) pickLabel(labels[0][0]);
  viewer.setView("top");
  render();

  return {
    el: shell.el,
    error: shell.error,
    update: render,
    key(event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      const k = event.key.toLowerCase();
      const views = { t: "top", s: "side", f: "front", o: "3d" };
      if (views[k] && !event.shiftKey) { viewer.setView(views[k], cuboids()[selected] || null); return true; }
      const i = labelDigit(event);
      if (i >= 0 && i < labels.length) { pickLabel(labels[i][0]); return true; }
      const c = cuboids()[selected];
      if (!c) return false;
      if (event.key === "Delete" || event.key === "Backspace") {
        const at = selected;
        selected = -1;
        save(cuboids().filter((_, j) => j !== at));
        return true;
      }
      if (event.key === "Escape") { selected = -1; render(); return true; }
      if (k === "r") { update(selected, { ...c, yaw: c.yaw + (event.shiftKey ? -1 : 1) * Math.PI / 36 }); return true; }
      const step = event.shiftKey ? 1 : 0.1;
      // top view: screen up is +x, screen left is +y
      const arrows = { ArrowUp: [step, 0], ArrowDown: [-step, 0], ArrowLeft: [0, step], ArrowRight: [0, -step] };
      if (arrows[event.key] && viewer.viewName === "top") {
        update(selected, { ...c, x: c.x + arrows[event.key][0], y: c.y + arrows[event.key][1] });
        return true;
      }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["T / S / F / O", "top, side, front, 3D view"], ["drag (top view)", "draw a cuboid; drag one to move it"],
    ["drag edges (side, front)", "height, length, width of the selected cuboid"], ["R / Shift+R", "turn the selected cuboid 5°"],
    ["arrows (top view)", "move 0.1 m (Shift: 1 m)"], ["1–9", "label (of the selected cuboid)"], ["Delete", "remove the selected cuboid"],
    ["wheel, right drag", "zoom, pan"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return value.length ? value.map((c) => `${labelText(question, c.label)} ${c.x},${c.y},${c.z} ${c.l}×${c.w}×${c.h} yaw ${c.yaw}`).join(", ") : "(no cuboids)";
}

/** The value compared regardless of order. */
export function canonical(question, value) {
  return [...value].map((c) => [c.x, c.y, c.z, c.l, c.w, c.h, c.yaw, c.label]).sort();
}
