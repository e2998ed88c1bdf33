// transcript: the text of an audio field, optionally aligned in time.
// Value {"text": "...", "segments": [{"start", "end", "text"}]} (seconds, 2 decimals, in time
// order). Enter goes into the text box and Esc leaves it; Space plays/pauses, ←/→ seek,
// [ / ] speed, A adds a segment at the playhead (until the next segment or 2 s later).

import { h, replace } from "../dom.js";
import { fmtTime } from "../media/audio_player.js";
import { r2 } from "../media/image_stage.js";
import { audioFor, playerKey } from "./segment.js";
import { questionShell } from "./shell.js";

const DEFAULT_SECONDS = 2;

export function create(question, ctx) {
  const shell = questionShell(question, {
    hint: "Enter: type · Esc: leave · Space play · A: segment at playhead",
    suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion,
  });
  const { player, el } = audioFor(question, ctx);
  shell.body.append(el);
  const area = h("textarea", { class: "answer-text transcript-text", rows: 4, tabindex: -1, "aria-label": "transcript", spellcheck: "true" });
  const rows = h("ol", { class: "transcript-segments" });
  const addButton = h("button", { type: "button", class: "secondary add-segment", tabindex: -1, disabled: !player,
    onclick: () => addAtPlayhead() }, "add segment at playhead");
  shell.body.append(area, h("div", { class: "row" }, addButton, h("span", { class: "muted small", text: "segments align parts of the text to the audio" })), rows);

  const value = () => ctx.form.get(question.name) || { text: "", segments: [] };
  const sorted = (segs) => [...segs].sort((a, b) => a.start - b.start || a.end - b.end);
  const save = (next, coalesce = null) => ctx.form.set(question.name,
    next.text === "" && !next.segments.length ? null : { text: next.text, segments: sorted(next.segments) }, { coalesce });

  area.addEventListener("input", () => save({ ...value(), segments: value().segments || [], text: area.value }, `transcript:${question.name}`));
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); shell.el.focus(); }
  });

  function addAtPlayhead() {
    if (!player || !Number.isFinite(player.duration)) return;
    const segs = value().segments || [];
    const start = r2(player.currentTime);
    const later = segs.filter((s) => s.start > start).map((s) => s.start);
    const end = r2(Math.min(player.duration, start + DEFAULT_SECONDS, ...later));
    if (end <= start) { shell.error.textContent = "no room for a segment at the playhead"; return; }
    shell.error.textContent = "";
    save({ text: value().text || "", segments: [...segs, { start, end, text: "" }] });
  }

  function edit(i, key, raw, coalesce = null) {
    const v = value();
    const segs = v.segments.map((s) => ({ ...s }));
    if (key === "text") {
      segs[i].text = raw;
    } else {
      const n = r2(Number(raw));
      const next = { ...segs[i], [key]: n };
      if (!Number.isFinite(n) || next.start < 0 || next.end <= next.start) {
        shell.error.textContent = `segment ${i + 1}: need 0 ≤ start < end`;
        render(v);
        return;
      }
      segs[i] = next;
    }
    shell.error.textContent = "";
    save({ text: v.text, segments: segs }, coalesce);
  }

  if (player) {
    player.addPainter((g, x, height, layer) => {
      if (layer !== "back") return;
      (value().segments || []).forEach((s, i) => {
        g.fillStyle = i % 2 ? "#dfe8f3" : "#e9e3f7";
        g.fillRect(x(s.start), 0, Math.max(1, x(s.end) - x(s.start)), height);
        g.fillStyle = "#5d6778";
        g.font = "11px system-ui, sans-serif";
        g.fillText(String(i + 1), x(s.start) + 3, height - 4);
      });
    });
  }

  let lastShape = null;

  function render(v) {
    if (document.activeElement !== area && area.value !== v.text) area.value = v.text || "";
    const segs = v.segments || [];
    shell.el.dataset.count = String(segs.length);
    if (player) player.draw();
    const shape = JSON.stringify(segs.map((x) => [x.start, x.end]));
    if (shape === lastShape) {
      // same rows: refresh the texts in place (keeps the caret of the box being typed in)
      rows.querySelectorAll(".seg-text").forEach((input, i) => {
        if (input !== document.activeElement && input.value !== segs[i].text) input.value = segs[i].text;
      });
      return;
    }
    lastShape = shape;
    replace(rows, segs.map((s, i) => h("li", { class: "transcript-row" },
      h("label", { class: "inline small" }, "start",
        h("input", { type: "number", class: "seg-start", tabindex: -1, step: 0.01, min: 0, value: String(s.start), dataset: { ref: `${i}:start` },
          "aria-label": `segment ${i + 1} start`, onchange: (e) => edit(i, "start", e.target.value) })),
      h("label", { class: "inline small" }, "end",
        h("input", { type: "number", class: "seg-end", tabindex: -1, step: 0.01, min: 0, value: String(s.end), dataset: { ref: `${i}:end` },
          "aria-label": `segment ${i + 1} end`, onchange: (e) => edit(i, "end", e.target.value) })),
      h("button", { type: "button", class: "link", tabindex: -1, title: "play this segment",
        onclick: () => { player.seek(s.start); if (player.audio.paused) player.toggle(); } }, `▶ ${fmtTime(s.start)}`),
      h("input", { type: "text", class: "seg-text", tabindex: -1, value: s.text, placeholder: "text of this segment", dataset: { ref: `${i}:text` },
        "aria-label": `segment ${i + 1} text`, oninput: (e) => edit(i, "text", e.target.value, `transcript:${question.name}:${i}`) }),
      h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `remove segment ${i + 1}`,
        onclick: () => { const cur = value(); save({ text: cur.text, segments: cur.segments.filter((_, j) => j !== i) }); } }, "remove"))));
  }

  return {
    el: shell.el,
    error: shell.error,
    update(v) { render(v || { text: "", segments: [] }); },
    key(event) {
      if (player && playerKey(player, event)) return true;
      if (event.ctrlKey || event.metaKey || event.altKey) return false;
      if (event.key === "Enter") { area.focus(); return true; }
      if (event.key === "a" || event.key === "A") { addAtPlayhead(); return true; }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["Enter", "type the transcript"], ["Esc", "leave the text box"], ["A", "add a segment at the playhead"],
    ["Space", "play / pause"], ["← / →", "seek"], ["[ / ]", "slower / faster"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return typeof value === "string" ? value : `${value.text}${value.segments && value.segments.length ? ` (${value.segments.length} segments)` : ""}`;
}
