/**
 * @module The _ids filed under one value of an indexed field, in the order they were filed. Under a
 * compound index whose second field is a date (`{user_id: 1, started_at: -1}`), each entry keeps that
 * date too, so a query that pins the first field and bounds the date reads only the documents in the
 * range: a user's last four weeks, not every workout they ever logged.
 */
import type { Key } from "./document-filters.ts";

export class Postings {
  readonly ids: Key[] = [];
  /** Each entry's date in ms (NaN where the document has none), beside `ids`; undefined for a plain index. */
  private readonly times: number[] | undefined;

  constructor(dated: boolean) {
    this.times = dated ? [] : undefined;
  }

  get size(): number {
    return this.ids.length;
  }

  add(id: Key, time: number): void {
    this.ids.push(id);
    this.times?.push(time);
  }

  delete(id: Key): void {
    const at = this.ids.indexOf(id);
    if (at < 0) return;
    this.ids.splice(at, 1);
    this.times?.splice(at, 1);
  }

  /** The ids whose date lies within [from, to]; every id when no bound is given or the entries keep no date. */
  within(from: number | undefined, to: number | undefined): Key[] {
    const times = this.times;
    if (!times || (from === undefined && to === undefined)) return this.ids;
    const [low, high] = [from ?? -Infinity, to ?? Infinity];
    const ids: Key[] = [];
    for (let i = 0; i < times.length; i++) if (times[i] >= low && times[i] <= high) ids.push(this.ids[i]);
    return ids;
  }
}
