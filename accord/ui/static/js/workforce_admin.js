// Admin page: the dataset's members with their onboarding phase, score, pause (and its
// reason), quota use, and an Unpause button. Text through textContent only.

import { api, enc } from "./api.js";
import { h, fmtDate } from "./dom.js";
import { notify } from "./shell.js";

function phaseText(m) {
  if (m.phase === "failed") return `failed (${m.last_score === null ? "-" : m.last_score.toFixed(2)}), retry ${m.retry_at ? fmtDate(m.retry_at) : "now"}`;
  if (m.phase === "qualified") return `passed ${m.passed_at ? fmtDate(m.passed_at) : ""}`.trim();
  return m.phase || "not started";
}

/** The workforce table for dataset ``name``; ``refresh`` re-renders the admin section. */
export async function workforceSection(name, refresh) {
  const rows = await api("GET", `/datasets/${enc(name)}/workforce`);
  const table = h("table", { class: "data workforce-table", id: "workforce-table" },
    h("thead", {}, h("tr", {}, ["member", "role", "onboarding", "status", "reason", "used / quota", ""].map((t) => h("th", { text: t })))),
    h("tbody", {}, rows.map((m) => h("tr", { dataset: { member: m.user } },
      h("td", { text: m.user }),
      h("td", { text: m.role }),
      h("td", { class: "wf-phase", text: phaseText(m) }),
      h("td", { class: "wf-status", text: m.paused ? "paused" : "active" }),
      h("td", { class: "wf-reason", text: m.pause_reason || "" }),
      h("td", { text: `${m.used} / ${m.quota === null ? "—" : m.quota}` }),
      h("td", {}, m.paused ? h("button", { type: "button", class: "secondary wf-unpause", onclick: async () => {
        try {
          await api("POST", `/datasets/${enc(name)}/workforce/${enc(m.user)}/unpause`);
          notify(`Unpaused ${m.user}`, "ok");
          await refresh();
        } catch (err) {
          notify(err.message, "error");
        }
      } }, "Unpause") : null)))));
  return h("section", { id: "workforce" }, h("h3", { text: "Workforce" }),
    rows.length ? table : h("p", { class: "muted small", text: "No members yet." }),
    h("p", {}, h("a", { href: `/api/v1/datasets/${enc(name)}/timesheet?format=csv` }, "Time report (CSV)")));
}
