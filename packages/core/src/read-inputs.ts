import { is, optional, type Shape, ShapeIssue } from "./shape.js";
import type { EventRange } from "./store.js";

// Inputs of the read calls, checked by hand (shape.ts) so a read-only process never loads zod.

const seqOrCount = optional(is.int({ min: 1 }));
const rangeFields = is.object<EventRange>(
  { fromSeq: seqOrCount, toSeq: seqOrCount, limit: seqOrCount, last: seqOrCount },
  "strict",
);

/** An event range of readEvents(): `last` alone, or any of fromSeq, toSeq and limit. */
export const eventRangeShape: Shape<EventRange> = (value) => {
  const range = rangeFields(value);
  if (
    range.last !== undefined &&
    (range.fromSeq !== undefined || range.toSeq !== undefined || range.limit !== undefined)
  ) {
    throw new ShapeIssue("`last` alone (it cannot be combined with fromSeq, toSeq or limit)", value);
  }
  return range;
};
