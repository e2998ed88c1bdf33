// Response values: label text, the best suggestion per question; format and compare them
// with formatValue/sameValue (from each type's widget module).

export function labelText(question, value) {
  const labels = question.labels || {};
  return Object.prototype.hasOwnProperty.call(labels, value) ? labels[value] : String(value);
}

// How a value reads and compares is its question type's: each widget module exports
// format() and canonical() (js/questions/), looked up by questions/index.js.
export { formatValue, sameValue } from "./questions/index.js";

/** The best suggestion per question name (highest score first from the API). */
export function bestSuggestions(suggestions) {
  const out = new Map();
  for (const s of suggestions || []) {
    const have = out.get(s.question);
    if (!have || (s.score ?? -1) > (have.score ?? -1)) out.set(s.question, s);
  }
  return out;
}
