// Onboarding on the annotate page: why no record came (guidelines to acknowledge, a failed
// qualification with its retry time, a pause, a reached quota), the training / qualification
// banner, and the expected answer with its explanation after a training answer.
// Every text goes through textContent (h(..., {text})).

import { api, enc } from "./api.js";
import { h, replace, fmtDate } from "./dom.js";
import { showGuidelines } from "./guidelines.js";
import { pageInfo } from "./shell.js";

const TITLES = {
  needs_guidelines_ack: "Please read the guidelines first",
  qualification_failed: "Not this time — thank you for trying",
  paused: "Your work here is paused",
  quota_reached: "You reached your quota",
  onboarding_unavailable: "Qualification is not ready yet",
  training: "Training",
  qualification: "Qualification",
};

export async function onboardingStatus(dataset) {
  return api("GET", `/datasets/${enc(dataset)}/onboarding`);
}

function answerText(value) {
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * Explain in ``box`` why no record came; false when the state is ``ok`` (then the caller
 * shows its usual "all done" message). ``onReady`` is called after an acknowledgement.
 */
export async function explainNoRecord(box, dataset, { onReady }) {
  const status = await onboardingStatus(dataset);
  if (status.state === "ok") return false;
  const parts = [h("h2", { id: "onboarding-title", text: TITLES[status.state] || "Nothing for you right now" }),
    h("p", { id: "onboarding-message", text: status.message })];
  if (status.state === "needs_guidelines_ack") {
    parts.push(h("p", { class: "muted small", text: "The guidelines are shown above this message." }));
    const ack = h("button", { type: "button", class: "primary", id: "onboarding-ack" }, "I have read the guidelines");
    ack.addEventListener("click", async () => {
      ack.disabled = true;
      try {
        await api("POST", `/datasets/${enc(dataset)}/onboarding/acknowledge`);
        const guidelines = document.getElementById("guidelines");
        if (guidelines) await showGuidelines(guidelines, dataset, pageInfo().user); // now up to date
        await onReady();
      } catch (err) {
        ack.disabled = false;
        replace(parts[1], err.message);
      }
    });
    parts.push(h("div", { class: "row" }, ack));
  }
  if (status.state === "qualification_failed" && status.retry_at) {
    parts.push(h("p", { id: "onboarding-retry", text: `You can try again from ${fmtDate(status.retry_at)}.` }));
  }
  if (status.state === "paused" && status.pause_reason) {
    parts.push(h("p", { class: "muted small", text: `Reason given: ${status.pause_reason}` }));
  }
  parts.push(h("div", { class: "row" }, h("a", { class: "button secondary", href: "/" }, "Back to datasets")));
  replace(box, ...parts);
  box.hidden = false;
  return true;
}

/** The training / qualification banner above the record (hidden otherwise). */
export async function showPhase(el, dataset) {
  const status = await onboardingStatus(dataset);
  if (status.state !== "training" && status.state !== "qualification") {
    el.hidden = true;
    return status;
  }
  replace(el, h("strong", { text: `${TITLES[status.state]}: record ${status.done + 1} of ${status.needed}. ` }),
    h("span", { text: status.message }));
  el.className = "banner info";
  el.hidden = false;
  return status;
}

/** After a training answer: whether it was right, the expected answer and the explanation.
 *  Resolves when the annotator presses Continue. */
export function showFeedback(el, feedback, questions) {
  return new Promise((resolve) => {
    const title = (name) => { const q = questions.find((x) => x.name === name); return q ? q.title || q.name : name; };
    const next = h("button", { type: "button", class: "primary", id: "feedback-continue" }, "Continue");
    replace(el, h("strong", { id: "feedback-verdict", text: feedback.correct ? "Correct!" : "Not quite — here is the expected answer." }),
      h("ul", { class: "feedback-answer" }, Object.entries(feedback.answer || {}).map(([name, value]) =>
        h("li", {}, h("span", { text: `${title(name)}: ` }), h("strong", { text: answerText(value) })))),
      feedback.explanation ? h("p", { id: "feedback-explanation", text: feedback.explanation }) : null,
      h("div", { class: "row end" }, next));
    el.className = feedback.correct ? "banner info" : "banner warn";
    el.hidden = false;
    next.addEventListener("click", () => { el.hidden = true; resolve(); });
    next.focus();
  });
}
