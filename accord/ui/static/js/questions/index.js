// One widget module per question type.

import * as bbox from "./bbox.js";
import * as flags from "./flags.js";
import * as keypoints from "./keypoints.js";
import * as label from "./label.js";
import * as pairwise from "./pairwise.js";
import * as polygon from "./polygon.js";
import * as ranking from "./ranking.js";
import * as rating from "./rating.js";
import * as segment from "./segment.js";
import * as span from "./span.js";
import * as text from "./text.js";
import * as transcript from "./transcript.js";

const WIDGETS = { label, multi_label: label, rating, span, ranking, pairwise, text, flags,
  bbox, polygon, keypoints, segment, transcript };

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
  bbox: [["B", "draw boxes (drag)"], ["V", "select: drag to move, handles resize"], ["H or Space+drag", "pan"],
    ["wheel, + / −, 0", "zoom, fit"], ["1–9", "label (of the selected box)"], ["Delete", "remove the selected box"],
    ["arrows", "nudge 1 px (Shift: 10)"], ["P / K", "the polygon / keypoints question on the same image"]],
  polygon: [["P", "draw: click points"], ["Enter or first point", "close the polygon"], ["Esc", "cancel"],
    ["Backspace", "drop the last point"], ["V", "select: drag to move, drag a corner"], ["1–9", "label"],
    ["Delete", "remove the selected polygon"], ["wheel, + / −, 0", "zoom, fit"]],
  keypoints: [["K", "click places the next point"], ["S", "skip the next point (not visible)"], ["N", "new instance"],
    ["V", "select: drag a point"], ["Delete", "remove the selected point"], ["wheel, + / −, 0", "zoom, fit"]],
  segment: [["drag", "make a segment on the waveform"], ["click", "seek / select"], ["1–9, 0", "label"],
    ["Delete", "remove the selected segment"], ["Space", "play / pause"], ["← / →", "seek 1 s (Shift: 5 s)"], ["[ / ]", "slower / faster"]],
  transcript: [["Enter", "type the transcript"], ["Esc", "leave the text box"], ["A", "add a segment at the playhead"],
    ["Space", "play / pause"], ["← / →", "seek"], ["[ / ]", "slower / faster"]],
};
