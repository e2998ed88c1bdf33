// The dashboard's "since yesterday" table, its answers-per-label tables (GET /dashboard),
// and a "Download CSV" button for any dashboard table, built from the same rows it shows.

import { h, replace, fmtNumber } from "./dom.js";
import { downloadCsv, toCsv } from "./csv.js";

/** A button that saves `header` and `rows()` (called at click time) as `filename`. */
export function csvButton(id, filename, header, rows) {
  return h("button", { type: "button", class: "link csv-download", id, onclick: () => downloadCsv(filename, toCsv(header, rows())) }, "Download CSV");
}

/** Put `button` into the heading row of the card that holds `el` (once). */
export function attachCsv(el, button) {
  const card = el.closest(".card");
  const old = card.querySelector(`#${button.id}`);
  if (old) old.replaceWith(button);
  else card.querySelector("h2").after(button);
}

function signed(n) {
  return n > 0 ? `+${fmtNumber(n)}` : fmtNumber(n);
}

export function renderChanges(box, changes, dataset) {
  const header = ["metric", `last ${changes.hours} h`, `${changes.hours} h before`, "change"];
  const rows = changes.rows.map((r) => [r.metric, r.last, r.previous, r.change]);
  replace(box, h("table", { class: "data", id: "changes-table" },
    h("thead", {}, h("tr", {}, header.map((t, i) => h("th", { class: i ? "num" : "", text: t })))),
    h("tbody", {}, changes.rows.map((r) => h("tr", { dataset: { metric: r.metric } },
      h("td", { text: r.metric }), h("td", { class: "num", text: fmtNumber(r.last) }),
      h("td", { class: "num", text: fmtNumber(r.previous) }),
      h("td", { class: ["num", r.change > 0 ? "up" : r.change < 0 ? "down" : ""], text: signed(r.change) }))))));
  attachCsv(box, csvButton("changes-csv", `${dataset}-since-yesterday.csv`, header, () => rows));
}

export function renderDistributions(box, distributions, dataset) {
  const entries = Object.entries(distributions);
  if (!entries.length) {
    replace(box, h("p", { class: "muted", text: "No label, multi-label, rating, pairwise or flags questions." }));
    return;
  }
  const header = ["question", "label", "answers", "share"];
  const rows = [];
  const tables = entries.map(([question, d]) => {
    const total = d.counts.reduce((sum, [, n]) => sum + n, 0);
    const share = (n) => (total ? n / total : null);
    for (const [label, n] of d.counts) rows.push([question, label, n, share(n) === null ? null : Number(share(n).toFixed(4))]);
    return h("div", { class: "distribution", dataset: { question } },
      h("h3", { text: `${question} (${d.type}, ${fmtNumber(d.answers)} answers)` }),
      h("table", { class: "data" },
        h("thead", {}, h("tr", {}, ["label", "answers", "share"].map((t, i) => h("th", { class: i ? "num" : "", text: t })))),
        h("tbody", {}, d.counts.map(([label, n]) => h("tr", {},
          h("td", { class: "label-cell", text: String(label) }), h("td", { class: "num", text: fmtNumber(n) }),
          h("td", { class: "num" }, h("span", { class: "share", text: share(n) === null ? "–" : `${fmtNumber(share(n) * 100, 0)} %` })))))));
  });
  replace(box, tables);
  attachCsv(box, csvButton("distributions-csv", `${dataset}-answers-per-label.csv`, header, () => rows));
}
