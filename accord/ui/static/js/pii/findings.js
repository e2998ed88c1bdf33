// PII findings of a record (the prep PII step's metadata._pii): each slot's text with the
// findings highlighted (text nodes and <mark> elements only, never innerHTML), and for
// reviewers and admins a Confirm / Dismiss pair per finding (PUT .../records/{id}/pii).

import { api, enc } from "../api.js";
import { h, replace } from "../dom.js";
import { notify, pageInfo } from "../shell.js";

const STATE_TEXT = { confirmed: "confirmed", dismissed: "dismissed" };

/** The text at a slot name: "text", "chat[2].content", "chat[1].content[0].text". */
function slotText(fields, slot) {
  let target = fields;
  for (const m of slot.matchAll(/\[(\d+)\]|\.?([^.[\]]+)/g)) {
    if (target === null || target === undefined) return null;
    target = m[1] !== undefined ? target[Number(m[1])] : target[m[2]];
  }
  return typeof target === "string" ? target : null;
}

function stateOf(f) {
  return (f.review && f.review.state) || "open";
}

/** Whether the finding's offsets lie in the text (findings imported with the records'
 *  metadata may not; exports redact only those that do). */
function covered(text, f) {
  return text !== null && Number.isInteger(f.start) && Number.isInteger(f.end) &&
    f.start >= 0 && f.start < f.end && f.end <= text.length;
}

function highlighted(text, findings) {
  const parts = [];
  let pos = 0;
  for (const f of findings.filter((x) => covered(text, x)).sort((a, b) => a.start - b.start)) {
    if (f.start < pos) continue;
    parts.push(text.slice(pos, f.start));
    parts.push(h("mark", { class: `pii pii-${stateOf(f)}`, title: `${f.entity} (${stateOf(f)})`,
      dataset: { entity: f.entity, start: f.start, end: f.end } }, text.slice(f.start, f.end)));
    pos = f.end;
  }
  parts.push(text.slice(pos));
  return h("p", { class: "pii-text" }, parts);
}

/**
 * The PII panel of a record, or null when it has no findings. Reviewers and admins get
 * Confirm / Dismiss buttons; the panel redraws itself with the server's answer.
 */
export function piiPanel(record) {
  const pii = record.metadata && record.metadata._pii;
  if (!pii || typeof pii !== "object" || !Object.values(pii).some((v) => Array.isArray(v) && v.length)) return null;
  const { dataset, role } = pageInfo();
  const canReview = role === "reviewer" || role === "admin";
  const panel = h("section", { class: "pii-panel", "aria-label": "PII findings" });

  async function judge(slot, f, state) {
    try {
      const res = await api("PUT", `/datasets/${enc(dataset)}/records/${record.id}/pii`,
        { slot, start: f.start, end: f.end, state });
      record.metadata = { ...record.metadata, _pii: res.pii };
      draw();
      notify(`${f.entity} ${STATE_TEXT[state]}`, "ok");
    } catch (err) {
      notify(err.message, "error");
    }
  }

  function draw() {
    const current = record.metadata._pii;
    const blocks = Object.entries(current).filter(([, v]) => Array.isArray(v) && v.length).map(([slot, findings]) => {
      const text = slotText(record.fields, slot);
      const rows = findings.map((f) => h("li", { class: `pii-finding pii-${stateOf(f)}`, dataset: { slot, start: f.start, end: f.end } },
        h("strong", { text: f.entity }), " ",
        h("span", { class: "muted small", text: covered(text, f) ? `"${text.slice(f.start, f.end)}"` : `${f.start}-${f.end}, not in the text` }), " ",
        h("span", { class: "pii-state", text: stateOf(f) }),
        canReview ? [" ",
          h("button", { type: "button", class: "secondary", dataset: { action: "confirm" },
            disabled: stateOf(f) === "confirmed", onclick: () => judge(slot, f, "confirmed") }, "Confirm"),
          h("button", { type: "button", class: "secondary", dataset: { action: "dismiss" },
            disabled: stateOf(f) === "dismissed", onclick: () => judge(slot, f, "dismissed") }, "Dismiss")] : null));
      return h("div", { class: "pii-slot" },
        h("h4", { class: "muted small", text: slot }),
        text !== null ? highlighted(text, findings) : null,
        h("ul", { class: "pii-list" }, rows));
    });
    replace(panel, h("h3", { class: "field-title", text: "Possible personal data" }), blocks);
  }

  draw();
  return panel;
}
