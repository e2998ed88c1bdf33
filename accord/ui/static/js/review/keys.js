// Keyboard shortcuts of the review page: one table that both the handler and the help
// dialog (and the buttons' titles) read, so what is shown is what works.

import { isTyping } from "../shell.js";

/** [key, what, action name]; the key is compared with KeyboardEvent.key (case-insensitive). */
export const REVIEW_KEYS = [
  ["A", "accept the selected response", "accept"],
  ["R", "reject the selected response (asks why)", "reject"],
  ["F", "fix the selected response", "fix"],
  ["N", "next record (leave this one for later)", "next"],
  ["ArrowLeft", "select the previous response", "prev"],
  ["ArrowRight", "select the next response", "nextResponse"],
  ["H", "review history of the selected response", "history"],
  ["C", "write a comment (sent with the next verdict)", "comment"],
  ["?", "this help", "help"],
];

const LABELS = { ArrowLeft: "←", ArrowRight: "→" };

/** The key as shown to people ("A", "←"). */
export function keyLabel(key) {
  return LABELS[key] || key;
}

/** The shortcut of an action, for a button title: "Accept (A)". */
export function titleFor(action, text) {
  const row = REVIEW_KEYS.find((r) => r[2] === action);
  return row ? `${text} (${keyLabel(row[0])})` : text;
}

/** Rows for the help dialog. */
export function helpRows() {
  return REVIEW_KEYS.map(([key, what]) => [keyLabel(key), what]);
}

/**
 * Call handlers[action]() on its key; never while typing in a field, with a modifier held,
 * or while a dialog is open (the dialog owns the keyboard then).
 */
export function bindReviewKeys(handlers) {
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (document.querySelector("dialog[open]") || isTyping(e.target)) return;
    if (e.target instanceof Element && e.target.closest("#fix-panel .question")) return; // the fix form's widgets
    const row = REVIEW_KEYS.find(([key]) => key.length === 1 ? key.toLowerCase() === e.key.toLowerCase() : key === e.key);
    if (!row || !handlers[row[2]]) return;
    e.preventDefault();
    handlers[row[2]]();
  });
}
