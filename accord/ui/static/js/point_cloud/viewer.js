// A WebGL point-cloud viewer (three.js, vendored): a 3D view with orbit (drag), pan (right
// drag or Shift+drag) and zoom (wheel), and orthographic top, side and front views. The side
// and front views look at a cuboid along its own axes when one is given. Points come from
// GET /api/v1/point-cloud/{path}: float32 x, y, z, intensity per point, parsed on the server
// (accord/io/point_clouds.py). Cuboids are drawn as wire boxes with a heading tick; points
// inside any cuboid are highlighted (the selected one's brighter).

import * as THREE from "../../vendor/three/three.module.min.js";
import { h } from "../dom.js";
import { isMediaPath } from "../media/source.js";
import { insideMask } from "./cuboids.js";

export const VIEWS = { "3d": "3D", top: "top", side: "side", front: "front" };
const LABEL_COLORS = [0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7];

/** Where a point_cloud field value is loaded from, or null (only media-root files are read). */
export function pointCloudSource(value) {
  if (typeof value !== "string") return null;
  const raw = value.trim();
  if (!isMediaPath(raw) || !/\.(pcd|bin)$/i.test(raw)) return null;
  return `/api/v1/point-cloud/${raw.split("/").filter((p) => p !== "").map(encodeURIComponent).join("/")}`;
}

/** The points of a source: a Float32Array of x, y, z, intensity. */
export async function loadPoints(src) {
  const res = await fetch(src, { credentials: "same-origin" });
  if (!res.ok) {
    let message = `could not load the point cloud (${res.status})`;
    try {
      const body = await res.json();
      if (body && body.error && body.error.message) message = body.error.message;
    } catch { /* not JSON */ }
    throw new Error(message);
  }
  return new Float32Array(await res.arrayBuffer());
}

export class PointCloudViewer {
  constructor({ height = 420 } = {}) {
    this.height = height;
    this.points = new Float32Array(0);
    this.cuboids = [];
    this.selected = -1;
    this.viewName = "3d";
    this.ortho = { center: new THREE.Vector3(), scale: 20, yaw: 0 };
    this.orbit = { target: new THREE.Vector3(), radius: 30, theta: -Math.PI * 0.75, phi: 0.6 };
    this.onPointer = null; // (phase, event, world, local) => bool, left drags in ortho views
    this.onView = null;
    this.canvas = h("canvas", { class: "pc-canvas", tabindex: -1 });
    this.buttons = Object.fromEntries(Object.entries(VIEWS).map(([name, text]) => [name, h("button", {
      type: "button", class: "tool", tabindex: -1, dataset: { view: name }, onclick: () => this.setView(name),
    }, text)]));
    this.status = h("span", { class: "pc-status muted small" });
    this.el = h("div", { class: "pc-viewer" },
      h("div", { class: "stage-toolbar", role: "toolbar", "aria-label": "views" }, Object.values(this.buttons), this.status),
      this.canvas);
    this.el.pcViewer = this;
    try {
      this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: false, preserveDrawingBuffer: true });
    } catch (err) {
      this.renderer = null;
      this.status.textContent = "WebGL is not available in this browser: the point cloud cannot be shown";
      return;
    }
    this.renderer.setPixelRatio(1);
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0x111418);
    this.geometry = new THREE.BufferGeometry();
    this.material = new THREE.PointsMaterial({ size: 2, sizeAttenuation: false, vertexColors: true });
    this.cloud = new THREE.Points(this.geometry, this.material);
    this.scene.add(this.cloud);
    this.boxes = new THREE.Group();
    this.scene.add(this.boxes);
    this.perspective = new THREE.PerspectiveCamera(55, 1, 0.1, 5000);
    this.perspective.up.set(0, 0, 1);
    this.orthoCamera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0.1, 5000);
    this._pointerEvents();
    new ResizeObserver(() => this.render()).observe(this.canvas);
    this.setView("3d");
  }

  /** Show points (Float32Array, 4 values per point) and fit the views to them. */
  setPoints(points) {
    this.points = points;
    const n = points.length / 4;
    const pos = new Float32Array(n * 3);
    for (let i = 0; i < n; i += 1) {
      pos[3 * i] = points[4 * i]; pos[3 * i + 1] = points[4 * i + 1]; pos[3 * i + 2] = points[4 * i + 2];
    }
    if (!this.renderer) return;
    this.geometry.setAttribute("position", new THREE.BufferAttribute(pos, 3));
    this.geometry.setAttribute("color", new THREE.BufferAttribute(new Float32Array(n * 3), 3));
    this.geometry.computeBoundingSphere();
    const sphere = this.geometry.boundingSphere;
    if (sphere && Number.isFinite(sphere.radius)) {
      this.orbit.target.copy(sphere.center);
      this.orbit.radius = Math.max(1, sphere.radius * 1.6);
      this.ortho.center.copy(sphere.center);
      this.fitScale = Math.max(1e-3, Math.min(this._size().w, this.height) / (2.2 * Math.max(sphere.radius, 0.5)));
      this.ortho.scale = this.fitScale;
    }
    this.status.textContent = `${n.toLocaleString()} points`;
    this._recolor();
    this.render();
  }

  /** Draw cuboids ({x, y, z, l, w, h, yaw, label}); `labelIndex` maps a label to its colour. */
  setCuboids(cuboids, selected = -1, labelIndex = new Map()) {
    this.cuboids = cuboids;
    this.selected = selected;
    if (!this.renderer) return;
    for (const child of [...this.boxes.children]) { child.geometry.dispose(); child.material.dispose(); this.boxes.remove(child); }
    cuboids.forEach((c, i) => {
      const color = i === selected ? 0xffffff : LABEL_COLORS[(labelIndex.get(c.label) ?? 7) % LABEL_COLORS.length];
      const geo = new THREE.BufferGeometry();
      const hl = c.l / 2, hw = c.w / 2, hh = c.h / 2;
      const v = [];
      const corner = (sx, sy, sz) => [sx * hl, sy * hw, sz * hh];
      const quad = [[1, 1], [-1, 1], [-1, -1], [1, -1]];
      for (let k = 0; k < 4; k += 1) {
        const [a, b] = [quad[k], quad[(k + 1) % 4]];
        v.push(...corner(a[0], a[1], -1), ...corner(b[0], b[1], -1)); // bottom
        v.push(...corner(a[0], a[1], 1), ...corner(b[0], b[1], 1)); // top
        v.push(...corner(a[0], a[1], -1), ...corner(a[0], a[1], 1)); // upright
      }
      v.push(hl, 0, hh, hl + Math.min(1, c.l / 3), 0, hh); // heading tick
      geo.setAttribute("position", new THREE.BufferAttribute(new Float32Array(v), 3));
      const lines = new THREE.LineSegments(geo, new THREE.LineBasicMaterial({ color }));
      lines.position.set(c.x, c.y, c.z);
      lines.rotation.set(0, 0, c.yaw);
      this.boxes.add(lines);
    });
    this._recolor();
    this.render();
  }

  _recolor() {
    if (!this.renderer || !this.geometry.getAttribute("color")) return;
    const colors = this.geometry.getAttribute("color").array;
    const pts = this.points;
    const n = pts.length / 4;
    let zmin = Infinity, zmax = -Infinity;
    for (let i = 0; i < n; i += 1) { const z = pts[4 * i + 2]; if (z < zmin) zmin = z; if (z > zmax) zmax = z; }
    const span = zmax > zmin ? zmax - zmin : 1;
    for (let i = 0; i < n; i += 1) {
      const t = (pts[4 * i + 2] - zmin) / span;
      colors[3 * i] = 0.35 + 0.25 * t; colors[3 * i + 1] = 0.45 + 0.3 * t; colors[3 * i + 2] = 0.6 + 0.3 * t;
    }
    const inAny = new Uint8Array(n);
    this.cuboids.forEach((c, k) => { if (k !== this.selected) insideMask(pts, c, inAny); });
    const inSel = this.selected >= 0 && this.cuboids[this.selected] ? insideMask(pts, this.cuboids[this.selected]) : null;
    for (let i = 0; i < n; i += 1) {
      if (inSel && inSel[i]) { colors[3 * i] = 1; colors[3 * i + 1] = 0.45; colors[3 * i + 2] = 0.1; }
      else if (inAny[i]) { colors[3 * i] = 1; colors[3 * i + 1] = 0.85; colors[3 * i + 2] = 0.2; }
    }
    this.geometry.getAttribute("color").needsUpdate = true;
  }

  /** Switch view: "3d", "top", or "side"/"front" (along the axes of `cuboid` when given). */
  setView(name, cuboid = null) {
    if (!VIEWS[name]) return;
    this.viewName = name;
    Object.entries(this.buttons).forEach(([n, b]) => b.setAttribute("aria-pressed", String(n === name)));
    const c = cuboid || (this.selected >= 0 ? this.cuboids[this.selected] : null);
    if (name !== "3d" && c) {
      this.ortho.center.set(c.x, c.y, c.z);
      if (name !== "top") this.ortho.scale = Math.max(this.ortho.scale, Math.min(this._size().w, this.height) / (2.5 * Math.max(c.l, c.w, c.h)));
    }
    this.ortho.yaw = c && name !== "top" ? c.yaw : 0;
    if (this.onView) this.onView(name);
    this.render();
  }

  /** The right, up and forward axes of the current orthographic view. */
  axes() {
    const cos = Math.cos(this.ortho.yaw), sin = Math.sin(this.ortho.yaw);
    if (this.viewName === "top") return { right: new THREE.Vector3(0, -1, 0), up: new THREE.Vector3(1, 0, 0), forward: new THREE.Vector3(0, 0, -1) };
    if (this.viewName === "side") return { right: new THREE.Vector3(cos, sin, 0), up: new THREE.Vector3(0, 0, 1), forward: new THREE.Vector3(-sin, cos, 0) };
    return { right: new THREE.Vector3(-sin, cos, 0), up: new THREE.Vector3(0, 0, 1), forward: new THREE.Vector3(-cos, -sin, 0) };
  }

  _size() {
    return { w: Math.max(1, this.canvas.clientWidth || 600), h: this.height };
  }

  /** The world point under canvas pixel (px, py) on the ortho view's plane through its center. */
  toWorld(px, py) {
    const { w, h: hh } = this._size();
    const { right, up } = this.axes();
    const s = this.ortho.scale;
    return this.ortho.center.clone().addScaledVector(right, (px - w / 2) / s).addScaledVector(up, (hh / 2 - py) / s);
  }

  /** Canvas pixel [px, py] of a world point [x, y, z] in the current view. */
  toScreen(p) {
    const { w, h: hh } = this._size();
    const v = new THREE.Vector3(p[0], p[1], p[2]);
    if (this.viewName === "3d") {
      v.project(this.perspective);
      return [(v.x + 1) / 2 * w, (1 - v.y) / 2 * hh];
    }
    const { right, up } = this.axes();
    const d = v.sub(this.ortho.center);
    return [w / 2 + d.dot(right) * this.ortho.scale, hh / 2 - d.dot(up) * this.ortho.scale];
  }

  render() {
    if (this.renderer && !this._pending) {
      this._pending = true;
      requestAnimationFrame(() => { this._pending = false; this.draw(); });
    }
  }

  /** Draw one frame now (the benchmark calls this in a loop). */
  draw() {
    if (!this.renderer) return;
    const { w, h: hh } = this._size();
    if (this.canvas.width !== w || this.canvas.height !== hh) this.renderer.setSize(w, hh, false);
    this.canvas.style.height = `${hh}px`;
    let camera;
    if (this.viewName === "3d") {
      const o = this.orbit;
      camera = this.perspective;
      camera.aspect = w / hh;
      camera.position.set(o.target.x + o.radius * Math.cos(o.phi) * Math.cos(o.theta),
        o.target.y + o.radius * Math.cos(o.phi) * Math.sin(o.theta), o.target.z + o.radius * Math.sin(o.phi));
      camera.lookAt(o.target);
      camera.updateProjectionMatrix();
    } else {
      const s = this.ortho.scale;
      const { up, forward } = this.axes();
      camera = this.orthoCamera;
      Object.assign(camera, { left: -w / 2 / s, right: w / 2 / s, top: hh / 2 / s, bottom: -hh / 2 / s });
      camera.up.copy(up);
      camera.position.copy(this.ortho.center).addScaledVector(forward, -1000);
      camera.lookAt(this.ortho.center);
      camera.updateProjectionMatrix();
    }
    this.renderer.render(this.scene, camera);
  }

  /** Turn the 3D view by `radians` about the vertical axis (the benchmark's orbit). */
  spin(radians) {
    this.orbit.theta += radians;
  }

  _pointerEvents() {
    const c = this.canvas;
    let drag = null;
    const local = (e) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    c.addEventListener("contextmenu", (e) => e.preventDefault());
    c.addEventListener("pointerdown", (e) => {
      const [px, py] = local(e);
      c.setPointerCapture(e.pointerId);
      const pan = e.button === 2 || e.button === 1 || e.shiftKey;
      if (!pan && this.viewName !== "3d" && this.onPointer && this.onPointer("down", e, this.toWorld(px, py), [px, py])) {
        drag = { kind: "tool" };
      } else {
        drag = { kind: pan ? "pan" : this.viewName === "3d" ? "orbit" : "pan", x: px, y: py };
      }
      e.preventDefault();
    });
    c.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const [px, py] = local(e);
      if (drag.kind === "tool") { this.onPointer("move", e, this.toWorld(px, py), [px, py]); return; }
      const dx = px - drag.x, dy = py - drag.y;
      drag.x = px; drag.y = py;
      if (drag.kind === "orbit") {
        this.orbit.theta -= dx * 0.01;
        this.orbit.phi = Math.max(-1.5, Math.min(1.5, this.orbit.phi + dy * 0.01));
      } else if (this.viewName === "3d") {
        const cam = this.perspective;
        const right = new THREE.Vector3().setFromMatrixColumn(cam.matrixWorld, 0);
        const up = new THREE.Vector3().setFromMatrixColumn(cam.matrixWorld, 1);
        const k = this.orbit.radius * 0.002;
        this.orbit.target.addScaledVector(right, -dx * k).addScaledVector(up, dy * k);
      } else {
        const { right, up } = this.axes();
        this.ortho.center.addScaledVector(right, -dx / this.ortho.scale).addScaledVector(up, dy / this.ortho.scale);
      }
      this.render();
    });
    const end = (e) => {
      if (drag && drag.kind === "tool") { const [px, py] = local(e); this.onPointer("up", e, this.toWorld(px, py), [px, py]); }
      drag = null;
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("wheel", (e) => {
      e.preventDefault();
      const f = Math.exp(-e.deltaY * 0.001);
      if (this.viewName === "3d") this.orbit.radius = Math.max(0.5, this.orbit.radius / f);
      else {
        const [px, py] = local(e);
        const before = this.toWorld(px, py);
        this.ortho.scale = Math.max(1e-3, this.ortho.scale * f);
        this.ortho.center.add(before.sub(this.toWorld(px, py)));
      }
      this.render();
    }, { passive: false });
  }
}

/** A read-only viewer of a point_cloud field (no question draws on it). */
export function pointCloudBody(value) {
  const src = pointCloudSource(value);
  if (!src) {
    return h("div", { class: "blocked" },
      h("span", { text: "point cloud not shown: the viewer reads .pcd and .bin files under the media root" }),
      h("code", { class: "small", text: String(value ?? "").slice(0, 200) }));
  }
  const viewer = new PointCloudViewer({ height: 360 });
  loadPoints(src).then((pts) => viewer.setPoints(pts)).catch((err) => { viewer.status.textContent = err.message; });
  return viewer.el;
}
