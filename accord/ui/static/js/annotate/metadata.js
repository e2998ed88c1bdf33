// The record's metadata keys that the dataset's settings mark visible (settings.metadata).

import { h } from "../dom.js";

function text(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A <dl> of the visible metadata of ``record``, or null when the settings show none. */
export function metadataList(settings, record) {
  const shown = (settings.metadata || []).filter((m) => m.visible !== false && record.metadata
    && Object.prototype.hasOwnProperty.call(record.metadata, m.name));
  if (!shown.length) return null;
  return h("dl", { class: "record-meta field", "aria-label": "metadata" },
    shown.map((m) => h("div", {}, h("dt", { text: `${m.title || m.name}:` }), h("dd", { text: text(record.metadata[m.name]) }))));
}
