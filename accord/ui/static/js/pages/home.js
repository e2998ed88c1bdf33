// The dataset list with progress bars.

import { api, enc } from "../api.js";
import { h, replace, fmtNumber } from "../dom.js";
import { notify, pageInfo } from "../shell.js";

const ROLE = { annotator: 0, reviewer: 1, admin: 2 };

function progressBar(done, total, label) {
  const share = total ? done / total : 0;
  return h("div", { class: "progress-block" },
    h("progress", { max: 1, value: share, "aria-label": label }),
    h("span", { class: "muted small", text: `${fmtNumber(share * 100, 0)} % · ${fmtNumber(done)} of ${fmtNumber(total)} records completed` }));
}

function card(ds, role) {
  const counts = ds.counts || { records: 0, completed: 0, pending: 0 };
  const questions = (ds.settings.questions || []).map((q) => q.title || q.name).join(", ");
  const base = `/datasets/${enc(ds.name)}`;
  return h("article", { class: "card dataset-card" },
    h("h2", {}, h("a", { href: `${base}/annotate`, text: ds.name })),
    h("p", { class: "muted small", text: questions ? `Questions: ${questions}` : "No questions yet" }),
    progressBar(counts.completed, counts.records, `progress of ${ds.name}`),
    h("div", { class: "row" },
      h("a", { class: "button primary", href: `${base}/annotate` }, "Annotate"),
      ROLE[role] >= 1 && h("a", { class: "button secondary", href: `${base}/review` }, "Review"),
      ROLE[role] >= 1 && h("a", { class: "button secondary", href: `${base}/dashboard` }, "Dashboard"),
      ROLE[role] >= 2 && h("a", { class: "button secondary", href: `${base}/triage` }, "Triage")));
}

async function load() {
  const box = document.getElementById("datasets");
  const { role } = pageInfo();
  try {
    const datasets = await api("GET", "/datasets");
    if (!datasets.length) {
      replace(box, h("p", { class: "card empty", text: role === "admin"
        ? "No datasets yet. Create one on the Admin page."
        : "You are not a member of any dataset yet. Ask an admin to add you." }));
    } else {
      replace(box, datasets.map((ds) => card(ds, role)));
    }
  } catch (err) {
    notify(err.message, "error");
  } finally {
    box.setAttribute("aria-busy", "false");
  }
}

load();
