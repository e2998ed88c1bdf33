// video_segment: labelled time ranges of a video field, in seconds (see media/video_ranges.js).

import { createRanges, formatRanges, rangeShortcuts } from "../media/video_ranges.js";

export function create(question, ctx) { return createRanges(question, ctx, "second"); }
export function shortcuts() { return rangeShortcuts(); }
export function format(question, value) { return formatRanges(question, value, "segments", (t) => `${t} s`); }
