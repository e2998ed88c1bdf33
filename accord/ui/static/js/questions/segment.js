// segment: labelled time ranges of an audio field, in seconds rounded to 2 decimals.
// Drag on the waveform to make a segment (a click seeks); drag a segment's edge to move it.
// 1-9, 0 label the selected segment (or pick the label for the next one), Delete removes it,
// Space plays/pauses, ←/→ seek 1 s (Shift: 5 s), [ / ] change the speed. Start and end are
// editable in the list. Without allow_overlap a new segment replaces those it overlaps.
// By keyboard: Enter anchors a segment at the playhead, ←/→ move the playhead, Enter again
// makes the segment (Escape cancels).

import { h, replace } from "../dom.js";
import { labelText } from "../values.js";
import { AudioPlayer, LAB_HEX, fmtTime } from "../media/audio_player.js";
import { labClass } from "../media/image_question.js";
import { r2 } from "../media/image_stage.js";
import { mediaSource } from "../media/source.js";
import { digitIndex, keyLabel, optionButton, questionShell } from "./shell.js";

const CLICK_PX = 3;
const EDGE_PX = 5;

/** Keys shared by the audio questions (play, seek, speed); true when handled. */
export function playerKey(player, event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  if (event.key === " " || event.code === "Space") { player.toggle(); return true; }
  const step = event.shiftKey ? 5 : 1;
  if (event.key === "ArrowLeft") { player.seek(player.currentTime - step); return true; }
  if (event.key === "ArrowRight") { player.seek(player.currentTime + step); return true; }
  if (event.key === "[") { player.stepSpeed(-1); return true; }
  if (event.key === "]") { player.stepSpeed(1); return true; }
  return false;
}

/** The player of an audio question, or a "blocked" note when the value is not allowed. */
export function audioFor(question, ctx) {
  const value = ctx.fieldValue(question.field);
  const src = mediaSource(value, "audio");
  if (!src) {
    return { player: null, el: h("div", { class: "blocked" },
      h("span", { text: "audio not played: only http(s) URLs, base64 data URIs and media paths are allowed" }),
      h("code", { class: "small", text: String(value ?? "(empty)").slice(0, 200) })) };
  }
  const player = new AudioPlayer(src);
  return { player, el: player.el };
}

export function create(question, ctx) {
  const labels = Object.entries(question.labels);
  const labelIndex = new Map(labels.map(([v], i) => [v, i]));
  const shell = questionShell(question, {
    hint: "drag on the waveform · 1–9 label · Space play · Del remove",
    suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion,
  });
  const { player, el } = audioFor(question, ctx);
  shell.body.append(el);
  if (!player) return { el: shell.el, error: shell.error, update() {}, key: () => false };
  let current = labels[0][0];
  let selected = -1;
  let drag = null;
  let preview = null; // the segments while an edge is dragged
  let anchor = null; // the start of a segment made by keyboard (Enter ... Enter)
  const paletteButtons = labels.map(([v, text], i) => optionButton(text, keyLabel(i), () => pick(v), {
    class: ["option", `lab-${i % 8}`], role: "radio", dataset: { value: v },
  }));
  const note = h("p", { class: "muted small draw-note" });
  const list = h("ul", { class: "shape-list segment-list" });
  shell.body.append(h("div", { class: "options media-labels", role: "radiogroup", "aria-label": "labels" }, paletteButtons), note, list);

  const segments = () => ctx.form.get(question.name) || [];
  const save = (next) => ctx.form.set(question.name, [...next].sort((a, b) => a.start - b.start || a.end - b.end));

  function pick(v) {
    current = v;
    paletteButtons.forEach((b, i) => b.setAttribute("aria-checked", String(labels[i][0] === v)));
    if (selected >= 0 && segments()[selected]) {
      const keep = segments()[selected];
      save(segments().map((s, i) => (i === selected ? { ...s, label: v } : s)));
      selected = segments().findIndex((s) => s.start === keep.start && s.end === keep.end && s.label === v);
      render();
    }
  }

  function add(seg) {
    let all = segments();
    if (!question.allow_overlap) {
      const before = all.length;
      all = all.filter((s) => s.end <= seg.start || s.start >= seg.end);
      note.textContent = before !== all.length ? "replaced an overlapping segment (this question does not allow overlap)" : "";
    }
    save([...all, seg]);
    selected = segments().findIndex((s) => s.start === seg.start && s.end === seg.end && s.label === seg.label);
    render();
  }

  function edit(i, key, raw) {
    const all = segments();
    const v = r2(Number(raw));
    const seg = { ...all[i], [key]: v };
    if (!Number.isFinite(v) || seg.start < 0 || seg.end <= seg.start || seg.end > r2(player.duration) + 0.01) {
      shell.error.textContent = `segment ${i + 1}: need 0 ≤ start < end ≤ ${fmtTime(player.duration)}`;
      render();
      return;
    }
    if (!question.allow_overlap && all.some((s, j) => j !== i && s.start < seg.end && s.end > seg.start)) {
      shell.error.textContent = `segment ${i + 1}: would overlap another segment (this question does not allow overlap)`;
      render();
      return;
    }
    shell.error.textContent = "";
    save(all.map((s, j) => (j === i ? seg : s)));
  }

  /** The segment edge within EDGE_PX of a time, as {i, edge}, else null. */
  function edgeAt(t) {
    const px = player.pxPerSecond();
    let best = null;
    segments().forEach((s, i) => {
      for (const edge of ["start", "end"]) {
        const d = Math.abs(s[edge] - t) * px;
        if (d <= EDGE_PX && (!best || d < best.d)) best = { i, edge, d };
      }
    });
    return best;
  }

  player.addPainter((g, x, height, layer) => {
    if (layer !== "back") return;
    const all = preview || segments();
    all.forEach((s, i) => {
      const color = LAB_HEX[(labelIndex.get(s.label) ?? 7) % 8];
      g.globalAlpha = i === selected ? 0.38 : 0.22;
      g.fillStyle = color;
      g.fillRect(x(s.start), 0, Math.max(1, x(s.end) - x(s.start)), height);
      g.globalAlpha = 1;
      g.fillRect(x(s.start), 0, 1, height);
      g.fillRect(x(s.end) - 1, 0, 1, height);
      g.font = "12px system-ui, sans-serif";
      g.fillText(labelText(question, s.label), x(s.start) + 4, 14);
    });
    if (anchor !== null) {
      g.globalAlpha = 0.3;
      g.fillStyle = LAB_HEX[(labelIndex.get(current) ?? 7) % 8];
      const a = Math.min(anchor, player.currentTime);
      const b = Math.max(anchor, player.currentTime);
      g.fillRect(x(a), 0, Math.max(1, x(b) - x(a)), height);
      g.globalAlpha = 1;
      g.fillRect(x(anchor) - 1, 0, 2, height);
    }
    if (drag && drag.to !== null) {
      g.globalAlpha = 0.3;
      g.fillStyle = LAB_HEX[(labelIndex.get(current) ?? 7) % 8];
      const a = Math.min(drag.from, drag.to);
      const b = Math.max(drag.from, drag.to);
      g.fillRect(x(a), 0, x(b) - x(a), height);
      g.globalAlpha = 1;
    }
  });

  player.handler = {
    hover(t) {
      player.canvas.style.cursor = edgeAt(t) ? "col-resize" : "";
    },
    down(t) {
      shell.el.focus({ preventScroll: true });
      const edge = edgeAt(t);
      drag = edge ? { edge: edge.edge, i: edge.i, from: t, to: null } : { from: t, to: null };
    },
    move(t) {
      if (!drag) return;
      if (drag.edge) {
        const all = segments();
        const s = { ...all[drag.i], [drag.edge]: r2(t) };
        preview = s.end > s.start ? all.map((x, j) => (j === drag.i ? s : x)) : null;
      } else {
        drag.to = Math.abs(t - drag.from) * player.pxPerSecond() >= CLICK_PX ? t : null;
      }
      player.draw();
    },
    up(t) {
      const d = drag;
      drag = null;
      if (!d) return;
      if (d.edge) {
        // dragging an edge resizes that segment (a click on an edge just seeks)
        preview = null;
        if (Math.abs(t - d.from) * player.pxPerSecond() >= CLICK_PX) { selected = d.i; edit(d.i, d.edge, t); }
        else { player.seek(t); render(); }
        return;
      }
      if (Math.abs(t - d.from) * player.pxPerSecond() < CLICK_PX) {
        // a click: select the segment under it (if any) and seek there
        selected = segments().findIndex((s) => s.start <= t && t <= s.end);
        player.seek(t);
        render();
        return;
      }
      const start = r2(Math.min(d.from, t));
      const end = r2(Math.max(d.from, t));
      if (end > start) add({ start, end, label: current });
      else player.draw();
    },
  };

  function render() {
    const all = segments();
    if (selected >= all.length) selected = -1;
    shell.el.dataset.count = String(all.length);
    player.draw();
    replace(list, all.map((s, i) => h("li", { class: ["shape-item", i === selected && "selected"] },
      h("button", { type: "button", class: `chip ${labClass(labelIndex, s.label)}`, tabindex: -1, title: "select and play from here",
        onclick: () => { selected = i; player.seek(s.start); render(); }, text: labelText(question, s.label) }),
      h("label", { class: "inline small" }, "start",
        h("input", { type: "number", class: "seg-start", tabindex: -1, step: 0.01, min: 0, value: String(s.start), "aria-label": `segment ${i + 1} start`,
          onchange: (e) => edit(i, "start", e.target.value) })),
      h("label", { class: "inline small" }, "end",
        h("input", { type: "number", class: "seg-end", tabindex: -1, step: 0.01, min: 0, value: String(s.end), "aria-label": `segment ${i + 1} end`,
          onchange: (e) => edit(i, "end", e.target.value) })),
      h("span", { class: "muted small", text: `${(s.end - s.start).toFixed(2)} s` }),
      h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `remove segment ${i + 1}`,
        onclick: () => { selected = -1; save(segments().filter((_, j) => j !== i)); } }, "remove"))));
  }

  pick(current);
  return {
    el: shell.el,
    error: shell.error,
    update: render,
    key(event) {
      if (playerKey(player, event)) {
        if (anchor !== null) player.draw(); // the anchored segment follows the playhead
        return true;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      if (event.key === "Enter") {
        const t = r2(player.currentTime);
        if (anchor === null) { anchor = t; note.textContent = `segment from ${fmtTime(t)}: move with ←/→, Enter to finish, Esc to cancel`; }
        else {
          const [start, end] = [Math.min(anchor, t), Math.max(anchor, t)];
          anchor = null;
          note.textContent = "";
          if (end > start) add({ start, end, label: current });
          else note.textContent = "a segment needs a length: move the playhead first";
        }
        player.draw();
        return true;
      }
      if (event.key === "Escape" && anchor !== null) { anchor = null; note.textContent = ""; player.draw(); return true; }
      if ((event.key === "Delete" || event.key === "Backspace") && selected >= 0) {
        const i = selected;
        selected = -1;
        save(segments().filter((_, j) => j !== i));
        return true;
      }
      if (event.key === "Escape" && selected >= 0) { selected = -1; render(); return true; }
      const i = digitIndex(event);
      if (i >= 0 && i < labels.length) { pick(labels[i][0]); return true; }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["drag", "make a segment on the waveform"], ["Enter … Enter", "make a segment from the playhead by keyboard (Esc cancels)"], ["click", "seek / select"], ["1–9, 0", "label"],
    ["Delete", "remove the selected segment"], ["Space", "play / pause"], ["← / →", "seek 1 s (Shift: 5 s)"], ["[ / ]", "slower / faster"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return value.length ? value.map((s) => `${labelText(question, s.label)} ${s.start}–${s.end} s`).join(", ") : "(no segments)";
}

/** The value compared regardless of order. */
export function canonical(question, value) {
  return [...value].map((s) => [s.start, s.end, s.label]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || String(a[2]).localeCompare(String(b[2])));
}
