import { describe, expect, it } from "vitest";
import type { Watermark } from "../../warehouse/ledger.ts";
import { SettleWindow } from "./settle.ts";

const T = Date.parse("2026-11-29T12:00:00.000Z");
const at = (ms: number) => new Date(T + ms);
const pad = (n: number) => String(n).padStart(12, "0");

/** One run over rows (id, stamp offset in ms): which it takes, and where the next run starts. */
function run(since: Watermark | undefined, readStart: number, rows: Array<[number, number]>) {
  const window = new SettleWindow(since, T + readStart, 10_000);
  const taken = rows.filter(([id, ms]) => window.take(at(ms), () => pad(id))).map(([id]) => id);
  return { taken, watermark: window.watermark };
}

describe("settle window", () => {
  it("never moves the watermark past the cutoff, and keeps the versions after it", () => {
    const first = run(undefined, 0, [[1, -60_000], [2, -20_000], [3, -5_000], [4, -1_000]]);
    expect(first.taken).toEqual([1, 2, 3, 4]);
    expect(first.watermark).toEqual({ updatedAt: at(-20_000).toISOString(), lastId: pad(2), recent: { [pad(3)]: at(-5_000).toISOString(), [pad(4)]: at(-1_000).toISOString() } });
  });

  it("takes a late commit stamped before a row already read, and skips the versions already taken", () => {
    const first = run(undefined, 0, [[3, -5_000], [4, -1_000]]);
    // Row 5 was stamped before row 4 but committed after the first run read; row 4 is read again.
    const second = run(first.watermark, 2_000, [[3, -5_000], [4, -1_000], [5, -3_000]]);
    expect(second.taken).toEqual([5]);
    // An update of row 3 is a new version: taken again.
    const third = run(second.watermark, 3_000, [[3, 2_500], [4, -1_000], [5, -3_000]]);
    expect(third.taken).toEqual([3]);
  });

  it("lets the versions settle as time passes: the watermark moves to them and the window empties", () => {
    const first = run(undefined, 0, [[3, -5_000], [4, -1_000]]);
    expect(first.watermark?.updatedAt).toBe(at(-10_000).toISOString());
    const later = run(first.watermark, 60_000, [[3, -5_000], [4, -1_000]]);
    expect(later.taken).toEqual([]);
    expect(later.watermark).toEqual({ updatedAt: at(-1_000).toISOString(), lastId: pad(4) });
  });

  it("breaks a tie in time by id, whatever order the rows come in", () => {
    expect(run(undefined, 0, [[7, -20_000], [2, -20_000], [9, -30_000]]).watermark).toEqual({ updatedAt: at(-20_000).toISOString(), lastId: pad(7) });
    expect(run(undefined, 0, [[2, -20_000], [7, -20_000], [3, -20_000]]).watermark).toEqual({ updatedAt: at(-20_000).toISOString(), lastId: pad(7) });
  });

  it("reads nothing new: the watermark stays", () => {
    const since = { updatedAt: at(-60_000).toISOString(), lastId: pad(9) };
    expect(run(since, 0, []).watermark).toEqual(since);
  });
});
