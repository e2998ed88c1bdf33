// A video player that steps frame by frame. Frame n of a video at `fps` frames per second
// starts at n / fps seconds; the player seeks to the middle of a frame ((n + 0.5) / fps) so
// the picture shown is that frame. Owners draw on the overlay canvas (addPainter: natural
// video pixels) and take the pointer over with `handler`. Keys (playerKey): , / . one frame
// back / forward (Shift: 10), Space play / pause, [ / ] speed 0.25x-2x.

import { h } from "../dom.js";
import { digitIndex, questionShell } from "../questions/shell.js";
import { mediaSource } from "./source.js";

export const VIDEO_SPEEDS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];

export function fmtClock(t) {
  if (!Number.isFinite(t)) return "–";
  const m = Math.floor(t / 60);
  return `${m}:${(t - m * 60).toFixed(2).padStart(5, "0")}`;
}

export class VideoPlayer {
  constructor(src, { fps = 25, maxWidth = 640 } = {}) {
    this.fps = fps > 0 ? fps : 25;
    this.frame = 0;
    this.painters = [];
    this.handler = null;
    this.listeners = [];
    this.video = h("video", { class: "video-body", src, preload: "auto", muted: true, playsinline: true });
    this.video.muted = true;
    this.canvas = h("canvas", { class: "video-overlay", "aria-label": "video frame: drag to draw" });
    this.playButton = h("button", { type: "button", class: "tool play", tabindex: -1, title: "play / pause (Space)", onclick: () => this.toggle() }, "▶ play");
    this.frameText = h("span", { class: "frame-number mono small", "aria-live": "polite", text: "frame –" });
    this.timeText = h("span", { class: "time mono small", text: "0:00.00 / –" });
    this.speed = h("select", { class: "speed", "aria-label": "playback speed", tabindex: -1,
      onchange: () => { this.video.playbackRate = Number(this.speed.value); } },
    VIDEO_SPEEDS.map((s) => h("option", { value: String(s), selected: s === 1, text: `${s}×` })));
    this.status = h("span", { class: "muted small", text: "loading…" });
    this.stage = h("div", { class: "video-stage" }, this.video, this.canvas);
    this.stage.style.maxWidth = `${maxWidth}px`;
    this.el = h("div", { class: "video-player", dataset: { ready: "false", frame: "0" } },
      h("div", { class: "row player-controls" }, this.playButton,
        h("button", { type: "button", class: "tool", tabindex: -1, title: "previous frame (,)", onclick: () => this.step(-1) }, "◀ frame"),
        h("button", { type: "button", class: "tool", tabindex: -1, title: "next frame (.)", onclick: () => this.step(1) }, "frame ▶"),
        this.frameText, this.timeText, h("label", { class: "inline small" }, "speed", this.speed), this.status),
      this.stage);
    this.video.addEventListener("loadedmetadata", () => {
      this.status.textContent = "";
      this.el.dataset.ready = "true";
      this.el.dataset.frames = String(this.frames);
      this.seekFrame(0);
      this.el.dispatchEvent(new CustomEvent("ready"));
    });
    this.video.addEventListener("seeked", () => this.draw());
    this.video.addEventListener("error", () => { this.status.textContent = "the video could not be loaded (MP4/H.264 needs a browser with that codec; WebM plays everywhere)"; });
    for (const ev of ["play", "pause", "ended"]) this.video.addEventListener(ev, () => this.playState());
    this.wire();
    new ResizeObserver(() => this.draw()).observe(this.video);
  }

  get ready() { return this.el.dataset.ready === "true"; }
  get width() { return this.video.videoWidth; }
  get height() { return this.video.videoHeight; }
  /** Number of frames: the duration at the field's fps. */
  get frames() { return Math.max(1, Math.round((this.video.duration || 0) * this.fps)); }
  get currentTime() { return this.video.currentTime; }

  onFrame(fn) { this.listeners.push(fn); }

  /** Show frame n (clamped to the video). */
  seekFrame(n) {
    const f = Math.min(this.frames - 1, Math.max(0, Math.round(n)));
    this.frame = f;
    if (!this.video.paused) this.video.pause();
    this.video.currentTime = Math.min(this.video.duration || 0, (f + 0.5) / this.fps);
    this.update();
  }

  seek(t) { this.seekFrame(Math.floor(t * this.fps)); }

  step(delta) { this.seekFrame(this.frame + delta); }

  toggle() {
    if (this.video.paused) this.video.play().catch((err) => { this.status.textContent = `cannot play: ${err.message}`; });
    else this.video.pause();
  }

  stepSpeed(dir) {
    const i = VIDEO_SPEEDS.indexOf(Number(this.speed.value));
    const next = VIDEO_SPEEDS[Math.min(VIDEO_SPEEDS.length - 1, Math.max(0, i + dir))];
    this.speed.value = String(next);
    this.video.playbackRate = next;
  }

  playState() {
    const playing = !this.video.paused && !this.video.ended;
    this.playButton.textContent = playing ? "❚❚ pause" : "▶ play";
    if (playing) {
      const tick = () => {
        if (!this.el.isConnected) { this.video.pause(); return; }
        this.frame = Math.min(this.frames - 1, Math.floor(this.video.currentTime * this.fps));
        this.update();
        if (!this.video.paused) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    } else if (this.ready) {
      this.seekFrame(Math.min(this.frames - 1, Math.floor(this.video.currentTime * this.fps)));
    }
  }

  update() {
    this.el.dataset.frame = String(this.frame);
    this.frameText.textContent = `frame ${this.frame} / ${this.frames - 1}`;
    this.timeText.textContent = `${fmtClock(this.frame / this.fps)} / ${fmtClock(this.video.duration)}`;
    for (const fn of this.listeners) fn(this.frame);
    this.draw();
  }

  addPainter(fn) { this.painters.push(fn); }

  /** Natural video pixels per CSS pixel of the overlay. */
  scale() {
    const w = this.canvas.clientWidth || 1;
    return (this.width || w) / w;
  }

  /** The natural-pixel point under a pointer event, clamped to the frame. */
  pointAt(event) {
    const rect = this.canvas.getBoundingClientRect();
    const s = this.scale();
    const x = Math.min(this.width, Math.max(0, (event.clientX - rect.left) * s));
    const y = Math.min(this.height, Math.max(0, (event.clientY - rect.top) * s));
    return [x, y];
  }

  wire() {
    let pressed = false;
    this.canvas.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !this.ready || !this.handler) return;
      e.preventDefault();
      pressed = true;
      this.canvas.setPointerCapture(e.pointerId);
      this.handler.down(this.pointAt(e), e);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (pressed && this.handler) this.handler.move(this.pointAt(e), e);
    });
    const end = (e) => {
      if (!pressed) return;
      pressed = false;
      if (this.handler) this.handler.up(this.pointAt(e), e);
    };
    this.canvas.addEventListener("pointerup", end);
    this.canvas.addEventListener("pointercancel", end);
  }

  draw() {
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.video.clientWidth;
    const cssH = this.video.clientHeight;
    if (!cssW || !cssH) return;
    const W = Math.round(cssW * dpr);
    const H = Math.round(cssH * dpr);
    if (this.canvas.width !== W || this.canvas.height !== H) { this.canvas.width = W; this.canvas.height = H; }
    this.canvas.style.width = `${cssW}px`;
    this.canvas.style.height = `${cssH}px`;
    const g = this.canvas.getContext("2d");
    const k = (cssW / (this.width || cssW)) * dpr; // natural px -> device px
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, W, H);
    g.setTransform(k, 0, 0, k, 0, 0);
    for (const paint of this.painters) paint(g, k / dpr);
  }
}

/** Keys shared by the video questions; true when handled. */
export function videoKey(player, event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  const big = event.shiftKey ? 10 : 1;
  if (event.key === "," || event.key === "<") { player.step(-big); return true; }
  if (event.key === "." || event.key === ">") { player.step(big); return true; }
  if (event.key === " " || event.code === "Space") { player.toggle(); return true; }
  if (event.key === "[") { player.stepSpeed(-1); return true; }
  if (event.key === "]") { player.stepSpeed(1); return true; }
  if (event.key === "Home") { player.seekFrame(0); return true; }
  if (event.key === "End") { player.seekFrame(player.frames - 1); return true; }
  return false;
}

/** The player of a video question (fps from the field's settings), or a "blocked" note. */
export function videoFor(question, ctx, mediaSource) {
  const value = ctx.fieldValue(question.field);
  const src = mediaSource(value, "video");
  if (!src) {
    return { player: null, el: h("div", { class: "blocked" },
      h("span", { text: "video not played: only http(s) URLs, base64 data URIs and media paths are allowed" }),
      h("code", { class: "small", text: String(value ?? "(empty)").slice(0, 200) })) };
  }
  const def = ctx.fieldDef ? ctx.fieldDef(question.field) : null;
  const player = new VideoPlayer(src, { fps: def && def.fps ? def.fps : 25 });
  return { player, el: player.el };
}

/** The frame of every video question widget: its labels (and their index), the question's
 * shell with ``hint`` and the suggestion, and the player (null when the video cannot play,
 * the shell then shows why). */
export function videoQuestion(question, ctx, hint) {
  const labels = Object.entries(question.labels);
  const labelIndex = new Map(labels.map(([v], i) => [v, i]));
  const shell = questionShell(question, {
    hint, suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion,
  });
  const { player, el } = videoFor(question, ctx, mediaSource);
  shell.body.append(el);
  // the widget: redrawn on every frame and once the video is ready; a key goes to the player
  // first, then (no modifier held) to the question's own `key`, then 1-9, 0 pick a label
  const widget = ({ render, pick, key }) => {
    player.onFrame(() => render());
    player.el.addEventListener("ready", () => render());
    return {
      el: shell.el,
      error: shell.error,
      update: render,
      key(event) {
        if (videoKey(player, event)) return true;
        if (event.ctrlKey || event.metaKey || event.altKey) return false;
        if (key(event)) return true;
        const i = digitIndex(event);
        if (i >= 0 && i < labels.length) { pick(labels[i][0]); return true; }
        return false;
      },
    };
  };
  return { labels, labelIndex, shell, player, widget };
}
