// One widget module per question type.

import * as flags from "./flags.js";
import * as label from "./label.js";
import * as pairwise from "./pairwise.js";
import * as ranking from "./ranking.js";
import * as rating from "./rating.js";
import * as span from "./span.js";
import * as text from "./text.js";

const WIDGETS = { label, multi_label: label, rating, span, ranking, pairwise, text, flags };

/**
 * Build the widget of a question.
 * ctx: {form, suggestion, acceptSuggestion, fieldValue(name), fieldType(name), fieldTitle(name)}
 */
export function createWidget(question, ctx) {
  const mod = WIDGETS[question.type];
  if (!mod) throw new Error(`no widget for question type ${question.type}`);
  return mod.create(question, ctx);
}

export const SHORTCUTS = {
  label: [["1–9, 0", "choose a label (again: clear)"]],
  multi_label: [["1–9, 0", "toggle a label"]],
  rating: [["number", "pick a point"], ["← / →", "one step down / up"]],
  span: [["mouse", "select text"], ["← / →", "move over words"], ["Shift+← / →", "extend the selection"],
    ["1–9, 0", "label the selection"], ["Backspace", "remove the span under the caret"], ["Esc", "clear the selection"]],
  ranking: [["drag", "top/bottom edge: before/after; middle: tie"], ["↑ / ↓", "pick a candidate"],
    ["Shift+↑ / ↓", "move it"], ["T or =", "tie with the rank above"], ["Enter", "accept the order shown"]],
  pairwise: [["A or ←", "A is better"], ["B or →", "B is better"], ["T", "tie"], ["1–3", "strength"]],
  text: [["Enter", "start typing"], ["Esc", "leave the text box"], ["D", "show / hide the changes against the original"]],
  flags: [["1–9, 0", "toggle a flag"], ["Shift+number", "next severity"]],
};
