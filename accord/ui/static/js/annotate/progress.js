// Where the annotator stands: "12 of 150 done, 40 left for you" (GET /my/progress, the
// statistics' counting on the server).

import { api } from "../api.js";
import { h, replace, fmtNumber } from "../dom.js";

/** The progress sentence of a /my/progress answer. */
export function progressText(p) {
  const left = p.left === 1 ? "1 left for you" : `${fmtNumber(p.left)} left for you`;
  return `${fmtNumber(p.done)} of ${fmtNumber(p.records)} done, ${left}`;
}

const REFRESH_EVERY = 10; // submissions between two server counts (a count reads the dataset)
let last = null; // the last progress shown
let since = 0; // submissions counted locally since

/** After a submission of a new answer: count it locally, and from the server every few. */
export function countSubmission(box, base, { fresh }) {
  since += 1;
  if (!last || since >= REFRESH_EVERY) return showProgress(box, base);
  if (fresh) { last = { ...last, done: last.done + 1, left: Math.max(0, last.left - 1) }; draw(box, last); }
  return Promise.resolve();
}

/** Fetch and show the caller's progress in ``box``; failures leave the line as it was. */
export async function showProgress(box, base) {
  let p;
  try {
    p = await api("GET", `${base}/my/progress`);
  } catch {
    return; // the line is a help, never a blocker
  }
  last = p;
  since = 0;
  draw(box, p);
}

function draw(box, p) {
  const extra = [p.drafts ? `${p.drafts} draft${p.drafts === 1 ? "" : "s"}` : null,
    p.skipped ? `${p.skipped} skipped` : null,
    p.quota !== null && p.quota !== undefined ? `quota ${p.quota}` : null].filter(Boolean).join(" · ");
  replace(box, h("progress", { max: String(Math.max(p.records, 1)), value: String(p.done), "aria-hidden": "true" }),
    h("strong", { id: "progress-text", text: progressText(p) }),
    extra ? h("span", { class: "muted", text: extra }) : null);
  box.hidden = false;
}
