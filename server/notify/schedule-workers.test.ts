/** `nike notify schedule --workers N`: the users split over worker processes queue what one process queues, once each. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadedWorld, queryWorld } from "../../test-support/published-world.ts";
import type { World } from "../../test-support/world.ts";
import { userRanges } from "./schedule-workers.ts";
import { connectMysql } from "../../stores/mysql.ts";

const BIN = join(import.meta.dirname, "..", "..", "bin", "nike.mjs");
let world: World;
beforeAll(async () => {
  world = await loadedWorld(23);
}, 240_000);
afterAll(async () => {
  await world?.dispose();
});

/** Runs the CLI as a user would, in a process of its own. */
function nike(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DATA_DIR: world.dataDir, MYSQL_URL: world.config.mysqlUrl, CI: "true" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

type Queued = { idempotency_key: string; user_id: number; channel: string; recipient: string; body_text: string; quote_id: number | null };
const queued = () => queryWorld<Queued>(world, "SELECT idempotency_key, user_id, channel, recipient, body_text, quote_id FROM notification_outbox WHERE kind = 'inspiration' ORDER BY idempotency_key");
const queuedCount = (stdout: string) => Number(/queued ([\d,]+) messages/.exec(stdout)?.[1].replaceAll(",", ""));

describe("nike notify schedule --workers", () => {
  it("splits the consenting users into ranges of about as many users each, covering every one once", async () => {
    const db = await connectMysql(world.config.mysqlUrl, 1);
    try {
      const [rows] = await db.query("SELECT user_id FROM users WHERE email_consent OR sms_consent ORDER BY user_id");
      const ids = (rows as Array<{ user_id: number }>).map((r) => r.user_id);
      for (const workers of [1, 2, 3, 7]) {
        const ranges = await userRanges(db, workers, ids.length);
        expect(ranges).toHaveLength(workers);
        const shares = ranges.map((r) => ids.filter((id) => id > r.after && id <= r.upTo).length);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(ids.length);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
        ranges.slice(1).forEach((r, k) => expect(r.after).toBe(ranges[k].upTo));
      }
    } finally {
      await db.end();
    }
  });

  it("queues with two worker processes exactly what one process queues, once per user, and nothing on a second run", async () => {
    const two = await nike(["notify", "schedule", "--workers", "2"]);
    expect(two.code, two.stderr).toBe(0);
    const byTwo = await queued();
    expect(byTwo.length).toBeGreaterThan(50);
    expect(queuedCount(two.stdout)).toBe(byTwo.length);
    expect(new Set(byTwo.map((m) => m.user_id)).size).toBe(byTwo.length);

    const again = await nike(["notify", "schedule", "--workers", "2"]);
    expect(again.code, again.stderr).toBe(0);
    expect(queuedCount(again.stdout)).toBe(0);
    expect(await queued()).toHaveLength(byTwo.length);

    await queryWorld(world, "DELETE FROM notification_outbox");
    const one = await nike(["notify", "schedule", "--workers", "1"]);
    expect(one.code, one.stderr).toBe(0);
    expect(await queued()).toEqual(byTwo);
  });

  it("queues each message once when two runs of two workers each start at once", async () => {
    await queryWorld(world, "DELETE FROM notification_outbox");
    const runs = await Promise.all([nike(["notify", "schedule", "--workers", "2"]), nike(["notify", "schedule", "--workers", "2"])]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const rows = await queued();
    expect(rows.length).toBeGreaterThan(50);
    expect(new Set(rows.map((m) => m.user_id)).size).toBe(rows.length);
    // Each message was queued by one of the runs, and each run says how many it queued.
    expect(runs.map((r) => queuedCount(r.stdout)).reduce((a, b) => a + b, 0)).toBe(rows.length);
  });

  it("fails with one clear line when a worker cannot queue, and a run after the fix queues the rest", async () => {
    await queryWorld(world, "DELETE FROM notification_outbox");
    await queryWorld(world, "RENAME TABLE notification_outbox TO notification_outbox_away");
    let failed: Awaited<ReturnType<typeof nike>>;
    try {
      failed = await nike(["notify", "schedule", "--workers", "2"]);
    } finally {
      await queryWorld(world, "RENAME TABLE notification_outbox_away TO notification_outbox");
    }
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split("\n")).toHaveLength(1);
    expect(failed.stderr).toMatch(/^nike: notify schedule: .*notification_outbox.*run it again to queue the rest\.$/m);
    const rerun = await nike(["notify", "schedule", "--workers", "2"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(queuedCount(rerun.stdout)).toBeGreaterThan(50);
  });

  it("refuses a --workers that is not a whole number from 1 to 256", async () => {
    const out = await nike(["notify", "schedule", "--workers", "0"]);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/--workers must be a whole number from 1 to 256, not "0"/);
  });
});
