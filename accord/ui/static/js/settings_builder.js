// A form that builds dataset settings: guidelines, fields, questions, distribution.
// The field types, the question types and each type's inputs come from GET /api/v1/meta
// (every registered question type, with its settings-builder form).

import { h, replace } from "./dom.js";

function input(label, attrs) {
  const el = h("input", attrs);
  return [h("label", {}, label, el), el];
}

function select(label, options, value, attrs = {}) {
  const el = h("select", attrs, options.map(([v, text]) => h("option", { value: v, text, selected: v === value })));
  return [h("label", {}, label, el), el];
}

const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
const pairs = (s) => list(s).map((p) => p.split("-").map((x) => x.trim()));

/** Inputs for one form entry of a question type; returns [nodes, read() -> value|undefined]. */
function formInput(spec) {
  const cls = `question-${spec.key.replaceAll("_", "-")}`;
  const shown = spec.default === undefined || spec.default === null ? "" : spec.default;
  if (spec.kind === "bool") {
    const box = h("input", { type: "checkbox", class: cls, checked: Boolean(spec.default) });
    return [[h("label", { class: "check" }, box, spec.label)], () => box.checked];
  }
  if (spec.kind === "fields") {
    const els = spec.labels.map((label, i) => input(label, { class: `${cls}-${i}`, required: spec.required }));
    return [els.map(([l]) => l), () => els.map(([, el]) => el.value.trim())];
  }
  if (spec.kind === "int") {
    const [l, el] = input(spec.label, { type: "number", class: cls, value: shown, required: spec.required });
    return [[l], () => (el.value.trim() === "" ? undefined : Number(el.value))];
  }
  const text = Array.isArray(shown) ? shown.map((x) => (Array.isArray(x) ? x.join("-") : x)).join(", ") : String(shown);
  const [l, el] = input(spec.label, { class: cls, value: text, required: spec.required });
  const read = () => {
    const v = el.value.trim();
    if (!v) return undefined;
    if (spec.kind === "list") return list(v);
    if (spec.kind === "pairs") return pairs(v);
    return v; // field, text
  };
  return [[l], read];
}

/** meta: the GET /api/v1/meta answer. */
export function settingsBuilder(meta) {
  const types = meta.question_types;
  const guidelines = h("textarea", { rows: 4, id: "builder-guidelines", placeholder: "What annotators should do (Markdown)" });
  const fieldRows = h("div", { class: "builder-list" });
  const questionRows = h("div", { class: "builder-list" });
  const [overlapLabel, overlap] = input("Annotators per record", { type: "number", min: 1, max: 100, value: 1, id: "builder-overlap" });
  const fields = [];
  const questions = [];

  function addField(name = "", type = "text") {
    const [nameLabel, nameEl] = input("Field name", { value: name, required: true, class: "field-name" });
    const [typeLabel, typeEl] = select("Type", meta.field_types.map((t) => [t, t]), type, { class: "field-type" });
    const row = h("div", { class: "builder-row" }, nameLabel, typeLabel);
    const entry = { row, get: () => ({ name: nameEl.value.trim(), type: typeEl.value }) };
    row.append(h("button", { type: "button", class: "link", onclick: () => { fields.splice(fields.indexOf(entry), 1); row.remove(); } }, "remove"));
    fields.push(entry);
    fieldRows.append(row);
  }

  function addQuestion(name = "", type = types[0].name) {
    const row = h("div", { class: "builder-row" });
    const [nameLabel, nameEl] = input("Question name", { value: name, required: true, class: "question-name" });
    const [typeLabel, typeEl] = select("Type", types.map((t) => [t.name, `${t.title} (${t.name})`]), type, { class: "question-type" });
    const [reqLabel, reqEl] = [h("label", { class: "check" }), h("input", { type: "checkbox", class: "question-required" })];
    reqLabel.append(reqEl, "required");
    const help = h("p", { class: "muted small question-help" });
    const extra = h("div", { class: "row" });
    let readers = [];
    function renderExtra() {
      const t = types.find((x) => x.name === typeEl.value);
      help.textContent = t.description + (t.field_types.length ? ` Its field: ${t.field_types.join(" or ")}.` : "");
      const parts = [];
      readers = [];
      for (const spec of t.form) {
        const [nodes, read] = formInput(spec);
        parts.push(...nodes);
        readers.push([spec.key, read]);
      }
      replace(extra, parts);
    }
    typeEl.addEventListener("change", renderExtra);
    renderExtra();
    const entry = {
      row,
      get() {
        const q = { name: nameEl.value.trim(), type: typeEl.value, required: reqEl.checked };
        for (const [key, read] of readers) {
          const value = read();
          if (value !== undefined) q[key] = value;
        }
        return q;
      },
    };
    row.append(nameLabel, typeLabel, reqLabel, help, extra,
      h("button", { type: "button", class: "link", onclick: () => { questions.splice(questions.indexOf(entry), 1); row.remove(); } }, "remove"));
    questions.push(entry);
    questionRows.append(row);
  }

  addField("text", "text");
  addQuestion(types[0].name, types[0].name);
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
