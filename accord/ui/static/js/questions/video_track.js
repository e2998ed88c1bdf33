// video_track: objects tracked across the frames of a video field. A track has an id, a
// label and a box per keyframe; between keyframes its box is the linear interpolation of the
// two around it (boxAt: the same arithmetic as accord.schema.tracks.box_at, so the page
// shows the boxes the exports write). Keyframes are drawn solid, interpolated boxes dashed.
// Mouse: drag on empty video makes a new track (a keyframe at this frame); drag a box to move
// it, its lower-right corner to resize it (either makes or moves this frame's keyframe);
// click a box to select its track; the selected track lists its keyframes (click one to go
// there, × to remove it). Keys: , / . one frame (Shift: 10), Space play, [ / ]
// speed, N new track, T next track, K keyframe here, arrows move the selected box 1 px
// (Shift: 10), + / - grow / shrink it, Delete removes this frame's keyframe (Shift+Delete
// the whole track), 1-9 label.

import { h, replace } from "../dom.js";
import { labelText } from "../values.js";
import { LAB_HEX } from "../media/audio_player.js";
import { labClass } from "../media/image_question.js";
import { videoQuestion } from "../media/video_player.js";
import { keyLabel, optionButton } from "./shell.js";

const COORDS = ["x", "y", "w", "h"];
const MIN_PX = 2;
const r2 = (v) => Math.round(v * 100) / 100;

/** The box of a track at `frame` ({frame, x, y, w, h, keyframe}), or null outside it.
 * Mirrors accord.schema.tracks.box_at operation for operation. */
export function boxAt(keyframes, frame) {
  if (!keyframes.length || frame < keyframes[0].frame || frame > keyframes[keyframes.length - 1].frame) return null;
  let i = 0;
  while (i + 1 < keyframes.length && keyframes[i + 1].frame <= frame) i += 1;
  const a = keyframes[i];
  if (a.frame === frame) return { frame, x: a.x, y: a.y, w: a.w, h: a.h, keyframe: true };
  const b = keyframes[i + 1];
  const t = (frame - a.frame) / (b.frame - a.frame);
  const out = { frame, keyframe: false };
  for (const c of COORDS) out[c] = a[c] + (b[c] - a[c]) * t;
  return out;
}

export function create(question, ctx) {
  const { labels, labelIndex, shell, player, widget } = videoQuestion(question, ctx,
    "drag to draw · , . frame · N new · K keyframe · Del remove");
  if (!player) return { el: shell.el, error: shell.error, update() {}, key: () => false };
  let current = labels[0][0];
  let selected = null; // track id
  let drag = null;
  const palette = labels.map(([v, text], i) => optionButton(text, keyLabel(i), () => pick(v), {
    class: ["option", `lab-${i % 8}`], role: "radio", dataset: { value: v },
  }));
  const readout = h("p", { class: "mono small track-readout", "aria-live": "polite" });
  const list = h("ul", { class: "shape-list track-list" });
  shell.body.append(h("div", { class: "options media-labels", role: "radiogroup", "aria-label": "labels" }, palette), readout, list);

  const value = () => ctx.form.get(question.name);
  const tracks = () => (value() && value().tracks) || [];
  const trackOf = (id) => tracks().find((t) => t.id === id) || null;

  function save(nextTracks) {
    const extent = { frames: player.frames, width: player.width, height: player.height };
    ctx.form.set(question.name, nextTracks.length ? { ...extent, tracks: nextTracks } : null);
  }

  function clampBox(b) {
    const w = Math.min(Math.max(MIN_PX, b.w), player.width);
    const hh = Math.min(Math.max(MIN_PX, b.h), player.height);
    return { x: r2(Math.min(Math.max(0, b.x), player.width - w)), y: r2(Math.min(Math.max(0, b.y), player.height - hh)), w: r2(w), h: r2(hh) };
  }

  /** Make or move the keyframe of track `id` at the current frame. */
  function setKeyframe(id, box) {
    const frame = player.frame;
    const kf = { frame, ...clampBox(box) };
    save(tracks().map((t) => (t.id !== id ? t : {
      ...t, keyframes: [...t.keyframes.filter((k) => k.frame !== frame), kf].sort((a, b) => a.frame - b.frame),
    })));
  }

  function newTrack(box) {
    const id = tracks().reduce((m, t) => Math.max(m, t.id), 0) + 1;
    save([...tracks(), { id, label: current, keyframes: [{ frame: player.frame, ...clampBox(box) }] }]);
    selected = id;
    render();
  }

  function pick(v) {
    current = v;
    palette.forEach((b, i) => b.setAttribute("aria-checked", String(labels[i][0] === v)));
    if (selected !== null && trackOf(selected)) save(tracks().map((t) => (t.id === selected ? { ...t, label: v } : t)));
  }

  /** The nearest keyframe of a track outside its frames, as a "ghost" box. */
  function ghost(t) {
    const k = player.frame < t.keyframes[0].frame ? t.keyframes[0] : t.keyframes[t.keyframes.length - 1];
    return { frame: player.frame, x: k.x, y: k.y, w: k.w, h: k.h, keyframe: false, ghost: true };
  }

  /** The boxes shown at the current frame: [{track, box}]; the selected track outside its
   * frames shows its nearest keyframe as a ghost (drag it or press K to extend the track). */
  function shown() {
    return tracks().map((t) => ({ track: t, box: boxAt(t.keyframes, player.frame) || (t.id === selected ? ghost(t) : null) }))
      .filter((s) => s.box);
  }

  function hit([x, y]) {
    const all = shown();
    const inside = (b) => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
    const order = [...all].sort((a, b) => (a.track.id === selected ? -1 : b.track.id === selected ? 1 : 0));
    return order.find((s) => inside(s.box)) || null;
  }

  player.addPainter((g, k) => {
    for (const { track, box } of shown()) {
      const b = drag && drag.id === track.id && drag.box ? drag.box : box;
      const color = LAB_HEX[(labelIndex.get(track.label) ?? 7) % 8];
      g.strokeStyle = color;
      g.lineWidth = (track.id === selected ? 3 : 2) / k;
      g.setLineDash(b.keyframe === false && !(drag && drag.id === track.id && drag.box) ? [6 / k, 4 / k] : []);
      g.globalAlpha = b.ghost ? 0.45 : 1;
      g.strokeRect(b.x, b.y, b.w, b.h);
      g.setLineDash([]);
      g.globalAlpha = 1;
      if (track.id === selected) { g.fillStyle = color; g.fillRect(b.x + b.w - 4 / k, b.y + b.h - 4 / k, 8 / k, 8 / k); }
      g.fillStyle = color;
      g.font = `${12 / k}px system-ui, sans-serif`;
      g.fillText(`${track.id} ${labelText(question, track.label)}`, b.x + 2 / k, Math.max(12 / k, b.y - 3 / k));
    }
    if (drag && drag.make && drag.to) {
      const [x0, y0] = drag.from;
      const [x1, y1] = drag.to;
      g.strokeStyle = LAB_HEX[(labelIndex.get(current) ?? 7) % 8];
      g.lineWidth = 2 / k;
      g.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    }
  });

  player.handler = {
    down(p) {
      shell.el.focus({ preventScroll: true });
      const s = hit(p);
      if (s) {
        selected = s.track.id;
        const b = s.box;
        const corner = Math.abs(p[0] - (b.x + b.w)) * 1 <= 8 * player.scale() && Math.abs(p[1] - (b.y + b.h)) <= 8 * player.scale();
        drag = { id: s.track.id, from: p, start: b, mode: corner ? "resize" : "move", box: null };
        render();
      } else {
        drag = { make: true, from: p, to: null };
      }
    },
    move(p) {
      if (!drag) return;
      if (drag.make) drag.to = p;
      else {
        const dx = p[0] - drag.from[0];
        const dy = p[1] - drag.from[1];
        const b = drag.start;
        drag.box = { keyframe: true, ...(drag.mode === "move" ? clampBox({ ...b, x: b.x + dx, y: b.y + dy }) : clampBox({ ...b, w: b.w + dx, h: b.h + dy })) };
      }
      player.draw();
    },
    up(p) {
      const d = drag;
      drag = null;
      if (!d) return;
      if (d.make) {
        const [x0, y0] = d.from;
        const w = Math.abs(p[0] - x0);
        const hh = Math.abs(p[1] - y0);
        if (w >= MIN_PX && hh >= MIN_PX) newTrack({ x: Math.min(x0, p[0]), y: Math.min(y0, p[1]), w, h: hh });
        else { selected = null; render(); }
        return;
      }
      if (d.box) setKeyframe(d.id, d.box);
      else render();
    },
  };

  function keyframeHere(id) {
    const t = trackOf(id);
    // outside the track: extend it with the box of its nearest keyframe
    if (t) setKeyframe(id, boxAt(t.keyframes, player.frame) || ghost(t));
  }

  function nudge(dx, dy, dw, dh) {
    const t = selected !== null && trackOf(selected);
    const b = t && (boxAt(t.keyframes, player.frame) || ghost(t));
    if (!b) return false;
    setKeyframe(selected, { x: b.x + dx - dw / 2, y: b.y + dy - dh / 2, w: b.w + dw, h: b.h + dh });
    return true;
  }

  function removeHere() {
    const t = selected !== null && trackOf(selected);
    if (!t) return false;
    const rest = t.keyframes.filter((k) => k.frame !== player.frame);
    if (rest.length === t.keyframes.length) return false;
    if (!rest.length) { removeTrack(t.id); return true; }
    save(tracks().map((x) => (x.id === t.id ? { ...x, keyframes: rest } : x)));
    return true;
  }

  function removeKeyframe(id, frame) {
    const t = trackOf(id);
    if (!t) return;
    const rest = t.keyframes.filter((k) => k.frame !== frame);
    if (!rest.length) removeTrack(id);
    else save(tracks().map((x) => (x.id === id ? { ...x, keyframes: rest } : x)));
  }

  function removeTrack(id) {
    if (selected === id) selected = null;
    save(tracks().filter((t) => t.id !== id));
  }

  function render() {
    const all = tracks();
    if (selected !== null && !trackOf(selected)) selected = null;
    shell.el.dataset.count = String(all.length);
    shell.el.dataset.frame = String(player.frame);
    const here = shown();
    readout.textContent = here.length
      ? here.map(({ track, box }) => `track ${track.id} ${labelText(question, track.label)}: x ${box.x.toFixed(2)} y ${box.y.toFixed(2)} w ${box.w.toFixed(2)} h ${box.h.toFixed(2)} ${box.ghost ? "outside the track (drag or K to extend)" : box.keyframe ? "keyframe" : "interpolated"}`).join(" · ")
      : `frame ${player.frame}: no box`;
    player.draw();
    replace(list, all.map((t) => h("li", { class: ["shape-item", t.id === selected && "selected"], dataset: { track: String(t.id) } },
      h("button", { type: "button", class: `chip ${labClass(labelIndex, t.label)}`, tabindex: -1, title: "select; go to its first keyframe",
        onclick: () => { selected = t.id; player.seekFrame(t.keyframes[0].frame); render(); }, text: `${t.id} ${labelText(question, t.label)}` }),
      h("span", { class: "muted small", text: `frames ${t.keyframes[0].frame}–${t.keyframes[t.keyframes.length - 1].frame}, ${t.keyframes.length} keyframe${t.keyframes.length === 1 ? "" : "s"}` }),
      h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `remove track ${t.id}`, onclick: () => removeTrack(t.id) }, "remove"),
      t.id === selected ? h("span", { class: "keyframes small" }, t.keyframes.map((k) => h("span", { class: "keyframe-chip" },
        h("button", { type: "button", class: "link", tabindex: -1, title: "go to this keyframe", onclick: () => player.seekFrame(k.frame), text: `${k.frame}` }),
        h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `remove keyframe ${k.frame}`, onclick: () => removeKeyframe(t.id, k.frame), text: "×" })))) : null)));
  }

  pick(current);
  return widget({ render, pick, key(event) {
      const big = event.shiftKey ? 10 : 1;
      const k = event.key;
      if (k === "n" || k === "N") {
        const w = Math.round(player.width / 4);
        const hh = Math.round(player.height / 4);
        newTrack({ x: (player.width - w) / 2, y: (player.height - hh) / 2, w, h: hh });
        return true;
      }
      if (k === "t" || k === "T") {
        const ids = tracks().map((t) => t.id);
        if (!ids.length) return false;
        selected = ids[(ids.indexOf(selected) + 1) % ids.length];
        render();
        return true;
      }
      if ((k === "k" || k === "K") && selected !== null) { keyframeHere(selected); return true; }
      if (k === "ArrowLeft") return nudge(-big, 0, 0, 0);
      if (k === "ArrowRight") return nudge(big, 0, 0, 0);
      if (k === "ArrowUp") return nudge(0, -big, 0, 0);
      if (k === "ArrowDown") return nudge(0, big, 0, 0);
      if (k === "+" || k === "=") return nudge(0, 0, 2 * big, 2 * big);
      if (k === "-") return nudge(0, 0, -2 * big, -2 * big);
      if ((k === "Delete" || k === "Backspace") && selected !== null) {
        if (event.shiftKey) { removeTrack(selected); return true; }
        return removeHere();
      }
      if (k === "Escape" && selected !== null) { selected = null; render(); return true; }
      return false;
    } });
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [[", / .", "previous / next frame (Shift: 10)"], ["Space", "play / pause"], ["[ / ]", "slower / faster (0.25×–2×)"],
    ["drag", "draw a new track, move a box, resize by its corner"], ["N", "new track at this frame"], ["T", "select the next track"],
    ["K", "keyframe here (copy the shown box)"], ["arrows", "move the selected box 1 px (Shift: 10)"], ["+ / -", "grow / shrink it"],
    ["Delete", "remove this frame's keyframe (Shift: the track)"], ["1–9, 0", "label"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  const tracks = (value && value.tracks) || [];
  return tracks.length ? tracks.map((t) => `${t.id} ${labelText(question, t.label)} (${t.keyframes.length} keyframes, frames ${t.keyframes[0].frame}–${t.keyframes[t.keyframes.length - 1].frame})`).join(", ") : "(no tracks)";
}

/** Tracks compared regardless of order. */
export function canonical(question, value) {
  return { ...value, tracks: [...((value && value.tracks) || [])].sort((a, b) => a.id - b.id) };
}
