// An image with zoom and pan and an SVG overlay for shapes, plus the coordinate transforms
// between the screen and natural image pixels.
//
// The view is (scale, tx, ty): image pixel (x, y) is drawn at (x * scale + tx, y * scale + ty)
// inside the viewport. It starts at "fit": scale min(1, what fits), no pan, so an image smaller
// than the viewport is shown 1:1 from its top-left corner. Wheel or +/- zoom around the pointer
// (or the centre), 0 goes back to fit; drag with the pan tool, the middle button or Space held
// pans. Shapes are drawn by the owner in screen coordinates (see toScreen) so handles and
// labels keep their size at any zoom.

import { h } from "../dom.js";
import { isTyping } from "../shell.js";

const MIN_SCALE = 0.05;
const MAX_SCALE = 32;
const KEY_ZOOM = 1.25;

let spaceHeld = false;
window.addEventListener("keydown", (e) => { if (e.code === "Space" && !isTyping(e.target)) spaceHeld = true; }, true);
window.addEventListener("keyup", (e) => { if (e.code === "Space") spaceHeld = false; }, true);
window.addEventListener("blur", () => { spaceHeld = false; });

export const svg = (tag, attrs = {}, ...children) => h(`svg:${tag}`, attrs, ...children);

/** Round a coordinate to 2 decimals (what is saved). */
export function r2(v) {
  return Math.round(v * 100) / 100;
}

export class ImageStage {
  /**
   * src: an allowed image URL (see media/source.js). maxHeight: the viewport's height limit.
   * onView(): called after the view changed (the owner redraws its shapes).
   */
  constructor(src, { maxHeight = 560, alt = "record image", onView = null } = {}) {
    this.natural = null;
    this.scale = 1;
    this.fitScale = 1;
    this.tx = 0;
    this.ty = 0;
    this.tool = "draw";
    this.handler = null; // {down(pt, event), move(pt, event), up(pt, event)} in image pixels
    this.onView = onView;
    this.maxHeight = maxHeight;
    this.img = h("img", { class: "image-body", src, alt, draggable: "false", referrerpolicy: "no-referrer" });
    this.shapes = svg("g", { class: "shapes" });
    this.svg = svg("svg", { class: "stage-overlay", "aria-hidden": "true" }, this.shapes);
    this.zoomText = h("span", { class: "zoom-text muted small", title: "zoom", text: "" });
    this.viewport = h("div", { class: "stage-viewport tool-draw" }, this.img, this.svg);
    this.status = h("p", { class: "muted small stage-status", text: "loading the image…" });
    this.el = h("div", { class: "image-stage", dataset: { ready: "false" } }, this.viewport, this.status);
    this.img.addEventListener("load", () => this.loaded());
    this.img.addEventListener("error", () => { this.status.textContent = "the image could not be loaded"; this.status.hidden = false; });
    this.wire();
    new ResizeObserver(() => this.resized()).observe(this.el);
  }

  /** Zoom buttons (−, +, fit) and the zoom readout, for a toolbar. */
  zoomControls() {
    const button = (text, title, onclick) => h("button", { type: "button", class: "tool", tabindex: -1, title, onclick }, text);
    return h("span", { class: "zoom-controls" },
      button("−", "zoom out (-)", () => this.zoomBy(1 / KEY_ZOOM)),
      button("+", "zoom in (+)", () => this.zoomBy(KEY_ZOOM)),
      button("fit", "fit the image (0)", () => this.fit()),
      this.zoomText);
  }

  loaded() {
    this.natural = { w: this.img.naturalWidth, h: this.img.naturalHeight };
    this.img.width = this.natural.w;
    this.img.height = this.natural.h;
    this.status.hidden = true;
    this.fit();
  }

  resized() {
    if (!this.natural) return;
    const atFit = this.scale === this.fitScale && this.tx === 0 && this.ty === 0;
    if ((!this.fitted || atFit) && this.el.clientWidth > 0) this.fit();
    else this.apply();
  }

  /** Scale to fit (at most 1:1), no pan. */
  fit() {
    if (!this.natural) return;
    const borders = this.viewport.offsetHeight - this.viewport.clientHeight;
    const width = this.el.clientWidth - borders;
    if (width <= 0) return;
    this.fitScale = Math.min(1, width / this.natural.w, this.maxHeight / this.natural.h);
    // the viewport takes the image's size at fit (a small image is not lost in a wide box)
    this.viewport.style.width = `${Math.max(160, Math.ceil(this.natural.w * this.fitScale)) + borders}px`;
    this.viewport.style.height = `${Math.max(80, Math.ceil(this.natural.h * this.fitScale)) + borders}px`;
    this.scale = this.fitScale;
    this.tx = 0;
    this.ty = 0;
    this.fitted = true;
    this.el.dataset.ready = "true";
    this.apply();
  }

  apply() {
    this.img.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.scale})`;
    this.zoomText.textContent = `${Math.round(this.scale * 100)}%`;
    this.el.dataset.view = `${this.scale},${this.tx},${this.ty}`;
    if (this.onView) this.onView();
  }

  /** The centre of the part of the image that is visible (else of the viewport). */
  visibleCentre() {
    const W = this.viewport.clientWidth;
    const H = this.viewport.clientHeight;
    const x0 = Math.max(0, this.tx);
    const x1 = Math.min(W, this.tx + this.natural.w * this.scale);
    const y0 = Math.max(0, this.ty);
    const y1 = Math.min(H, this.ty + this.natural.h * this.scale);
    return x1 > x0 && y1 > y0 ? [(x0 + x1) / 2, (y0 + y1) / 2] : [W / 2, H / 2];
  }

  /** Zoom by a factor around a viewport point (default: the centre of the visible image). */
  zoomBy(factor, at = null) {
    if (!this.natural) return;
    const p = at || this.visibleCentre();
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * factor));
    const k = scale / this.scale;
    this.tx = p[0] - (p[0] - this.tx) * k;
    this.ty = p[1] - (p[1] - this.ty) * k;
    this.scale = scale;
    this.apply();
  }

  /** Viewport point of an image pixel. */
  toScreen([x, y]) {
    return [x * this.scale + this.tx, y * this.scale + this.ty];
  }

  /** Image pixel (unrounded, clamped to the image) under a pointer event. */
  toImage(event, clamp = true) {
    const rect = this.viewport.getBoundingClientRect();
    let x = (event.clientX - rect.left - this.viewport.clientLeft - this.tx) / this.scale;
    let y = (event.clientY - rect.top - this.viewport.clientTop - this.ty) / this.scale;
    if (clamp && this.natural) {
      x = Math.min(this.natural.w, Math.max(0, x));
      y = Math.min(this.natural.h, Math.max(0, y));
    }
    return [x, y];
  }

  /** Screen distance in pixels between two image points. */
  screenDistance(a, b) {
    return Math.hypot(a[0] - b[0], a[1] - b[1]) * this.scale;
  }

  setTool(tool) {
    this.tool = tool;
    this.viewport.className = `stage-viewport tool-${tool}`;
  }

  /** + / - / 0 keys; true when handled. */
  key(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    if (event.key === "+" || event.key === "=") { this.zoomBy(KEY_ZOOM); return true; }
    if (event.key === "-" || event.key === "_") { this.zoomBy(1 / KEY_ZOOM); return true; }
    if (event.key === "0" || event.code === "Digit0" || event.code === "Numpad0") { this.fit(); return true; }
    return false;
  }

  wire() {
    let pan = null;
    let drawing = false;
    const vp = this.viewport;
    vp.addEventListener("wheel", (e) => {
      if (!this.natural) return;
      e.preventDefault();
      const rect = vp.getBoundingClientRect();
      this.zoomBy(Math.exp(-e.deltaY * 0.0015), [e.clientX - rect.left, e.clientY - rect.top]);
    }, { passive: false });
    vp.addEventListener("pointerdown", (e) => {
      if (!this.natural) return;
      if (e.button === 1 || this.tool === "pan" || spaceHeld) {
        e.preventDefault();
        pan = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty };
        vp.setPointerCapture(e.pointerId);
        vp.classList.add("panning");
        return;
      }
      if (e.button !== 0 || !this.handler) return;
      e.preventDefault();
      drawing = true;
      vp.setPointerCapture(e.pointerId);
      this.handler.down(this.toImage(e), e);
    });
    vp.addEventListener("pointermove", (e) => {
      if (pan) {
        this.tx = pan.tx + e.clientX - pan.x;
        this.ty = pan.ty + e.clientY - pan.y;
        this.apply();
      } else if (this.handler && this.natural) {
        this.handler.move(this.toImage(e), e, drawing);
      }
    });
    const end = (e) => {
      if (pan) { pan = null; vp.classList.remove("panning"); return; }
      if (!drawing) return;
      drawing = false;
      if (this.handler) this.handler.up(this.toImage(e), e);
    };
    vp.addEventListener("pointerup", end);
    vp.addEventListener("pointercancel", end);
  }
}
