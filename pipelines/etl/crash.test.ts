import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXED_UNTIL, type World } from "../../test-support/world.ts";
import { openEtlStores, runEtl } from "./index.ts";
import { loadedWorld, monthlyActivity, mysqlFingerprint } from "../../test-support/published-world.ts";

const BIN = join(import.meta.dirname, "..", "..", "bin", "nike.mjs");
/** The month (0-based) in which the generated history ends. */
const FIXED_MONTH = Number(FIXED_UNTIL.slice(5, 7)) - 1;

/** The same new source data, written to a world: a tier change and some workouts. */
async function addBatch(world: World, batch: number): Promise<void> {
  const stores = await openEtlStores(world.config);
  try {
    // Months after the generated history (which ends on FIXED_UNTIL), so that every batch is news to the ETL.
    const month = FIXED_MONTH + batch;
    const at = `2026-${String(month + 1).padStart(2, "0")}-15 10:00:00`;
    await stores.mysql.query("UPDATE memberships SET tier = 'Platinum', updated_at = ? WHERE user_id = ?", [at, 10 + batch]);
    const started = new Date(Date.UTC(2026, month, 10, 7));
    await stores.documents.collection("activity_logs").insertMany(
      Array.from({ length: 50 }, (_, i) => ({
        _id: 800_000 + batch * 1000 + i, user_id: 10 + batch, activity_type: "cycling", started_at: new Date(started.getTime() + i * 3_600_000), time_zone: "America/Denver",
        duration_min: 60 + i, distance_km: 20, calories: 500, avg_heart_rate: 130, city: "Boulder", state: "CO",
        created_at: new Date(Date.UTC(2026, month, 21)), updated_at: new Date(Date.UTC(2026, month, 21)),
      })),
    );
  } finally {
    await stores.close();
  }
}

/** Runs `nike etl` in a child process and SIGKILLs it as soon as it reports the given phase. */
async function killDuring(world: World, phase: "extract" | "transform" | "load"): Promise<boolean> {
  const child = spawn(process.execPath, [BIN, "etl"], {
    env: { ...process.env, DATA_DIR: world.dataDir, MYSQL_URL: world.config.mysqlUrl, NIKE_VERBOSE: "1", CI: "true" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let killed = false;
  child.stderr.on("data", (chunk: Buffer) => {
    if (!killed && chunk.toString().includes(`: ${phase}`)) {
      killed = child.kill("SIGKILL");
    }
  });
  await new Promise((resolve) => child.on("exit", resolve));
  return killed;
}

async function etl(world: World): Promise<void> {
  const stores = await openEtlStores(world.config);
  try {
    await runEtl(world.config, stores);
  } finally {
    await stores.close();
  }
}

let crashed: World;
let reference: World;
beforeAll(async () => {
  crashed = await loadedWorld(21);
  reference = await loadedWorld(21);
  await etl(crashed);
  await etl(reference);
});
afterAll(async () => {
  await crashed?.dispose();
  await reference?.dispose();
});

describe("etl after SIGKILL", () => {
  it.each([
    [1, "extract"],
    [2, "transform"],
    [3, "load"],
  ] as const)("batch %i: killed during %s, then rerun, ends as if no crash had happened", async (batch, phase) => {
    await addBatch(crashed, batch);
    await addBatch(reference, batch);
    expect(await killDuring(crashed, phase)).toBe(true);
    await etl(crashed);
    await etl(reference);
    const published = await openEtlStores(crashed.config);
    try {
      const [rows] = await published.mysql.query("SELECT COUNT(*) AS n FROM fact_activity WHERE activity_id BETWEEN ? AND ?", [800_000 + batch * 1000, 800_999 + batch * 1000]);
      expect(rows).toEqual([{ n: 50 }]);
    } finally {
      await published.close();
    }
    expect(await mysqlFingerprint(crashed)).toEqual(await mysqlFingerprint(reference));
    const [a, b] = [await monthlyActivity(crashed), await monthlyActivity(reference)];
    expect(a.lake).toEqual(b.lake);
    expect(a.lake).toEqual(a.mysql);
  });
});

describe("etl --follow", () => {
  it("finishes the current batch on Ctrl-C (SIGINT) and exits cleanly", async () => {
    await addBatch(crashed, 4);
    const child = spawn(process.execPath, [BIN, "etl", "--follow", "--interval", "500ms"], {
      env: { ...process.env, DATA_DIR: crashed.dataDir, MYSQL_URL: crashed.config.mysqlUrl, NIKE_VERBOSE: "1", CI: "true" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    let interrupted = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      // Interrupt in the middle of a batch.
      if (!interrupted && stderr.includes(": transform")) interrupted = child.kill("SIGINT");
    });
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(interrupted).toBe(true);
    expect(code).toBe(0);
    expect(stderr).toMatch(/complete: .*fact_activity \+50/);
    expect(stderr).toMatch(/follow stopped after 1 batches/);
    const stores = await openEtlStores(crashed.config);
    try {
      const [rows] = await stores.mysql.query("SELECT status FROM etl_runs ORDER BY started_at DESC LIMIT 1");
      expect((rows as Array<{ status: string }>)[0].status).toBe("complete");
    } finally {
      await stores.close();
    }
  });
});
