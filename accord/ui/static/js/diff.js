// Line and word diffs (longest common subsequence), for guidelines changes and rewrites.

/**
 * Diff two token arrays; returns [{op: "same"|"add"|"del", text}] in order.
 * O(n*m) memory: callers cap the input (guidelines, single responses).
 */
export function diffTokens(a, b) {
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return [...a.map((text) => ({ op: "del", text })), ...b.map((text) => ({ op: "add", text }))];
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { out.push({ op: "same", text: a[i] }); i += 1; j += 1; }
    else if (table[i + 1][j] >= table[i][j + 1]) out.push({ op: "del", text: a[i++] });
    else out.push({ op: "add", text: b[j++] });
  }
  while (i < n) out.push({ op: "del", text: a[i++] });
  while (j < m) out.push({ op: "add", text: b[j++] });
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

/** Words and the whitespace between them, so joining the parts gives the text back. */
export function diffWords(before, after) {
  const split = (s) => String(s ?? "").match(/\s+|[^\s]+/g) || [];
  return runs(diffTokens(split(before), split(after)), "");
}
