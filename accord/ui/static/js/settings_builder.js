// A form that builds dataset settings: guidelines, fields, questions, distribution.
// The field types, the question types and each type's inputs come from GET /api/v1/meta
// (every registered question type, with its settings-builder form). Given a dataset's
// current settings it opens pre-filled to edit them (settings_edit.js): what the form has no
// input for (titles, label texts, assist, onboarding, metadata...) is kept as it was. The
// server validates the result (PUT .../settings); the form checks nothing itself.

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

/**
 * Inputs for one form entry of a question type, showing ``current`` (the question's value
 * when editing) or the type's default; returns [nodes, read() -> value|undefined].
 */
function formInput(spec, current) {
  const cls = `question-${spec.key.replaceAll("_", "-")}`;
  let shown = current !== undefined && current !== null ? current : spec.default;
  if (shown === undefined || shown === null) shown = "";
  if (shown && typeof shown === "object" && !Array.isArray(shown)) shown = Object.keys(shown); // {value: text}
  if (spec.kind === "bool") {
    const box = h("input", { type: "checkbox", class: cls, checked: Boolean(shown) });
    return [[h("label", { class: "check" }, box, spec.label)], () => box.checked];
  }
  if (spec.kind === "fields") {
    const els = spec.labels.map((label, i) => input(label, { class: `${cls}-${i}`, required: spec.required, value: (Array.isArray(shown) && shown[i]) || "" }));
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

/** A question's labels after the form's list: known labels keep their display text. */
function withTexts(list, before) {
  if (!Array.isArray(list) || !before || typeof before !== "object" || Array.isArray(before)) return list;
  if (list.every((k) => before[k] === k || before[k] === undefined)) return list;
  return Object.fromEntries(list.map((k) => [k, before[k] ?? k]));
}

/**
 * meta: the GET /api/v1/meta answer; initial: settings to edit (a dataset's current ones)
 * or null for a new dataset. Returns {el, value()}.
 */
export function settingsBuilder(meta, initial = null) {
  const types = meta.question_types;
  const editing = initial !== null;
  const id = (x) => (editing ? `edit-${x}` : x); // both forms share the admin page
  const guidelines = h("textarea", { rows: 4, id: id("builder-guidelines"), placeholder: "What annotators should do (Markdown)", value: editing ? initial.guidelines || "" : "" });
  const fieldRows = h("div", { class: "builder-list" });
  const questionRows = h("div", { class: "builder-list" });
  const [overlapLabel, overlap] = input("Annotators per record", { type: "number", min: 1, max: 100, value: (editing && initial.distribution && initial.distribution.overlap) || 1, id: id("builder-overlap") });
  const fields = [];
  const questions = [];

  function addField(name = "", type = "text", before = {}) {
    const [nameLabel, nameEl] = input("Field name", { value: name, required: true, class: "field-name" });
    const [typeLabel, typeEl] = select("Type", meta.field_types.map((t) => [t, t]), type, { class: "field-type" });
    const row = h("div", { class: "builder-row" }, nameLabel, typeLabel);
    const entry = { row, get: () => ({ ...before, name: nameEl.value.trim(), type: typeEl.value }) };
    row.append(h("button", { type: "button", class: "link", onclick: () => { fields.splice(fields.indexOf(entry), 1); row.remove(); } }, "remove"));
    fields.push(entry);
    fieldRows.append(row);
  }

  function addQuestion(name = "", type = types[0].name, before = null) {
    const row = h("div", { class: "builder-row", dataset: { question: name } });
    const [nameLabel, nameEl] = input("Question name", { value: name, required: true, class: "question-name" });
    const [typeLabel, typeEl] = select("Type", types.map((t) => [t.name, `${t.title} (${t.name})`]), type, { class: "question-type" });
    const [reqLabel, reqEl] = [h("label", { class: "check" }), h("input", { type: "checkbox", class: "question-required", checked: Boolean(before && before.required) })];
    reqLabel.append(reqEl, "required");
    const help = h("p", { class: "muted small question-help" });
    const extra = h("div", { class: "row" });
    let readers = [];
    let readRetired = null;
    function renderExtra() {
      const t = types.find((x) => x.name === typeEl.value);
      const same = before && before.type === t.name; // the stored options fill the inputs
      help.textContent = t.description + (t.field_types.length ? ` Its field: ${t.field_types.join(" or ")}.` : "");
      const parts = [];
      readers = [];
      readRetired = null;
      for (const spec of t.form) {
        const [nodes, read] = formInput(spec, same ? before[spec.key] : undefined);
        parts.push(...nodes);
        readers.push([spec.key, read]);
      }
      if (editing && t.form.some((spec) => spec.key === "labels")) {
        // retired labels stay valid and exported; annotators are no longer offered them
        const [l, el] = input("Retired labels (comma-separated)", { class: "question-retired", value: same ? (before.retired || []).join(", ") : "" });
        parts.push(l);
        readRetired = () => list(el.value);
      }
      replace(extra, parts);
    }
    typeEl.addEventListener("change", renderExtra);
    renderExtra();
    const entry = {
      row,
      get() {
        const type = typeEl.value;
        // keep what the form has no input for (title, description, label texts...) while
        // the type stays; a new type starts from its own options
        const q = before && before.type === type ? { ...before } : {};
        Object.assign(q, { name: nameEl.value.trim(), type, required: reqEl.checked });
        if (before && before.type !== type) for (const k of ["title", "description"]) if (before[k] !== undefined) q[k] = before[k];
        for (const [key, read] of readers) {
          const value = read();
          if (value === undefined) delete q[key];
          else q[key] = key === "labels" ? withTexts(value, before && before.labels) : value;
        }
        if (readRetired) {
          const retired = readRetired();
          if (retired.length) q.retired = retired; else delete q.retired;
        }
        return q;
      },
    };
    row.append(nameLabel, typeLabel, reqLabel, help, extra,
      h("button", { type: "button", class: "link", onclick: () => { questions.splice(questions.indexOf(entry), 1); row.remove(); } }, "remove"));
    questions.push(entry);
    questionRows.append(row);
  }

  if (editing) {
    for (const f of initial.fields || []) addField(f.name, f.type, f);
    for (const q of initial.questions || []) addQuestion(q.name, q.type, q);
  } else {
    addField("text", "text");
    addQuestion(types[0].name, types[0].name);
  }
  const el = h("div", { class: "settings-builder" },
    h("label", {}, "Guidelines", guidelines),
    h("h3", { text: "Fields (what annotators see)" }), fieldRows,
    h("button", { type: "button", class: "link", id: id("add-field"), onclick: () => addField() }, "+ add field"),
    h("h3", { text: "Questions (what they answer)" }), questionRows,
    h("button", { type: "button", class: "link", id: id("add-question"), onclick: () => addQuestion() }, "+ add question"),
    h("div", { class: "row" }, overlapLabel));
  return {
    el,
    value() {
      return {
        ...(initial || {}),
        guidelines: guidelines.value,
        fields: fields.map((f) => f.get()),
        questions: questions.map((q) => q.get()),
        distribution: { ...((initial && initial.distribution) || {}), overlap: Number(overlap.value) || 1 },
      };
    },
  };
}
