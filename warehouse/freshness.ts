/**
 * @module Source freshness, as dbt's `source freshness` reports it: per source, the age of the newest
 * record the warehouse has loaded (its watermark's `updated_at`) against declared warn and error
 * thresholds. `nike etl --status` prints it and the data docs show it.
 */
import { newestLoaded, type Source, type Watermark } from "./ledger.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** After how long without a newer loaded record a source warns, and after how long it is in error. */
export type FreshnessRule = { warnAfterMs: number; errorAfterMs: number };

/**
 * The thresholds, one per watermarked source (`states` is read whole on every run, so it has none).
 * Workouts and sessions arrive all day, so a day without one is an error; people change their
 * profile, membership or goals far less often.
 */
export const FRESHNESS: Record<Source, FreshnessRule> = {
  activity_logs: { warnAfterMs: 1 * HOUR, errorAfterMs: 1 * DAY },
  sessions: { warnAfterMs: 1 * HOUR, errorAfterMs: 1 * DAY },
  users: { warnAfterMs: 1 * DAY, errorAfterMs: 7 * DAY },
  user_goals: { warnAfterMs: 7 * DAY, errorAfterMs: 30 * DAY },
  memberships: { warnAfterMs: 7 * DAY, errorAfterMs: 30 * DAY },
  orders: { warnAfterMs: 1 * HOUR, errorAfterMs: 1 * DAY },
  sales: { warnAfterMs: 1 * DAY, errorAfterMs: 3 * DAY },
  // Counted at each quarter's end, and shipped every few days.
  inventory_snapshots: { warnAfterMs: 100 * DAY, errorAfterMs: 120 * DAY },
  inbound_shipments: { warnAfterMs: 7 * DAY, errorAfterMs: 30 * DAY },
  products: { warnAfterMs: 30 * DAY, errorAfterMs: 90 * DAY },
};

export type FreshnessStatus = "pass" | "warn" | "error" | "never loaded";

export type SourceFreshness = FreshnessRule & {
  source: Source;
  status: FreshnessStatus;
  /** The newest loaded record's change time (ISO 8601), or null if the source was never loaded. */
  newestLoaded: string | null;
  /** Milliseconds from `newestLoaded` to now; null if never loaded. */
  ageMs: number | null;
};

export function freshnessStatus(ageMs: number | null, rule: FreshnessRule): FreshnessStatus {
  if (ageMs === null) return "never loaded";
  return ageMs >= rule.errorAfterMs ? "error" : ageMs >= rule.warnAfterMs ? "warn" : "pass";
}

/** Every watermarked source's freshness at `now`, in the order of `FRESHNESS`. */
export function sourceFreshness(watermarks: Partial<Record<Source, Watermark>>, now: Date = new Date(), rules: Record<Source, FreshnessRule> = FRESHNESS): SourceFreshness[] {
  return (Object.entries(rules) as Array<[Source, FreshnessRule]>).map(([source, rule]) => {
    const newest = watermarks[source] && newestLoaded(watermarks[source]);
    const ageMs = newest ? Math.max(0, now.getTime() - Date.parse(newest)) : null;
    return { source, ...rule, status: freshnessStatus(ageMs, rule), newestLoaded: newest ?? null, ageMs };
  });
}

/** A duration as people read it: 45m, 5h 10m, 3d 4h. */
export function humanAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}
