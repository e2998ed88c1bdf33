// A form that builds dataset settings: guidelines, fields, questions, distribution.

import { h, replace } from "./dom.js";

const FIELD_TYPES = ["text", "chat", "markdown", "image", "audio", "json"];
const QUESTION_TYPES = ["label", "multi_label", "span", "rating", "ranking", "pairwise", "text", "flags"];
const LABELLED = new Set(["label", "multi_label", "span", "flags"]);

function input(label, attrs) {
  const el = h("input", attrs);
  return [h("label", {}, label, el), el];
}

function select(label, options, value, attrs = {}) {
  const el = h("select", attrs, options.map((o) => h("option", { value: o, text: o, selected: o === value })));
  return [h("label", {}, label, el), el];
}

export function settingsBuilder() {
  const guidelines = h("textarea", { rows: 4, id: "builder-guidelines", placeholder: "What annotators should do (Markdown)" });
  const fieldRows = h("div", { class: "builder-list" });
  const questionRows = h("div", { class: "builder-list" });
  const [overlapLabel, overlap] = input("Annotators per record", { type: "number", min: 1, max: 100, value: 1, id: "builder-overlap" });
  const fields = [];
  const questions = [];

  function addField(name = "", type = "text") {
    const [nameLabel, nameEl] = input("Field name", { value: name, required: true, class: "field-name" });
    const [typeLabel, typeEl] = select("Type", FIELD_TYPES, type, { class: "field-type" });
    const row = h("div", { class: "builder-row" }, nameLabel, typeLabel);
    const entry = { row, get: () => ({ name: nameEl.value.trim(), type: typeEl.value }) };
    row.append(h("button", { type: "button", class: "link", onclick: () => { fields.splice(fields.indexOf(entry), 1); row.remove(); } }, "remove"));
    fields.push(entry);
    fieldRows.append(row);
  }

  function addQuestion(name = "", type = "label") {
    const row = h("div", { class: "builder-row" });
    const [nameLabel, nameEl] = input("Question name", { value: name, required: true, class: "question-name" });
    const [typeLabel, typeEl] = select("Type", QUESTION_TYPES, type, { class: "question-type" });
    const [reqLabel, reqEl] = [h("label", { class: "check" }), h("input", { type: "checkbox", class: "question-required" })];
    reqLabel.append(reqEl, "required");
    const extra = h("div", { class: "row" });
    const inputs = {};
    function renderExtra() {
      const t = typeEl.value;
      const parts = [];
      for (const k of Object.keys(inputs)) delete inputs[k];
      if (LABELLED.has(t)) {
        const [l, el] = input("Labels (comma-separated)", { class: "question-labels", required: true });
        inputs.labels = el; parts.push(l);
      }
      if (["span", "ranking", "text"].includes(t)) {
        const [l, el] = input(t === "text" ? "Field to rewrite (optional)" : "Field", { class: "question-field", required: t !== "text" });
        inputs.field = el; parts.push(l);
      }
      if (t === "pairwise") {
        const [la, a] = input("Field A", { class: "question-field-a", required: true });
        const [lb, b] = input("Field B", { class: "question-field-b", required: true });
        inputs.a = a; inputs.b = b; parts.push(la, lb);
      }
      if (t === "rating") {
        const [lmin, min] = input("Min", { type: "number", value: 1 });
        const [lmax, max] = input("Max", { type: "number", value: 5 });
        inputs.min = min; inputs.max = max; parts.push(lmin, lmax);
      }
      if (t === "flags") {
        const [l, el] = input("Severities", { value: "low, high" });
        inputs.severities = el; parts.push(l);
      }
      if (t === "span" || t === "ranking" || t === "pairwise") {
        const key = t === "span" ? "allow_overlap" : t === "ranking" ? "allow_ties" : "allow_tie";
        const box = h("input", { type: "checkbox", checked: t === "pairwise" });
        inputs[key] = box;
        parts.push(h("label", { class: "check" }, box, key.replace("_", " ")));
      }
      replace(extra, parts);
    }
    typeEl.addEventListener("change", renderExtra);
    renderExtra();
    const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
    const entry = {
      row,
      get() {
        const q = { name: nameEl.value.trim(), type: typeEl.value, required: reqEl.checked };
        if (inputs.labels) q.labels = list(inputs.labels.value);
        if (inputs.field && inputs.field.value.trim()) q.field = inputs.field.value.trim();
        if (inputs.a) q.fields = [inputs.a.value.trim(), inputs.b.value.trim()];
        if (inputs.min) { q.min = Number(inputs.min.value); q.max = Number(inputs.max.value); }
        if (inputs.severities) q.severities = list(inputs.severities.value);
        for (const key of ["allow_overlap", "allow_ties", "allow_tie"]) if (inputs[key]) q[key] = inputs[key].checked;
        return q;
      },
    };
    row.append(nameLabel, typeLabel, reqLabel, extra,
      h("button", { type: "button", class: "link", onclick: () => { questions.splice(questions.indexOf(entry), 1); row.remove(); } }, "remove"));
    questions.push(entry);
    questionRows.append(row);
  }

  addField("text", "text");
  addQuestion("label", "label");
  const el = h("div", { class: "settings-builder" },
    h("label", {}, "Guidelines", guidelines),
    h("h3", { text: "Fields (what annotators see)" }), fieldRows,
    h("button", { type: "button", class: "link", id: "add-field", onclick: () => addField() }, "+ add field"),
    h("h3", { text: "Questions (what they answer)" }), questionRows,
    h("button", { type: "button", class: "link", id: "add-question", onclick: () => addQuestion() }, "+ add question"),
    h("div", { class: "row" }, overlapLabel));
  return {
    el,
    value() {
      return {
        guidelines: guidelines.value,
        fields: fields.map((f) => f.get()),
        questions: questions.map((q) => q.get()),
        distribution: { overlap: Number(overlap.value) || 1 },
      };
    },
  };
}
