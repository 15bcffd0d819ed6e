/**
 * @module A filter as a link carries it: the hash of a report page's URL (`#dates=90d&state=CO`), as
 * `filters.js` reads it. `nike report --email --filter` puts one on every link of the digest.
 */
import { UserError } from "../../lib/errors.ts";

/** What a filter may hold, in the order the pages write it, and what each value looks like. */
const FILTER_VALUES: Record<string, RegExp> = {
  dates: /^(30d|90d|ytd)$/,
  from: /^\d{4}-\d{2}$/,
  to: /^\d{4}-\d{2}$/,
  state: /^[A-Z]{2}$/,
  activity: /^[a-z-]+$/,
  age: /^(\d\d-\d\d|65\+)$/,
  segment: /^.+$/,
};

/** `state=CO&dates=90d` (a leading `#` allowed) as a page's hash, keys in the pages' order; an unknown key or a malformed value is a UserError. */
export function filterHash(filter: string): string {
  const given = new URLSearchParams(filter.replace(/^#/, ""));
  const bad = [...given].filter(([key, value]) => !FILTER_VALUES[key]?.test(value)).map(([key, value]) => `${key}=${value}`);
  if (bad.length > 0) {
    throw new UserError(`--filter takes a page's filter as its URL holds it, such as "dates=90d&state=CO&activity=running" (keys: ${Object.keys(FILTER_VALUES).join(", ")}; dates is 30d, 90d or ytd; from and to are YYYY-MM); not valid: ${bad.join(", ")}.`);
  }
  const ordered = new URLSearchParams(Object.keys(FILTER_VALUES).filter((k) => given.has(k)).map((k) => [k, given.get(k) as string]));
  return ordered.size > 0 ? `#${ordered.toString()}` : "";
}
