// Response values: display as text, compare regardless of order where order has no meaning.

export function labelText(question, value) {
  const labels = question.labels || {};
  return Object.prototype.hasOwnProperty.call(labels, value) ? labels[value] : String(value);
}

/** A one-line text rendering of a value (for suggestions, review tables, history). */
export function formatValue(question, value) {
  if (value === null || value === undefined) return "—";
  switch (question.type) {
    case "label": return labelText(question, value);
    case "multi_label": return value.length ? value.map((v) => labelText(question, v)).join(", ") : "(none)";
    case "rating": return String(value);
    case "ranking": return value.map((g) => (Array.isArray(g) ? g.join(" = ") : g)).join(" > ");
    case "pairwise": {
      const choice = value.choice === "tie" ? "tie" : `${value.choice.toUpperCase()} better`;
      return value.strength ? `${choice} (strength ${value.strength})` : choice;
    }
    case "flags": return value.length ? value.map((f) => `${labelText(question, f.label)} (${f.severity})`).join(", ") : "(no flags)";
    case "span": return value.length ? value.map((s) => `${labelText(question, s.label)} ${s.start}–${s.end}`).join(", ") : "(no spans)";
    case "bbox": return value.length ? value.map((b) => `${labelText(question, b.label)} ${b.x},${b.y} ${b.w}×${b.h}`).join(", ") : "(no boxes)";
    case "polygon": return value.length ? value.map((p) => `${labelText(question, p.label)} (${p.points.length} points)`).join(", ") : "(no polygons)";
    case "keypoints": return value.length ? value.map((k) => `${k.label !== undefined ? `${labelText(question, k.label)} ` : ""}${Object.keys(k.points).join("+")}`).join(", ") : "(no instances)";
    case "segment": return value.length ? value.map((s) => `${labelText(question, s.label)} ${s.start}–${s.end} s`).join(", ") : "(no segments)";
    case "transcript": return typeof value === "string" ? value : `${value.text}${value.segments && value.segments.length ? ` (${value.segments.length} segments)` : ""}`;
    default: return typeof value === "string" ? value : JSON.stringify(value);
  }
}

function canonical(question, value) {
  if (value === null || value === undefined) return null;
  switch (question.type) {
    case "multi_label": return [...value].sort();
    case "bbox": return [...value].map((b) => [b.x, b.y, b.w, b.h, b.label]).sort();
    case "polygon": return [...value].map((p) => [JSON.stringify(p.points), p.label]).sort();
    case "keypoints": return [...value].map((k) => JSON.stringify([k.points, k.label ?? null])).sort();
    case "segment": return [...value].map((s) => [s.start, s.end, s.label]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || String(a[2]).localeCompare(String(b[2])));
    case "span": return [...value].map((s) => [s.start, s.end, s.label]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || String(a[2]).localeCompare(String(b[2])));
    case "flags": return [...value].map((f) => [f.label, f.severity]).sort();
    case "ranking": return value.map((g) => (Array.isArray(g) ? (g.length === 1 ? g[0] : [...g].sort()) : g));
    case "pairwise": return [value.choice, value.strength ?? null];
    case "text": return String(value).trim();
    default: return value;
  }
}

export function sameValue(question, a, b) {
  return JSON.stringify(canonical(question, a)) === JSON.stringify(canonical(question, b));
}

/** The best suggestion per question name (highest score first from the API). */
export function bestSuggestions(suggestions) {
  const out = new Map();
  for (const s of suggestions || []) {
    const have = out.get(s.question);
    if (!have || (s.score ?? -1) > (have.score ?? -1)) out.set(s.question, s);
  }
  return out;
}
