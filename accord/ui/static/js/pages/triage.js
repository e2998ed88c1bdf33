// Feedback triage: filter chat logs by user feedback (metadata), then turn the selection
// into a rewrite or review dataset (POST /datasets/{name}/triage).

import { api, enc } from "../api.js";
import { h, replace } from "../dom.js";
import { fieldBody } from "../fields.js";
import { notify, pageInfo } from "../shell.js";

const { dataset } = pageInfo();
const base = `/datasets/${enc(dataset)}`;
const $ = (id) => document.getElementById(id);
let settings = null;

function filters() {
  const key = $("meta-key").value.trim();
  const value = $("meta-value").value;
  const q = $("text-q").value.trim();
  return { metadata: key ? { [key]: value } : {}, q: q || null };
}

function matchCard(rec, field) {
  const meta = Object.entries(rec.metadata || {}).slice(0, 6).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(" · ");
  return h("article", { class: "match" },
    h("div", { class: "row spread" }, h("strong", { text: rec.external_id }), h("span", { class: "muted small", text: meta })),
    field ? fieldBody(field.type, rec.fields[field.name]) : null);
}

async function preview() {
  const { metadata, q } = filters();
  const params = new URLSearchParams({ limit: "50" });
  for (const [k, v] of Object.entries(metadata)) params.set(`metadata.${k}`, v);
  if (q) params.set("q", q);
  try {
    const page = await api("GET", `${base}/records?${params}`);
    const field = settings.fields.find((f) => f.name === $("source-field").value);
    $("match-info").textContent = page.records.length
      ? `${page.records.length}${page.next_cursor ? "+" : ""} matching record${page.records.length === 1 ? "" : "s"}` : "no matching records";
    replace($("matches"), page.records.length ? page.records.map((r) => matchCard(r, field))
      : h("p", { class: "muted", text: "No records match these filters." }));
  } catch (err) {
    notify(err.message, "error");
  }
}

async function create(e) {
  e.preventDefault();
  const task = document.querySelector("input[name=task]:checked").value;
  const body = { ...filters(), task, target: $("target").value.trim(), field: $("source-field").value || null, copy_members: $("copy-members").checked };
  if (!body.q) delete body.q;
  try {
    const out = await api("POST", `${base}/triage`, body);
    replace($("triage-result"),
      `${out.created ? "Created" : "Updated"} dataset `, h("strong", { text: out.dataset }),
      `: ${out.inserted} new, ${out.updated} updated record(s) from ${out.matched} matching${out.skipped ? `, ${out.skipped} skipped (no assistant reply)` : ""}. `,
      h("a", { href: `/datasets/${enc(out.dataset)}/annotate` }, "Open it"));
    notify("Tasks created", "ok");
  } catch (err) {
    replace($("triage-result"), h("span", { class: "error-text", text: err.message }));
  }
}

async function init() {
  try {
    settings = (await api("GET", base)).settings;
  } catch (err) {
    notify(err.message, "error");
    return;
  }
  const usable = settings.fields.filter((f) => ["chat", "text", "markdown"].includes(f.type));
  replace($("source-field"), usable.map((f) => h("option", { value: f.name, text: `${f.title || f.name} (${f.type})` })));
  const setTarget = () => { $("target").value = `${dataset}-${document.querySelector("input[name=task]:checked").value}`; };
  setTarget();
  for (const r of document.querySelectorAll("input[name=task]")) r.addEventListener("change", setTarget);
  $("source-field").addEventListener("change", preview);
  setUp();
  await preview();
}

// the forms are taken over before anything loads: a click while the page is still setting up
// waits for it instead of submitting the form natively (a page reload)
let setUp;
const ready = new Promise((resolve) => { setUp = resolve; });
$("triage-filter").addEventListener("submit", (e) => { e.preventDefault(); ready.then(preview); });
$("triage-form").addEventListener("submit", (e) => { e.preventDefault(); ready.then(() => create(e)); });
init();
