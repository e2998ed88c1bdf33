// The review history of one response: every verdict with its reviewer, time, response
// version, reason and comment (GET .../responses/{id}/reviews), and the fixed values in force.

import { api } from "../api.js";
import { h, fmtDate } from "../dom.js";

// "requeue": an admin sent the response back to review (the record browser's bulk action);
// it ends the verdict in force, so it is never "in force" itself
const VERDICT_TEXT = { accept: "accepted", reject: "rejected", fix: "fixed", requeue: "sent to review by" };

/** The response's verdicts, oldest first. */
export function loadReviews(base, responseId) {
  return api("GET", `${base}/responses/${responseId}/reviews`);
}

/** The corrected values of the fix in force, or null. */
export function fixInForce(reviews) {
  const current = (reviews || []).find((r) => r.in_force);
  return current && current.verdict === "fix" ? current.values : null;
}

/** A list of the verdicts, newest first. */
export function historyList(reviews, response) {
  if (!reviews.length) return h("p", { class: "muted small", text: "No verdicts yet." });
  return h("ol", { class: "review-history", "aria-label": `review history of ${response.user}'s response` },
    [...reviews].reverse().map((r) => h("li", { class: r.in_force ? "in-force" : "" },
      h("div", { class: "row small" },
        h("span", { class: `verdict ${r.verdict}`, text: VERDICT_TEXT[r.verdict] || r.verdict }),
        h("span", { text: r.reviewer || "(deleted user)" }),
        h("span", { class: "muted", text: fmtDate(r.created_at) }),
        h("span", { class: "muted", text: `version ${r.response_version ?? "?"}` }),
        r.verdict === "requeue" ? null
          : r.in_force ? h("span", { class: "status-badge", text: "in force" })
            : h("span", { class: "muted", text: "no longer applies" })),
      r.reason ? h("div", { class: "history-reason" }, h("strong", { text: "Reason: " }), h("span", { text: r.reason })) : null,
      r.comment ? h("div", { class: "history-comment" }, h("strong", { text: "Comment: " }), h("span", { text: r.comment })) : null)));
}
