// The widgets of video_segment (time ranges in seconds) and video_frame_label (frame ranges,
// inclusive, at most one label per frame). Keys: , / . one frame (Shift: 10), Space play,
// [ / ] speed, 1-9 pick the label, Enter marks where a range starts and Enter again where it
// ends (Esc cancels), Delete removes the range under the playhead. The list edits nothing
// but removes ranges; every text is set as text, never as HTML.

import { h, replace } from "../dom.js";
import { labelText } from "../values.js";
import { LAB_HEX } from "./audio_player.js";
import { labClass } from "./image_question.js";
import { fmtClock, videoQuestion } from "./video_player.js";
import { keyLabel, optionButton } from "../questions/shell.js";

const r2 = (v) => Math.round(v * 100) / 100;

/** unit "frame": {frames, ranges:[{start, end, label}]} (frames inclusive, no overlap);
 * unit "second": {duration, segments:[{start, end, label}]} (overlap when allowed). */
export function createRanges(question, ctx, unit) {
  const key = unit === "frame" ? "ranges" : "segments";
  const { labels, labelIndex, shell, player, widget } = videoQuestion(question, ctx,
    ", . frame · Enter … Enter mark a range · 1–9 label · Del remove");
  if (!player) return { el: shell.el, error: shell.error, update() {}, key: () => false };
  let current = labels[0][0];
  let anchor = null;
  const palette = labels.map(([v, text], i) => optionButton(text, keyLabel(i), () => pick(v), {
    class: ["option", `lab-${i % 8}`], role: "radio", dataset: { value: v },
  }));
  const note = h("p", { class: "muted small draw-note", "aria-live": "polite" });
  const bar = h("div", { class: "range-bar", "aria-hidden": "true" });
  const list = h("ul", { class: "shape-list range-list" });
  shell.body.append(h("div", { class: "options media-labels", role: "radiogroup", "aria-label": "labels" }, palette), bar, note, list);

  const items = () => ((ctx.form.get(question.name) || {})[key]) || [];
  const here = () => (unit === "frame" ? player.frame : r2(player.frame / player.fps));
  const show = (v) => (unit === "frame" ? `frame ${v}` : fmtClock(v));

  function save(next) {
    const sorted = [...next].sort((a, b) => a.start - b.start || a.end - b.end);
    const extent = unit === "frame" ? { frames: player.frames } : { duration: r2(player.video.duration) };
    ctx.form.set(question.name, sorted.length ? { ...extent, [key]: sorted } : null);
  }

  function add(start, end) {
    let all = items();
    if (unit === "frame") {
      // one label per frame: the new range cuts the ranges it overlaps
      all = all.flatMap((r) => {
        if (r.end < start || r.start > end) return [r];
        const parts = [];
        if (r.start < start) parts.push({ ...r, end: start - 1 });
        if (r.end > end) parts.push({ ...r, start: end + 1 });
        return parts;
      });
    } else if (!question.allow_overlap) {
      all = all.filter((s) => s.end <= start || s.start >= end);
    }
    save([...all, { start, end, label: current }]);
  }

  function pick(v) {
    current = v;
    palette.forEach((b, i) => b.setAttribute("aria-checked", String(labels[i][0] === v)));
  }

  function render() {
    const all = items();
    shell.el.dataset.count = String(all.length);
    shell.el.dataset.frame = String(player.frame);
    const total = unit === "frame" ? player.frames : player.video.duration || 1;
    replace(bar, all.map((r) => {
      const span = h("span");
      span.style.left = `${(100 * r.start) / total}%`;
      span.style.width = `${(100 * (r.end - r.start + (unit === "frame" ? 1 : 0))) / total}%`;
      span.style.background = LAB_HEX[(labelIndex.get(r.label) ?? 7) % 8];
      return span;
    }));
    replace(list, all.map((r, i) => h("li", { class: "shape-item" },
      h("button", { type: "button", class: `chip ${labClass(labelIndex, r.label)}`, tabindex: -1, title: "go to its start",
        onclick: () => player.seekFrame(unit === "frame" ? r.start : Math.floor(r.start * player.fps)), text: labelText(question, r.label) }),
      h("span", { class: "small mono", text: `${show(r.start)} – ${show(r.end)}` }),
      h("button", { type: "button", class: "link", tabindex: -1, "aria-label": `remove range ${i + 1}`,
        onclick: () => save(items().filter((_, j) => j !== i)) }, "remove"))));
  }

  pick(current);
  return widget({ render, pick, key(event) {
      if (event.key === "Enter") {
        const t = here();
        if (anchor === null) { anchor = t; note.textContent = `range from ${show(t)}: step to its end, Enter to finish, Esc to cancel`; return true; }
        let [start, end] = [Math.min(anchor, t), Math.max(anchor, t)];
        anchor = null;
        note.textContent = "";
        if (unit === "second") end = Math.min(r2(player.video.duration), r2(end + 1 / player.fps)); // the end frame included
        if (end >= start && (unit === "frame" || end > start)) add(start, end);
        return true;
      }
      if (event.key === "Escape" && anchor !== null) { anchor = null; note.textContent = ""; return true; }
      if (event.key === "Delete" || event.key === "Backspace") {
        const t = here();
        const i = items().findIndex((r) => r.start <= t && t <= r.end);
        if (i < 0) return false;
        save(items().filter((_, j) => j !== i));
        return true;
      }
      return false;
    } });
}

export function rangeShortcuts() {
  return [[", / .", "previous / next frame (Shift: 10)"], ["Space", "play / pause"], ["[ / ]", "slower / faster (0.25×–2×)"],
    ["Enter … Enter", "mark a range from the first frame to the second (Esc cancels)"], ["1–9, 0", "label"],
    ["Delete", "remove the range under the playhead"]];
}

export function formatRanges(question, value, key, show) {
  const all = (value && value[key]) || [];
  return all.length ? all.map((r) => `${labelText(question, r.label)} ${show(r.start)}–${show(r.end)}`).join(", ") : "(none)";
}
