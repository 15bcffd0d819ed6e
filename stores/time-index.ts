/**
 * @module An in-memory index of a date field for range lookups ("changed since t"): entries are filed
 * by the hour they fall in, as documents are written, and a lookup reads the hours from t on.
 * Superseded entries stay until the next rebuild; callers re-check each document they read.
 */
import { KeyMap } from "./key-map.ts";

const HOUR_MS = 3_600_000;

type Hour = { times: number[]; ids: Array<string | number> };

/**
 * Nothing is ever sorted but the hours themselves: sorting the entries (28 million after a `large`
 * load) blocked the service for close to a minute, longer than the driver waits for an answer.
 */
export class TimeIndex {
  private hours = new KeyMap<Hour>();
  /** The hours in ascending order; undefined once an hour was added since. */
  private order?: Float64Array;

  add(time: number, id: string | number): void {
    const key = Math.floor(time / HOUR_MS);
    let hour = this.hours.get(key);
    if (!hour) {
      hour = { times: [], ids: [] };
      this.hours.set(key, hour);
      this.order = undefined;
    }
    hour.times.push(time);
    hour.ids.push(id);
  }

  /** _id keys of entries at or after `time`, by hour: possibly superseded, and repeated where a document was written more than once. */
  since(time: number): Array<string | number> {
    const order = (this.order ??= Float64Array.from(this.hours.keys() as Iterable<number>).sort());
    const first = Math.floor(time / HOUR_MS);
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid] < first) lo = mid + 1;
      else hi = mid;
    }
    const ids: Array<string | number> = [];
    for (let k = lo; k < order.length; k++) {
      const { times, ids: hourIds } = this.hours.get(order[k])!;
      for (let i = 0; i < hourIds.length; i++) if (order[k] !== first || times[i] >= time) ids.push(hourIds[i]);
    }
    return ids;
  }
}

/**
 * The earliest (`lower`) or latest (`upper`) time a filter allows for `field`, when every way to match
 * pins one: `{field: date}`, `{field: {$gt|$gte: date}}` (`$lt|$lte` for the latest), or an `$or`
 * whose every branch does.
 */
function bound(filter: Record<string, unknown>, field: string, side: "lower" | "upper"): number | undefined {
  const value = filter[field];
  if (value instanceof Date) return value.getTime();
  if (value && typeof value === "object") {
    const range = value as { $gt?: unknown; $gte?: unknown; $lt?: unknown; $lte?: unknown };
    const limit = side === "lower" ? (range.$gte ?? range.$gt) : (range.$lte ?? range.$lt);
    if (limit instanceof Date) return limit.getTime();
  }
  if (Array.isArray(filter.$or) && filter.$or.length) {
    const bounds = filter.$or.map((branch) => bound(branch as Record<string, unknown>, field, side));
    if (bounds.every((b) => b !== undefined)) return side === "lower" ? Math.min(...(bounds as number[])) : Math.max(...(bounds as number[]));
  }
  return undefined;
}

export const lowerBound = (filter: Record<string, unknown>, field: string) => bound(filter, field, "lower");
export const upperBound = (filter: Record<string, unknown>, field: string) => bound(filter, field, "upper");
