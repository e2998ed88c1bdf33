// Where an image or audio field value is loaded from: an http(s) URL, a base64 data URI of
// that media kind, or a relative path under the server's media root (GET /api/v1/media/...).
// Anything else (javascript:, file:, data:text/html, absolute paths, "..") is refused.

import { safeMediaUrl } from "../dom.js";

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Whether a value is a relative path that stays under the media root. */
export function isMediaPath(value) {
  if (typeof value !== "string" || !value) return false;
  if ([...value].some((c) => c.charCodeAt(0) < 32 || c === "\\")) return false;
  if (value.startsWith("/") || SCHEME.test(value)) return false;
  const parts = value.split("/").filter((p) => p !== "");
  return parts.length > 0 && parts.every((p) => p !== "." && p !== "..");
}

/**
 * The URL to load a media field value from, or null when the value is not allowed.
 * kind is "image", "audio" or "video".
 */
export function mediaSource(value, kind) {
  if (typeof value !== "string") return null;
  const url = safeMediaUrl(value, kind);
  if (url) return url;
  const raw = value.trim();
  if (raw.toLowerCase().startsWith("data:") || !isMediaPath(raw)) return null;
  const path = raw.split("/").filter((p) => p !== "").map(encodeURIComponent).join("/");
  return `/api/v1/media/${path}`;
}

/** The bytes of a media source (data URI decoded here; same-origin paths fetched). */
export async function mediaBytes(src) {
  if (src.startsWith("data:")) {
    const b64 = src.slice(src.indexOf(",") + 1).replace(/\s+/g, "");
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  const url = new URL(src, location.origin);
  if (url.origin !== location.origin) throw new Error("the waveform of media on another site is not drawn (only played)");
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`could not load the audio (${res.status})`);
  return res.arrayBuffer();
}
