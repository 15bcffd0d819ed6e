/**
 * @module The settle window of a source read by change stamp. A writer stamps a row with its own clock
 * and commits it a moment later, so a row stamped T1 can commit after a run has read one stamped
 * T2 > T1 (two server workers, a write waiting on a lookup or in the insert batcher). A watermark at
 * T2 would skip it forever. So the watermark never passes the run's start minus the window: each run
 * reads again the rows stamped within the window, and skips the versions an earlier run took (kept
 * with the watermark), so a late commit is read once and an early one is not read twice.
 */
import type { Watermark } from "../../warehouse/ledger.ts";

export class SettleWindow {
  readonly #since: Watermark | undefined;
  readonly #cutoff: number;
  /** The newest settled row so far: its time, and its id, formatted only when needed (a full run reads millions). */
  #settledMs: number;
  #settledId: () => string;
  readonly #recent: Record<string, string> = {};

  /** `readStart`: the time (ms) just before the run starts reading the source. */
  constructor(since: Watermark | undefined, readStart: number, settleMs: number) {
    this.#since = since;
    this.#settledMs = since ? Date.parse(since.updatedAt) : Number.NEGATIVE_INFINITY;
    this.#settledId = () => since?.lastId ?? "";
    this.#cutoff = readStart - settleMs;
  }

  /** Whether this version of a row is new to the warehouse; files its position either way. `id` as the watermark orders ids. */
  take(stamp: Date, id: () => string): boolean {
    const ms = stamp.getTime();
    if (ms > this.#cutoff) {
      const at = stamp.toISOString();
      const key = id();
      this.#recent[key] = at;
      return this.#since?.recent?.[key] !== at;
    }
    if (ms > this.#settledMs) {
      this.#settledMs = ms;
      this.#settledId = id;
    } else if (ms === this.#settledMs) {
      const best = [id(), this.#settledId()].sort().at(-1)!;
      this.#settledId = () => best;
    }
    return this.#since?.recent?.[id()] !== stamp.toISOString();
  }

  /** Where the next run starts reading, with the unsettled versions this run and earlier ones took. */
  get watermark(): Watermark | undefined {
    const recent = Object.keys(this.#recent).length ? this.#recent : undefined;
    // Nothing settled yet: every row committed before the read was read and is in `recent`, and one
    // committed after it is stamped after the cutoff, so the next run may start there.
    if (this.#settledMs === Number.NEGATIVE_INFINITY) return recent && { updatedAt: new Date(this.#cutoff).toISOString(), lastId: "", recent };
    return { updatedAt: new Date(this.#settledMs).toISOString(), lastId: this.#settledId(), ...(recent && { recent }) };
  }
}
