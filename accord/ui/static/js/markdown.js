// A small, safe Markdown renderer: builds DOM nodes (never HTML strings) for a subset —
// paragraphs, headings, emphasis, inline and fenced code, lists, block quotes, rules and
// links with http(s) targets only. Anything else, including raw HTML, stays literal text.

import { h, safeHttpUrl } from "./dom.js";

const INLINE = [
  { kind: "code", re: /(`+)([\s\S]+?)\1/ },
  { kind: "link", re: /\[([^\]\n]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/ },
  { kind: "strong", re: /\*\*(?=\S)([\s\S]+?)\*\*|__(?=\S)([\s\S]+?)__/ },
  { kind: "em", re: /\*(?=[^\s*])([\s\S]+?)\*|(?<![\w])_(?=\S)([\s\S]+?)_(?![\w])/ },
];

/** Inline Markdown to an array of nodes. */
export function renderInline(text) {
  const out = [];
  let rest = text;
  while (rest) {
    let best = null;
    for (const rule of INLINE) {
      const m = rule.re.exec(rest);
      if (m && (best === null || m.index < best.m.index)) best = { rule, m };
    }
    if (best === null) {
      pushText(out, rest);
      break;
    }
    const { rule, m } = best;
    if (m.index > 0) pushText(out, rest.slice(0, m.index));
    if (rule.kind === "code") {
      out.push(h("code", { text: m[2] }));
    } else if (rule.kind === "link") {
      const href = safeHttpUrl(m[2]);
      out.push(href
        ? h("a", { href, rel: "noopener noreferrer nofollow", target: "_blank" }, renderInline(m[1]))
        : document.createTextNode(m[0]));
    } else {
      out.push(h(rule.kind, {}, renderInline(m[1] ?? m[2])));
    }
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

function pushText(out, text) {
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (i > 0) out.push(h("br"));
    if (line) out.push(document.createTextNode(line));
  });
}

const BLOCK = {
  fence: /^\s{0,3}(```|~~~)/,
  heading: /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/,
  rule: /^\s{0,3}([-*_])(\s*\1){2,}\s*$/,
  ul: /^\s{0,3}[-*+]\s+(.*)$/,
  ol: /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/,
  quote: /^\s{0,3}>\s?(.*)$/,
};

/** Markdown text to a DocumentFragment. */
export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i += 1; continue; }
    const fence = BLOCK.fence.exec(line);
    if (fence) {
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i += 1;
      frag.append(h("pre", { class: "code" }, h("code", { text: body.join("\n") })));
      continue;
    }
    const heading = BLOCK.heading.exec(line);
    if (heading) {
      frag.append(h(`h${Math.min(heading[1].length + 2, 6)}`, { class: "md-h" }, renderInline(heading[2])));
      i += 1;
      continue;
    }
    if (BLOCK.rule.test(line)) { frag.append(h("hr")); i += 1; continue; }
    if (BLOCK.ul.test(line) || BLOCK.ol.test(line)) {
      const ordered = !BLOCK.ul.test(line);
      const re = ordered ? BLOCK.ol : BLOCK.ul;
      const items = [];
      while (i < lines.length && re.test(lines[i])) {
        const m = re.exec(lines[i]);
        items.push(h("li", {}, renderInline(ordered ? m[2] : m[1])));
        i += 1;
      }
      const start = ordered ? Number(BLOCK.ol.exec(line)[1]) : null;
      frag.append(h(ordered ? "ol" : "ul", start && start !== 1 ? { start } : {}, items));
      continue;
    }
    if (BLOCK.quote.test(line)) {
      const body = [];
      while (i < lines.length && BLOCK.quote.test(lines[i])) body.push(BLOCK.quote.exec(lines[i++])[1]);
      frag.append(h("blockquote", {}, renderMarkdown(body.join("\n"))));
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !startsBlock(lines[i])) para.push(lines[i++]);
    frag.append(h("p", {}, renderInline(para.join("\n"))));
  }
  return frag;
}

function startsBlock(line) {
  return BLOCK.fence.test(line) || BLOCK.heading.test(line) || BLOCK.rule.test(line) ||
    BLOCK.ul.test(line) || BLOCK.ol.test(line) || BLOCK.quote.test(line);
}
