// Tokens of a text with offsets in code points — the unit of the server's span offsets
// (Python str indices), which differ from JavaScript's UTF-16 indices outside the BMP.

const TOKEN = /[\p{L}\p{N}\p{M}_'’]+|\S/gu;

function codePoints(s) {
  let n = 0;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n += 1;
  }
  return n;
}

/**
 * Split text into tokens and the gaps between them.
 * Returns {tokens: [{text, start, end}], gaps: [string]}: gaps[i] precedes tokens[i] and
 * gaps[tokens.length] trails; start/end are code-point offsets, end exclusive.
 */
export function tokenize(text) {
  const tokens = [];
  const gaps = [];
  let lastUnit = 0;
  let lastPoint = 0;
  for (const m of text.matchAll(TOKEN)) {
    const gap = text.slice(lastUnit, m.index);
    gaps.push(gap);
    const start = lastPoint + codePoints(gap);
    const end = start + codePoints(m[0]);
    tokens.push({ text: m[0], start, end });
    lastUnit = m.index + m[0].length;
    lastPoint = end;
  }
  gaps.push(text.slice(lastUnit));
  return { tokens, gaps };
}

/** The substring between code-point offsets. */
export function slicePoints(text, start, end) {
  return Array.from(text).slice(start, end).join("");
}
