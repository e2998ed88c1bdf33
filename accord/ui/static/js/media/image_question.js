// What bbox, polygon and keypoints widgets share: the stage, a tool bar (draw / select / pan,
// zoom), the label palette with its number keys, and B / P / K to switch tool or jump to the
// question of that tool on the same image.

import { h } from "../dom.js";
import { keyLabel, optionButton, questionShell } from "../questions/shell.js";
import { ImageStage } from "./image_stage.js";
import { mediaSource } from "./source.js";

export const LAB_COLORS = 8;
const TOOL_KEYS = { bbox: "b", polygon: "p", keypoints: "k" };

/** Index of a number key 1-9 (0 zooms to fit in image questions), else -1. */
export function labelDigit(event) {
  const m = /^Digit([1-9])$|^Numpad([1-9])$/.exec(event.code || "");
  if (m) return Number(m[1] ?? m[2]) - 1;
  return /^[1-9]$/.test(event.key) ? Number(event.key) - 1 : -1;
}

/**
 * Build the frame of an image question.
 * drawTitle: the draw tool's button text. Returns {shell, stage, body, toolbar, palette, state, ...}.
 */
export function imageQuestion(question, ctx, { hint, drawTitle, onAccept = null }) {
  const shell = questionShell(question, { hint, suggestion: ctx.suggestion, onAccept });
  shell.el.dataset.imageField = question.field;
  const value = ctx.fieldValue(question.field);
  const src = mediaSource(value, "image");
  const labels = question.labels ? Object.entries(question.labels) : [];
  const state = { label: labels.length ? labels[0][0] : null, onLabel: null, onTool: null };
  const labelIndex = new Map(labels.map(([v], i) => [v, i]));

  if (!src) {
    shell.body.append(h("div", { class: "blocked" },
      h("span", { text: "image not shown: only http(s) URLs, base64 data URIs and media paths are allowed" }),
      h("code", { class: "small", text: String(value ?? "(empty)").slice(0, 200) })));
    return { shell, stage: null, state, labels, labelIndex };
  }
  const stage = new ImageStage(src, { alt: ctx.fieldTitle(question.field) });
  const toolButtons = {};
  const tool = (name, text, key) => {
    toolButtons[name] = h("button", {
      type: "button", class: "tool", tabindex: -1, title: `${text} (${key.toUpperCase()})`, dataset: { tool: name },
      onclick: () => setTool(name),
    }, h("kbd", { text: key.toUpperCase() }), text);
    return toolButtons[name];
  };
  const toolbar = h("div", { class: "stage-toolbar", role: "toolbar", "aria-label": "tools" },
    tool("draw", drawTitle, TOOL_KEYS[question.type]), tool("select", "select", "v"), tool("pan", "pan", "h"),
    stage.zoomControls());
  const paletteButtons = labels.map(([v, text], i) => optionButton(text, keyLabel(i), () => pickLabel(v), {
    class: ["option", `lab-${i % LAB_COLORS}`], role: "radio", dataset: { value: v },
  }));
  const palette = labels.length ? h("div", { class: "options media-labels", role: "radiogroup", "aria-label": "labels" }, paletteButtons) : null;
  shell.body.append(toolbar, palette, stage.el);

  function setTool(name) {
    stage.setTool(name);
    Object.entries(toolButtons).forEach(([n, b]) => b.setAttribute("aria-pressed", String(n === name)));
    if (state.onTool) state.onTool(name);
  }

  function pickLabel(v) {
    state.label = v;
    paletteButtons.forEach((b, i) => b.setAttribute("aria-checked", String(labels[i][0] === v)));
    if (state.onLabel) state.onLabel(v);
  }

  /** Keys every image question understands; true when handled. */
  function commonKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    if (stage.key(event)) return true;
    const k = event.key.toLowerCase();
    if (k === "v") { setTool("select"); return true; }
    if (k === "h") { setTool("pan"); return true; }
    if (k === " ") return true; // Space + drag pans; keep the page from scrolling
    const own = TOOL_KEYS[question.type];
    if (k === own) { setTool("draw"); return true; }
    const other = Object.entries(TOOL_KEYS).find(([, key]) => key === k);
    if (other) {
      // the question of that tool on the same image, if there is one
      const sibling = [...document.querySelectorAll(`.question.q-${other[0]}`)]
        .find((el) => el.dataset.imageField === question.field);
      if (sibling) { sibling.focus(); sibling.scrollIntoView({ block: "nearest" }); return true; }
      return false;
    }
    const i = labelDigit(event);
    if (i >= 0 && i < labels.length) { pickLabel(labels[i][0]); return true; }
    return false;
  }

  setTool("draw");
  if (labels.length) pickLabel(labels[0][0]);
  return { shell, stage, state, labels, labelIndex, toolbar, palette, setTool, pickLabel, commonKey };
}

/** The CSS class giving a label its colour. */
export function labClass(labelIndex, label) {
  const i = labelIndex.get(label);
  return `lab-${(i === undefined ? 7 : i) % LAB_COLORS}`;
}
