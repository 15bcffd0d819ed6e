/**
 * @module An in-memory index of a date field for range lookups ("changed since t"): times and _id keys
 * in arrays, appended as documents are written and sorted once writes pause (or by a lookup that finds
 * them out of order first).
 * Superseded entries stay until the next rebuild; callers re-check each document they read.
 */
import { uniqueKeys } from "./key-map.ts";

/** Quiet time after the last write to an out-of-order index before it sorts itself. */
const SETTLE_MS = 1000;

export class TimeIndex {
  private times: number[] = [];
  private ids: Array<string | number> = [];
  private sorted = true;
  private settling?: NodeJS.Timeout;
  private addsWhileSettling = 0;

  add(time: number, id: string | number): void {
    const n = this.times.length;
    if (n && time < this.times[n - 1]) this.sorted = false;
    this.times.push(time);
    this.ids.push(id);
    if (!this.sorted) this.settleWhenQuiet();
  }

  /**
   * Sorts once writes have paused: a bulk load leaves millions of entries out of order, and sorting
   * them at the first lookup made that lookup (the next incremental ETL batch) wait for it.
   */
  private settleWhenQuiet(): void {
    this.addsWhileSettling++;
    if (this.settling) return;
    this.addsWhileSettling = 0;
    this.settling = setTimeout(() => {
      this.settling = undefined;
      if (this.addsWhileSettling) this.settleWhenQuiet();
      else this.sort();
    }, SETTLE_MS).unref();
  }

  /** _id keys of entries at or after `time` (possibly superseded; each at most once). */
  since(time: number): Array<string | number> {
    this.sort();
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] < time) lo = mid + 1;
      else hi = mid;
    }
    return uniqueKeys(this.ids.slice(lo));
  }

  private sort(): void {
    if (this.sorted) return;
    const order = sortedOrder(this.times);
    this.times = Array.from(order, (i) => this.times[i]);
    this.ids = Array.from(order, (i) => this.ids[i]);
    this.sorted = true;
  }
}

/**
 * The positions of `times` in ascending order (stable). Each time's offset from the earliest and its
 * position share one 64-bit integer when they fit, so a native sort needs no comparator (2.7 M entries:
 * 0.7 s instead of 2 s).
 */
function sortedOrder(times: number[]): Uint32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of times) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const positionBits = Math.max(1, Math.ceil(Math.log2(times.length + 1)));
  const timeBits = Math.ceil(Math.log2(hi - lo + 1));
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || timeBits + positionBits > 64) {
    return Uint32Array.from(times.keys()).sort((a, b) => times[a] - times[b] || a - b);
  }
  const shift = BigInt(positionBits);
  const packed = new BigUint64Array(times.length);
  for (let i = 0; i < times.length; i++) packed[i] = (BigInt(times[i] - lo) << shift) | BigInt(i);
  packed.sort();
  const mask = (1n << shift) - 1n;
  return Uint32Array.from(packed, (v) => Number(v & mask));
}

/**
 * The earliest time a filter allows for `field`, when every way to match pins one:
 * `{field: date}`, `{field: {$gt|$gte: date}}`, or an `$or` whose every branch does.
 */
export function lowerBound(filter: Record<string, unknown>, field: string): number | undefined {
  const value = filter[field];
  if (value instanceof Date) return value.getTime();
  if (value && typeof value === "object") {
    const range = value as { $gt?: unknown; $gte?: unknown };
    const bound = range.$gte ?? range.$gt;
    if (bound instanceof Date) return bound.getTime();
  }
  if (Array.isArray(filter.$or) && filter.$or.length) {
    const bounds = filter.$or.map((branch) => lowerBound(branch as Record<string, unknown>, field));
    if (bounds.every((b) => b !== undefined)) return Math.min(...(bounds as number[]));
  }
  return undefined;
}
