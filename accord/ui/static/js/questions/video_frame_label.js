// video_frame_label: a label per range of frames of a video field (see media/video_ranges.js).

import { createRanges, formatRanges, rangeShortcuts } from "../media/video_ranges.js";

export function create(question, ctx) { return createRanges(question, ctx, "frame"); }
export function shortcuts() { return rangeShortcuts(); }
export function format(question, value) { return formatRanges(question, value, "ranges", (f) => `frame ${f}`); }
