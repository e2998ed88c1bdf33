// The record's metadata keys that the dataset's settings declare (settings.metadata). The
// server decides what a user may read (annotators get only the visible keys:
// accord.workflow.policy.visible_metadata); this only lays out what came.

import { h } from "../dom.js";

function text(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * A <dl> of the declared metadata of ``record`` in the settings' order, or null when there is
 * none: the visible keys, and with ``all`` (the review page) the ``visible: false`` ones too.
 */
export function metadataList(settings, record, { all = false } = {}) {
  const shown = (settings.metadata || []).filter((m) => (all || m.visible !== false) && record.metadata
    && Object.prototype.hasOwnProperty.call(record.metadata, m.name));
  if (!shown.length) return null;
  return h("dl", { class: "record-meta field", "aria-label": "metadata" },
    shown.map((m) => h("div", {}, h("dt", { text: `${m.title || m.name}:` }), h("dd", { text: text(record.metadata[m.name]) }))));
}
