// Rendering a record's fields as text — never as HTML (records are untrusted input).

import { h } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { AudioPlayer } from "./media/audio_player.js";
import { VideoPlayer, videoKey } from "./media/video_player.js";
import { ImageStage } from "./media/image_stage.js";
import { mediaSource } from "./media/source.js";

function asText(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function textBody(value) {
  return h("div", { class: "plain-text", text: asText(value) });
}

function chatBody(value) {
  if (!Array.isArray(value)) return jsonBody(value);
  if (!value.length) return h("p", { class: "muted small", text: "(no messages)" });
  return h("ol", { class: "chat" }, value.map((msg, i) => {
    const role = msg && typeof msg === "object" ? String(msg.role ?? "?") : "?";
    const content = msg && typeof msg === "object" ? msg.content : msg;
    const known = ["user", "assistant", "system", "tool"].includes(role) ? role : "other";
    return h("li", { class: `turn role-${known}`, dataset: { turn: String(i) } },
      h("div", { class: "turn-role", text: role }),
      h("div", { class: "turn-content", text: asText(content) }));
  }));
}

function markdownBody(value) {
  const box = h("div", { class: "markdown" });
  box.append(renderMarkdown(asText(value)));
  return box;
}

function mediaBody(value, kind) {
  const src = mediaSource(value, kind);
  if (!src) {
    return h("div", { class: "blocked" },
      h("span", { text: `${kind} not shown: only http(s) URLs, base64 data URIs and media paths are allowed` }),
      h("code", { class: "small", text: asText(value).slice(0, 200) }));
  }
  if (kind === "image") {
    // zoom with the wheel or the buttons, drag to pan
    const stage = new ImageStage(src, { maxHeight: 480 });
    stage.setTool("pan");
    stage.el.prepend(h("div", { class: "stage-toolbar" }, stage.zoomControls()));
    return stage.el;
  }
  return new AudioPlayer(src).el;
}

// the viewer (and three.js) is loaded only on pages that show a point cloud
function pointCloudBody(value) {
  const box = h("div", { class: "pc-field" });
  import("./point_cloud/viewer.js").then((m) => box.append(m.pointCloudBody(value)))
    .catch((err) => box.append(h("p", { class: "muted small", text: `point cloud viewer failed: ${err.message}` })));
  return box;
}

function videoBody(value, def) {
  const src = mediaSource(value, "video");
  if (!src) return mediaBody(value, "video");
  const player = new VideoPlayer(src, { fps: def && def.fps ? def.fps : 25 });
  // the field alone (no video question on it): frame keys work when the player has focus
  player.el.tabIndex = 0;
  player.el.addEventListener("keydown", (e) => { if (videoKey(player, e)) { e.preventDefault(); e.stopPropagation(); } });
  return player.el;
}

function jsonBody(value) {
  return h("pre", { class: "json-body", text: JSON.stringify(value, null, 2) ?? "null" });
}

/** The body element of one field value, by field type. */
export function fieldBody(type, value, def = null) {
  switch (type) {
    case "chat": return chatBody(value);
    case "markdown": return markdownBody(value);
    case "image": return mediaBody(value, "image");
    case "audio": return mediaBody(value, "audio");
    case "point_cloud": return pointCloudBody(value);
    case "video": return videoBody(value, def);
    case "json": return jsonBody(value);
    default: return textBody(value);
  }
}

/** A titled block for one field of a record. */
export function renderField(field, value) {
  return h("section", { class: `field field-${field.type}`, dataset: { field: field.name } },
    h("h3", { class: "field-title", text: field.title || field.name }),
    field.description ? h("p", { class: "muted small", text: field.description }) : null,
    value === undefined || value === null
      ? h("p", { class: "muted small", text: "(empty)" })
      : fieldBody(field.type, value, field));
}

/**
 * Fields that a question shows inside its own widget (span text, ranking candidates, A/B,
 * images, audio): the referenced fields of the types whose /meta entry has `shows_fields`.
 */
export function fieldsShownByQuestions(questions, meta) {
  const shown = new Set();
  for (const q of questions) {
    const t = meta.question_types.find((x) => x.name === q.type);
    if (!t || !t.shows_fields) continue;
    [].concat(q[t.field_key] ?? []).forEach((f) => shown.add(f));
  }
  return shown;
}
