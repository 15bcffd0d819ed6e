/**
 * @module An in-memory index of a date field for range lookups ("changed since t"): times and _id keys
 * in arrays, appended as documents are written and sorted only when a lookup finds them out of order.
 * Superseded entries stay until the next rebuild; callers re-check each document they read.
 */

export class TimeIndex {
  private times: number[] = [];
  private ids: Array<string | number> = [];
  private sorted = true;

  add(time: number, id: string | number): void {
    const n = this.times.length;
    if (n && time < this.times[n - 1]) this.sorted = false;
    this.times.push(time);
    this.ids.push(id);
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
    return [...new Set(this.ids.slice(lo))];
  }

  private sort(): void {
    if (this.sorted) return;
    const order = Uint32Array.from(this.times.keys()).sort((a, b) => this.times[a] - this.times[b]);
    this.times = Array.from(order, (i) => this.times[i]);
    this.ids = Array.from(order, (i) => this.ids[i]);
    this.sorted = true;
  }
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
