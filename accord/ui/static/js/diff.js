// Line and word diffs (longest common subsequence), for guidelines changes and rewrites.
// The result is data ({op, text} parts); renderDiff turns it into text nodes and <ins>/<del>
// elements whose text is set with textContent, so record text never becomes markup.

import { h } from "./dom.js";

const MAX_CELLS = 4_000_000; // the LCS table of the part between the common prefix and suffix

/**
 * Diff two token arrays by longest common subsequence; returns [{op: "same"|"add"|"del",
 * text}] in order. ``key`` maps a token to what is compared (default: the token itself);
 * a "same" part carries the token of ``b``. The common prefix and suffix are matched first,
 * so a small edit in a long text costs little; a middle part too large for the O(n*m)
 * table is reported as deleted and added.
 */
export function diffTokens(a, b, key = (t) => t) {
  const ka = a.map(key);
  const kb = b.map(key);
  let start = 0;
  while (start < a.length && start < b.length && ka[start] === kb[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && ka[endA - 1] === kb[endB - 1]) { endA -= 1; endB -= 1; }
  const out = [];
  for (let i = 0; i < start; i += 1) out.push({ op: "same", text: b[i] });
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_CELLS) {
    for (let i = start; i < endA; i += 1) out.push({ op: "del", text: a[i] });
    for (let j = start; j < endB; j += 1) out.push({ op: "add", text: b[j] });
  } else {
    // table[i][j]: LCS length of a[start+i..endA) and b[start+j..endB)
    const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        table[i][j] = ka[start + i] === kb[start + j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (ka[start + i] === kb[start + j]) { out.push({ op: "same", text: b[start + j] }); i += 1; j += 1; }
      else if (table[i + 1][j] >= table[i][j + 1]) { out.push({ op: "del", text: a[start + i] }); i += 1; }
      else { out.push({ op: "add", text: b[start + j] }); j += 1; }
    }
    while (i < n) { out.push({ op: "del", text: a[start + i] }); i += 1; }
    while (j < m) { out.push({ op: "add", text: b[start + j] }); j += 1; }
  }
  for (let j = endB; j < b.length; j += 1) out.push({ op: "same", text: b[j] });
  return out;
}

/** Join neighbouring parts with the same op (word diffs read better in runs). */
function runs(parts, sep) {
  const out = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (last && last.op === p.op) last.text += sep + p.text;
    else out.push({ ...p });
  }
  return out;
}

export function diffLines(before, after) {
  return diffTokens(String(before ?? "").split("\n"), String(after ?? "").split("\n"));
}

/**
 * Word diff: each token is a word with the white space after it (leading white space is a
 * token of its own), compared by the word alone, so re-spacing never hides a change of
 * words; joining the parts' text gives ``after`` back (with deleted words in between).
 */
export function diffWords(before, after) {
  const split = (s) => String(s ?? "").match(/^\s+|\S+\s*/g) || [];
  return runs(diffTokens(split(before), split(after), (t) => t.trim()), "");
}

/** DOM nodes for diff parts: text nodes for kept text, <ins>/<del> for changes. */
export function renderDiff(parts) {
  return parts.map((p) => (p.op === "same" ? document.createTextNode(p.text)
    : h(p.op === "add" ? "ins" : "del", { text: p.text })));
}
