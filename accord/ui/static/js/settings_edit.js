// Admin: edit an existing dataset's settings as a new version in the settings form
// (settings_builder.js, pre-filled with the current settings; the settings as JSON under
// "Advanced"), rename a label everywhere its answers are stored (POST
// .../settings/rename-labels), and retire or restore a label (retired labels stay valid and
// exported, annotators are no longer offered them). Every save is PUT .../settings: the
// server validates, the page shows its problems.

import { api, enc, problemsText } from "./api.js";
import { h, replace } from "./dom.js";
import { loadMeta } from "./meta.js";
import { settingsBuilder } from "./settings_builder.js";
import { notify } from "./shell.js";

/** The "Settings" section of Manage a dataset; `reload()` re-renders the whole panel. */
export async function settingsEditSection(name, reload) {
  const [ds, meta] = await Promise.all([api("GET", `/datasets/${enc(name)}`), loadMeta()]);
  const out = h("p", { class: "small", id: "settings-edit-result", role: "status" });
  const text = h("textarea", { id: "settings-edit-text", rows: 10, spellcheck: "false", value: JSON.stringify(ds.settings, null, 2), "aria-label": "settings (JSON)" });
  const save = async (settings, what) => {
    try {
      const got = await api("PUT", `/datasets/${enc(name)}/settings`, settings);
      notify(`${what}: settings version ${got.settings_version}`, "ok");
      await reload();
    } catch (err) {
      replace(out, h("span", { class: "error-text", text: problemsText(err) }));
    }
  };
  const builder = settingsBuilder(meta, ds.settings);
  const builderForm = h("form", { id: "settings-builder-form" }, builder.el,
    h("button", { type: "submit", class: "primary", id: "settings-builder-save" }, "Save settings as a new version"));
  builderForm.addEventListener("submit", (e) => {
    e.preventDefault();
    save(builder.value(), "Saved");
  });
  const editForm = h("form", { id: "settings-json-form" }, text, h("button", { type: "submit", class: "primary", id: "settings-json-save" }, "Save settings as a new version"));
  editForm.addEventListener("submit", (e) => {
    e.preventDefault();
    let settings;
    try {
      settings = JSON.parse(text.value);
    } catch (err) {
      replace(out, h("span", { class: "error-text", text: `not valid JSON: ${err.message}` }));
      return;
    }
    save(settings, "Saved");
  });

  const labelled = ds.settings.questions.filter((q) => q.labels && Object.keys(q.labels).length);
  let labelTools = null;
  if (labelled.length) {
    const question = h("select", { id: "label-question", "aria-label": "question" }, labelled.map((q) => h("option", { value: q.name, text: q.name })));
    const label = h("select", { id: "label-old", "aria-label": "label" });
    const fresh = h("input", { id: "label-new", placeholder: "new name", "aria-label": "new label name" });
    const current = () => labelled.find((q) => q.name === question.value);
    const fill = () => {
      const q = current();
      const retired = new Set(q.retired || []);
      replace(label, Object.keys(q.labels).map((k) => h("option", { value: k, text: retired.has(k) ? `${k} (retired)` : k })));
    };
    question.addEventListener("change", fill);
    fill();
    const rename = h("button", { type: "submit", class: "secondary", id: "label-rename" }, "Rename everywhere");
    const retire = h("button", { type: "button", class: "secondary", id: "label-retire", onclick: () => {
      const settings = structuredClone(ds.settings);
      const q = settings.questions.find((x) => x.name === question.value);
      const retired = new Set(q.retired || []);
      const verb = retired.has(label.value) ? "Restored" : "Retired";
      if (retired.has(label.value)) retired.delete(label.value); else retired.add(label.value);
      if (retired.size) q.retired = [...retired]; else delete q.retired;
      save(settings, `${verb} ${label.value}`);
    } }, "Retire / restore");
    labelTools = h("form", { class: "row", id: "label-tools" }, question, label, fresh, rename, retire);
    labelTools.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!fresh.value.trim()) return;
      try {
        const got = await api("POST", `/datasets/${enc(name)}/settings/rename-labels`, { question: question.value, mapping: { [label.value]: fresh.value.trim() } });
        const n = Object.values(got.rewritten).reduce((a, b) => a + b, 0);
        notify(`Renamed ${label.value} to ${fresh.value.trim()}: ${n} stored answers rewritten (settings version ${got.settings_version})`, "ok");
        await reload();
      } catch (err) {
        replace(out, h("span", { class: "error-text", text: problemsText(err) }));
      }
    });
  }
  return h("section", { id: "settings-edit" }, h("h3", { id: "settings-edit-title", text: `Settings (version ${ds.settings_version})` }),
    h("p", { class: "muted small", text: "Add labels and questions, change the guidelines or the distribution; saved as a new version. Each response records the version it was saved under." }),
    builderForm,
    labelTools ? [h("h4", { text: "Labels" }), h("p", { class: "muted small", text: "Renaming rewrites every stored answer, fix, suggestion and gold answer in one transaction; naming an existing label merges the two. A retired label is no longer offered to annotators; its answers are kept and exported." }), labelTools] : null,
    out,
    h("details", { id: "settings-json" }, h("summary", { text: "Advanced: edit the settings as JSON" }), editForm));
}
