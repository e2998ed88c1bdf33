// The guidelines panel: the current guidelines, and — when they changed since the annotator
// last acknowledged them — a line diff against the version they read.

import { api, enc } from "./api.js";
import { h, replace } from "./dom.js";
import { diffLines } from "./diff.js";
import { renderMarkdown } from "./markdown.js";

const localKey = (dataset, user) => `accord:guidelines-seen:${dataset}:${user}`;

async function seenVersion(dataset, user) {
  const seen = await api("GET", `/datasets/${enc(dataset)}/guidelines/seen`);
  if (seen.stored) return { version: seen.version, stored: true };
  return { version: Number(localStorage.getItem(localKey(dataset, user)) || 0), stored: false };
}

function diffView(before, after) {
  return h("ol", { class: "line-diff", "aria-label": "changed lines" }, diffLines(before, after).map((part) => h("li", {
    class: `diff-${part.op}`,
    "aria-label": part.op === "add" ? "added" : part.op === "del" ? "removed" : null,
  }, h("span", { class: "diff-mark", "aria-hidden": "true", text: part.op === "add" ? "+" : part.op === "del" ? "−" : " " }),
  h("span", { text: part.text || " " }))));
}

/** Fill ``box`` with the guidelines panel; resolves when it is rendered. */
export async function showGuidelines(box, dataset, user) {
  const versions = await api("GET", `/datasets/${enc(dataset)}/settings/versions`);
  const current = versions[versions.length - 1];
  if (!current || !current.guidelines.trim()) {
    box.hidden = true;
    return;
  }
  const seen = await seenVersion(dataset, user);
  const seenEntry = versions.find((v) => v.version === seen.version);
  const upToDate = seenEntry && seenEntry.guidelines === current.guidelines;
  const changed = seenEntry && !upToDate;

  const ack = h("button", { type: "button", class: "primary", id: "guidelines-ack" }, "I have read them");
  ack.addEventListener("click", async () => {
    ack.disabled = true;
    const res = await api("PUT", `/datasets/${enc(dataset)}/guidelines/seen`, { version: current.version });
    if (!res.stored) localStorage.setItem(localKey(dataset, user), String(current.version));
    details.open = false;
    replace(status, `version ${current.version}, read`);
    notice.remove();
    ack.remove();
  });

  const status = h("span", { class: "muted small", text: upToDate ? `version ${current.version}` : `version ${current.version}, not yet acknowledged` });
  const notice = upToDate ? h("span") : h("div", { class: changed ? "banner warn" : "banner info", role: "note" },
    changed
      ? `The guidelines changed since you read version ${seen.version}: changed lines are highlighted below.`
      : "Please read the guidelines before you start.");
  const details = h("details", { class: "guidelines-details", open: !upToDate },
    h("summary", {}, h("strong", { text: "Guidelines" }), " ", status),
    notice,
    changed ? h("section", { class: "guidelines-diff" }, h("h4", { text: `Changes since version ${seen.version}` }), diffView(seenEntry.guidelines, current.guidelines)) : null,
    h("div", { class: "markdown guidelines-text" }, renderMarkdown(current.guidelines)),
    upToDate ? null : h("div", { class: "row end" }, ack));
  replace(box, details);
  box.hidden = false;
}
