// What the server supports (GET /api/v1/meta): question types, export formats, aggregation
// methods. Fetched once per page; every list the UI offers comes from here.

import { api } from "./api.js";

let pending = null;

/** The /meta answer (cached for the page's lifetime; retried after a failure). */
export function loadMeta() {
  if (!pending) {
    pending = api("GET", "/meta").catch((err) => {
      pending = null;
      throw err;
    });
  }
  return pending;
}

/** The question type called `name` in a /meta answer, or undefined. */
export function questionType(meta, name) {
  return meta.question_types.find((t) => t.name === name);
}
