// What the server supports (GET /api/v1/meta): question types, export formats, aggregation
// methods. Fetched once per page; every list the UI offers comes from here.

import { api } from "./api.js";

const pending = new Map(); // sections ("" = all) -> promise

/**
 * The /meta answer, or only some sections ("question_types"): cached for the page's lifetime,
 * retried after a failure.
 */
export function loadMeta(sections = "") {
  if (!pending.has(sections)) {
    const path = sections ? `/meta?include=${encodeURIComponent(sections)}` : "/meta";
    pending.set(sections, api("GET", path).catch((err) => {
      pending.delete(sections);
      throw err;
    }));
  }
  return pending.get(sections);
}

/** The question type called `name` in a /meta answer, or undefined. */
export function questionType(meta, name) {
  return meta.question_types.find((t) => t.name === name);
}
