// Building DOM nodes safely: text always goes through textContent, never innerHTML.

const FORBIDDEN_ATTRS = /^(on|style$|srcdoc$|formaction$)/i;

/**
 * h("button", {class: "primary", onclick: fn, dataset: {x: 1}}, "Save")
 * Children may be strings (text nodes), nodes, arrays, null or false.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (FORBIDDEN_ATTRS.test(key)) throw new Error(`attribute ${key} is not allowed here`);
    else if (key === "value" && "value" in el) el.value = value;
    else if (key === "checked" || key === "disabled" || key === "selected") el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

/** A URL that is safe as a link target: http(s) only, else null. */
export function safeHttpUrl(raw) {
  if (typeof raw !== "string") return null;
  try {
    const url = new URL(raw.trim(), location.origin);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

const DATA_MEDIA = /^data:(image\/(png|jpeg|gif|webp|avif|bmp)|audio\/(mpeg|ogg|wav|webm|flac|mp4|x-wav)|video\/(mp4|webm|ogg));base64,[A-Za-z0-9+/=\s]+$/i;

/** A URL safe as an <img>/<audio>/<video> source: http(s) or a base64 data URI of that media kind. */
export function safeMediaUrl(raw, kind) {
  if (typeof raw !== "string") return null;
  const value = raw.trim();
  if (value.toLowerCase().startsWith("data:")) {
    return DATA_MEDIA.test(value) && value.toLowerCase().startsWith(`data:${kind}/`) ? value : null;
  }
  return /^https?:\/\//i.test(value) ? safeHttpUrl(value) : null;
}

export function fmtNumber(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  return Number(n).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function fmtSeconds(s) {
  if (s === null || s === undefined) return "–";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${(s / 86400).toFixed(1)} days`;
}

export function fmtDate(iso) {
  if (!iso) return "";
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
