// The annotator's rejected responses (GET /my/rejected): the reviewer's reason and comment,
// and a way to open the record, fix it and submit again (a new version goes back to review).

import { api } from "../api.js";
import { h, replace, fmtDate } from "../dom.js";

let rejected = []; // the last list fetched

/** The rejection of a record in the last list, or null. */
export function rejectionOf(recordId) {
  return rejected.find((r) => r.record_id === recordId) || null;
}

function reasonNodes(r) {
  return [h("span", { class: "muted", text: `${r.reviewer || "a reviewer"}: ` }),
    h("span", { class: "reject-reason", text: r.reason || "(no reason given)" }),
    r.comment ? h("span", { class: "reject-comment muted", text: ` — ${r.comment}` }) : null];
}

/** Fetch the list and show it in ``box`` (hidden when empty); ``onOpen(recordId)`` opens one. */
export async function showRejected(box, base, onOpen) {
  try {
    rejected = await api("GET", `${base}/my/rejected?limit=50`);
  } catch {
    return;
  }
  if (!rejected.length) { replace(box); box.hidden = true; return; }
  replace(box, h("h2", { text: `${rejected.length} of your responses ${rejected.length === 1 ? "was" : "were"} rejected` }),
    h("p", { class: "muted small", text: "Open one, correct it and submit again: the new version goes back to review." }),
    h("ul", { class: "rejected-list" }, rejected.map((r) => h("li", { dataset: { recordId: String(r.record_id) } },
      h("strong", { text: r.external_id }),
      h("span", { class: "why" }, reasonNodes(r)),
      h("span", { class: "muted small", text: fmtDate(r.reviewed_at) }),
      h("button", { type: "button", class: "secondary", onclick: () => onOpen(r.record_id) }, "Open and fix")))));
  box.hidden = false;
}

/** The banner shown above a rejected record while it is open. */
export function rejectionBanner(box, recordId) {
  const r = rejectionOf(recordId);
  if (!r) { box.hidden = true; replace(box); return; }
  replace(box, h("strong", { text: "Rejected: " }), ...reasonNodes(r),
    h("span", { class: "muted", text: " · correct your answer and submit again." }));
  box.hidden = false;
}
