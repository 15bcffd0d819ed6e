/**
 * @module Where a line sits in a collection's log, packed into one number: offset × LINE_LIMIT + length.
 * A number holds integers exactly up to 2^53, so the line limit sets how long a log can grow: 2^20 left
 * offsets 2^33 (8 GiB), which the 28 million workouts of `large` pass (8.5 GB), and lines past it were
 * read from the wrong place. Lines of 64 KiB and more (rare: a workout is about 300 bytes) are marked
 * LONG_LINE and read up to their newline.
 */

const LINE_LIMIT = 2 ** 16;
export const LONG_LINE = LINE_LIMIT - 1;
const MAX_OFFSET = Number.MAX_SAFE_INTEGER / LINE_LIMIT;

export function pack(offset: number, length: number): number {
  if (offset >= MAX_OFFSET) throw new RangeError(`a collection's log cannot pass ${MAX_OFFSET.toExponential(2)} bytes (line at ${offset})`);
  return offset * LINE_LIMIT + Math.min(length, LONG_LINE);
}

export const offsetOf = (at: number) => Math.floor(at / LINE_LIMIT);
export const lengthOf = (at: number) => at % LINE_LIMIT;
