// An audio player with a waveform: the file is decoded with WebAudio (decodeAudioData) and
// drawn on a canvas as min/max peaks per pixel column. Play/pause, seek by clicking the
// waveform, playback speed 0.5x-2x. Owners draw on top (segments) with addPainter and take
// over the pointer with `handler` (times in seconds).

import { h } from "../dom.js";
import { mediaBytes } from "./source.js";

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];
const WAVEFORM_RATE = 22050;
const MAX_DECODE_BYTES = 64e6;
export const LAB_HEX = ["#1f77b4", "#d9480f", "#2b8a3e", "#c2255c", "#6741d9", "#8a6500", "#0b7285", "#5c5f66"];

export function fmtTime(t) {
  if (!Number.isFinite(t)) return "–";
  const m = Math.floor(t / 60);
  const s = t - m * 60;
  return `${m}:${s.toFixed(2).padStart(5, "0")}`;
}

// the player started last: a "play" event that arrives after another player was started
// (both started within one task) must not pause the newer one
let current = null;

function pauseOthers(audio) {
  for (const other of document.querySelectorAll("audio")) if (other !== audio) other.pause();
}

export class AudioPlayer {
  constructor(src, { height = 110 } = {}) {
    this.duration = NaN;
    this.samples = null;
    this.painters = [];
    this.handler = null;
    this.height = height;
    this.audio = h("audio", { class: "audio-body", src, preload: "auto" });
    this.canvas = h("canvas", { class: "waveform", "aria-label": "waveform: click to seek" });
    this.playButton = h("button", { type: "button", class: "tool play", tabindex: -1, title: "play / pause (Space)", onclick: () => this.toggle() }, "▶ play");
    this.timeText = h("span", { class: "time mono small", text: "0:00.00 / –" });
    this.speed = h("select", { class: "speed", "aria-label": "playback speed", tabindex: -1,
      onchange: () => { this.audio.playbackRate = Number(this.speed.value); } },
    SPEEDS.map((s) => h("option", { value: String(s), selected: s === 1, text: `${s}×` })));
    this.status = h("span", { class: "muted small", text: "decoding…" });
    this.el = h("div", { class: "audio-player", dataset: { ready: "false" } },
      h("div", { class: "row player-controls" }, this.playButton, this.timeText, h("label", { class: "inline small" }, "speed", this.speed), this.status),
      h("div", { class: "waveform-box" }, this.canvas), this.audio);
    this.audio.addEventListener("loadedmetadata", () => {
      if (!Number.isFinite(this.duration) && Number.isFinite(this.audio.duration)) this.setDuration(this.audio.duration);
    });
    for (const ev of ["play", "pause", "ended"]) this.audio.addEventListener(ev, () => this.playState());
    this.audio.addEventListener("timeupdate", () => this.draw());
    this.audio.addEventListener("error", () => { this.status.textContent = "the audio could not be loaded"; });
    this.wire();
    new ResizeObserver(() => this.draw()).observe(this.canvas);
    this.decode(src);
  }

  async decode(src) {
    try {
      const bytes = await mediaBytes(src);
      if (bytes.byteLength > MAX_DECODE_BYTES) throw new Error(`the file is over ${MAX_DECODE_BYTES / 1e6} MB`);
      // decoded at a modest rate: enough for the picture, and a long file stays small in memory
      const ctx = new OfflineAudioContext(1, 1, WAVEFORM_RATE);
      const buffer = await ctx.decodeAudioData(bytes);
      this.samples = buffer.getChannelData(0);
      this.setDuration(buffer.duration);
      this.status.textContent = "";
    } catch (err) {
      this.status.textContent = `no waveform: ${err.message || err}`;
      this.el.dataset.waveform = "none";
    }
    this.draw();
  }

  setDuration(d) {
    this.duration = d;
    this.el.dataset.duration = String(d);
    this.el.dataset.ready = "true";
    this.draw();
    this.el.dispatchEvent(new CustomEvent("ready"));
  }

  get currentTime() {
    return this.audio.currentTime;
  }

  seek(t) {
    if (!Number.isFinite(this.duration)) return;
    this.audio.currentTime = Math.min(this.duration, Math.max(0, t));
    this.draw();
  }

  toggle() {
    if (this.audio.paused) {
      current = this.audio;
      pauseOthers(this.audio); // at once, not when the "play" event comes
      this.audio.play().catch((err) => { this.status.textContent = `cannot play: ${err.message}`; });
    } else this.audio.pause();
  }

  /** Speed one step up (+1) or down (-1). */
  stepSpeed(dir) {
    const i = SPEEDS.indexOf(Number(this.speed.value));
    const next = SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, i + dir))];
    this.speed.value = String(next);
    this.audio.playbackRate = next;
  }

  playState() {
    if (!this.audio.paused && current && current !== this.audio && !current.paused) {
      this.audio.pause(); // a stale start: another player was started after this one
      return;
    }
    const playing = !this.audio.paused && !this.audio.ended;
    this.playButton.textContent = playing ? "❚❚ pause" : "▶ play";
    this.el.classList.toggle("playing", playing);
    if (playing) {
      // one player at a time; a player taken off the page (the next record) stops
      current = this.audio;
      pauseOthers(this.audio);
      const frame = () => {
        if (!this.el.isConnected) { this.audio.pause(); return; }
        this.draw();
        if (!this.audio.paused) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    }
  }

  addPainter(fn) {
    this.painters.push(fn);
  }

  /** Seconds under a pointer event, clamped to the audio. */
  timeAt(event) {
    const rect = this.canvas.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    return f * (Number.isFinite(this.duration) ? this.duration : 0);
  }

  /** Pixels per second on screen. */
  pxPerSecond() {
    return this.canvas.getBoundingClientRect().width / (this.duration || 1);
  }

  wire() {
    let pressed = false;
    this.canvas.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !Number.isFinite(this.duration)) return;
      e.preventDefault();
      pressed = true;
      this.canvas.setPointerCapture(e.pointerId);
      if (this.handler) this.handler.down(this.timeAt(e), e); else this.seek(this.timeAt(e));
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (!this.handler || !Number.isFinite(this.duration)) return;
      if (pressed) this.handler.move(this.timeAt(e), e, true);
      else if (this.handler.hover) this.handler.hover(this.timeAt(e));
    });
    const end = (e) => {
      if (!pressed) return;
      pressed = false;
      if (this.handler) this.handler.up(this.timeAt(e), e);
    };
    this.canvas.addEventListener("pointerup", end);
    this.canvas.addEventListener("pointercancel", end);
  }

  draw() {
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.canvas.clientWidth;
    if (!cssW) return;
    const W = Math.round(cssW * dpr);
    const H = Math.round(this.height * dpr);
    if (this.canvas.width !== W || this.canvas.height !== H) { this.canvas.width = W; this.canvas.height = H; this.peaks = null; }
    const g = this.canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, this.height);
    g.fillStyle = "#f4f6fa";
    g.fillRect(0, 0, cssW, this.height);
    const mid = this.height / 2;
    const x = (t) => (Number.isFinite(this.duration) && this.duration > 0 ? (t / this.duration) * cssW : 0);
    for (const paint of this.painters) paint(g, x, this.height, "back");
    if (this.samples) {
      if (!this.peaks || this.peaks.length !== Math.ceil(cssW)) this.peaks = peaks(this.samples, Math.ceil(cssW));
      g.fillStyle = "#4a6a8c";
      this.peaks.forEach(([lo, hi], i) => {
        const top = mid - hi * (mid - 4);
        const bottom = mid - lo * (mid - 4);
        g.fillRect(i, top, 1, Math.max(1, bottom - top));
      });
    } else {
      g.fillStyle = "#c8ced8";
      g.fillRect(0, mid, cssW, 1);
    }
    for (const paint of this.painters) paint(g, x, this.height, "front");
    if (Number.isFinite(this.duration)) {
      g.fillStyle = "#b3261e";
      g.fillRect(Math.round(x(this.audio.currentTime)) - 1, 0, 2, this.height);
      this.timeText.textContent = `${fmtTime(this.audio.currentTime)} / ${fmtTime(this.duration)}`;
    }
  }
}

/** [min, max] of the samples in each of `columns` equal slices. */
function peaks(samples, columns) {
  const out = [];
  const per = samples.length / columns;
  for (let c = 0; c < columns; c += 1) {
    const from = Math.floor(c * per);
    const to = Math.max(from + 1, Math.floor((c + 1) * per));
    let lo = 0;
    let hi = 0;
    for (let i = from; i < to && i < samples.length; i += 1) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out.push([lo, hi]);
  }
  return out;
}
