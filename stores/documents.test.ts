import { spawn } from "node:child_process";
import { appendFile, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../lib/config.ts";
import { openDocumentStore, type DocumentStore } from "./documents.ts";
import { openEmbeddedStore } from "./embedded-documents.ts";

const log = (id: number, user: number, type = "running", day = 1) => ({
  _id: id, user_id: user, activity_type: type, started_at: new Date(Date.UTC(2025, 0, day, 7)), duration_min: 30 + id,
  distance_km: 5, calories: 300, avg_heart_rate: 140, city: "Denver", state: "CO",
  created_at: new Date(Date.UTC(2025, 0, day, 8)), updated_at: new Date(Date.UTC(2025, 0, day, 8)),
});

// The contract runs against the embedded store always, and against MongoDB when MONGODB_URI is set.
const backends: Array<[string, (dir: string) => Promise<DocumentStore>]> = [["embedded", (dir) => openEmbeddedStore(dir)]];
if (process.env.MONGODB_URI) {
  backends.push(["mongodb", async () => {
    const store = await openDocumentStore(loadConfig({ mongodbDb: `nike_test_${process.pid}_${Date.now()}` }));
    return store;
  }]);
}

describe.each(backends)("document store contract (%s)", (_name, open) => {
  let dir: string;
  let store: DocumentStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nike-docs-"));
    store = await open(dir);
    await store.ensureSchema();
    for (const name of ["activity_logs", "user_goals", "products"] as const) await store.collection(name).deleteMany({});
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("inserts, finds with filter, sort, skip and limit, and counts", async () => {
    const logs = store.collection("activity_logs");
    await logs.insertMany([log(1, 10, "running", 3), log(2, 10, "yoga", 1), log(3, 11, "running", 2), log(4, 10, "cycling", 5)]);
    const mine = await logs.find({ user_id: 10 }, { sort: { started_at: -1 }, skip: 1, limit: 2 });
    expect(mine.map((d) => d._id)).toEqual([1, 2]);
    expect(mine[0].started_at).toBeInstanceOf(Date);
    expect(await logs.countDocuments({ activity_type: "running" })).toBe(2);
    expect(await logs.countDocuments({ started_at: { $gte: new Date(Date.UTC(2025, 0, 3)) } })).toBe(2);
    expect((await logs.findOne({ _id: 3 }))?.user_id).toBe(11);
  });

  it("treats an injected operator object as a query operator, exactly as MongoDB does", async () => {
    const logs = store.collection("activity_logs");
    await logs.insertMany([log(1, 10), log(2, 11)]);
    expect(await logs.countDocuments({ activity_type: { $gt: "" } })).toBe(2);
    expect(await logs.countDocuments({ activity_type: "{\"$gt\": \"\"}" })).toBe(0);
  });

  it("updates with operators, upserts, and deletes", async () => {
    const goals = store.collection("user_goals");
    const goal = {
      user_id: 5, goal_type: "stay_active", target_workouts_per_week: 3, preferred_activities: ["walking"],
      notifications: { channel: "email", quiet_hours: { start: 22, end: 7 }, preferred_hour: null, time_zone: "America/Denver" },
      created_at: new Date(), updated_at: new Date(),
    };
    expect((await goals.updateOne({ _id: 5 }, { $set: goal }, { upsert: true })).upsertedCount).toBe(1);
    const r = await goals.updateOne({ user_id: 5 }, { $set: { target_workouts_per_week: 5 }, $push: { preferred_activities: "yoga" } });
    expect(r).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await goals.findOne({ user_id: 5 })).toMatchObject({ target_workouts_per_week: 5, preferred_activities: ["walking", "yoga"] });
    expect(await goals.deleteMany({ user_id: 5 })).toBe(1);
    expect(await goals.findOne({ user_id: 5 })).toBeNull();
  });

  it("upserts many by _id without duplicating", async () => {
    const logs = store.collection("activity_logs");
    await logs.upsertMany([log(1, 10), log(2, 10)]);
    await logs.upsertMany([{ ...log(1, 10), duration_min: 99 }, log(2, 10), log(3, 10)]);
    expect(await logs.countDocuments()).toBe(3);
    expect((await logs.findOne({ _id: 1 }))?.duration_min).toBe(99);
  });

  it("rejects documents that break the validator or a unique key, writing nothing", async () => {
    const logs = store.collection("activity_logs");
    await expect(logs.insertMany([log(1, 10), { ...log(2, 10), duration_min: "long" }])).rejects.toThrow();
    await expect(logs.insertMany([{ ...log(3, 10), started_at: "yesterday" }])).rejects.toThrow();
    await logs.insertMany([log(4, 10)]);
    await expect(logs.insertMany([log(4, 10)])).rejects.toThrow();
    expect((await logs.find({})).map((d) => d._id)).toEqual(expect.arrayContaining([4]));
    expect(await logs.countDocuments({ _id: { $in: [2, 3] } })).toBe(0);
  });

  it("streams matching documents in batches", async () => {
    const logs = store.collection("activity_logs");
    await logs.insertMany([log(1, 10), log(2, 11), log(3, 10)]);
    const seen: unknown[] = [];
    for await (const batch of logs.stream({ user_id: 10 })) seen.push(...batch.map((d) => d._id));
    expect(seen.sort()).toEqual([1, 3]);
    let all = 0;
    for await (const batch of logs.stream()) all += batch.length;
    expect(all).toBe(3);
  });

  it("runs aggregation pipelines", async () => {
    const logs = store.collection("activity_logs");
    await logs.insertMany([log(1, 10, "running"), log(2, 10, "yoga"), log(3, 11, "running")]);
    const out = await logs.aggregate([{ $match: { activity_type: "running" } }, { $group: { _id: "$user_id", minutes: { $sum: "$duration_min" } } }, { $sort: { _id: 1 } }]);
    expect(out).toEqual([{ _id: 10, minutes: 31 }, { _id: 11, minutes: 33 }]);
  });
});

describe("embedded document store durability", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nike-durable-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("survives a restart", async () => {
    const first = await openEmbeddedStore(dir);
    await first.collection("activity_logs").insertMany([log(1, 10), log(2, 10)]);
    await first.collection("activity_logs").updateOne({ _id: 2 }, { $set: { calories: 1 } });
    await first.close();
    const second = await openEmbeddedStore(dir);
    expect(await second.collection("activity_logs").countDocuments()).toBe(2);
    expect((await second.collection("activity_logs").findOne({ _id: 2 }))?.calories).toBe(1);
    expect((await second.collection("activity_logs").findOne({ _id: 1 }))?.started_at).toBeInstanceOf(Date);
    await second.close();
  });

  it("compacts a log of superseded versions when it reopens", async () => {
    const first = await openEmbeddedStore(dir);
    const logs = first.collection("activity_logs");
    await logs.insertMany([log(1, 10), log(2, 10)]);
    for (let i = 0; i < 6000; i++) await logs.updateOne({ _id: 2 }, { $set: { calories: i } });
    await first.close();
    const { size: before } = await stat(join(dir, "activity_logs.jsonl"));
    const second = await openEmbeddedStore(dir);
    expect((await second.collection("activity_logs").findOne({ _id: 2 }))?.calories).toBe(5999);
    expect(await second.collection("activity_logs").countDocuments({ user_id: 10 })).toBe(2);
    const { size: after } = await stat(join(dir, "activity_logs.jsonl"));
    expect(after).toBeLessThan(before / 100);
    await second.collection("activity_logs").insertMany([log(3, 10)]);
    await second.close();
    const third = await openEmbeddedStore(dir);
    expect((await third.collection("activity_logs").find({}, { sort: { _id: 1 } })).map((d) => d._id)).toEqual([1, 2, 3]);
    await third.close();
  });

  it("refuses a second process while one holds the folder", async () => {
    const first = await openEmbeddedStore(dir);
    const child = spawn(process.execPath, ["--import", "tsx", "-e", `import("${join(import.meta.dirname, "embedded-documents.ts")}").then(m => m.openEmbeddedStore(${JSON.stringify(dir)})).then(() => process.exit(0), e => { console.error(e.message); process.exit(3); })`], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(3);
    expect(stderr).toMatch(/in use by process/);
    await first.close();
  });

  it("drops a write cut short by a crash and keeps every acknowledged one", async () => {
    const store = await openEmbeddedStore(dir);
    await store.collection("activity_logs").insertMany([log(1, 10)]);
    await store.close();
    // A crash mid-write leaves uncommitted lines, the last one torn.
    await appendFile(join(dir, "activity_logs.jsonl"), `{"p":{"_id":2,"user_id":10}}\n{"p":{"_id":3,"us`);
    const reopened = await openEmbeddedStore(dir);
    expect((await reopened.collection("activity_logs").find({})).map((d) => d._id)).toEqual([1]);
    await reopened.collection("activity_logs").insertMany([log(4, 10)]);
    await reopened.close();
    const again = await openEmbeddedStore(dir);
    expect((await again.collection("activity_logs").find({}, { sort: { _id: 1 } })).map((d) => d._id)).toEqual([1, 4]);
    await again.close();
  });

  it("keeps every acknowledged write of a process killed with SIGKILL mid-stream", async () => {
    const script = `
      const { openEmbeddedStore } = await import(${JSON.stringify(join(import.meta.dirname, "embedded-documents.ts"))});
      const store = await openEmbeddedStore(${JSON.stringify(dir)});
      const c = store.collection("activity_logs");
      for (let i = 1; ; i++) {
        const docs = Array.from({ length: 200 }, (_, k) => ({ _id: i * 1000 + k, user_id: 1, activity_type: "running", started_at: new Date(), duration_min: 30, created_at: new Date(), updated_at: new Date() }));
        await c.insertMany(docs);
        process.stdout.write(i + "\\n");
      }`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let acknowledged = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        const lines = chunk.toString().trim().split("\n");
        acknowledged = Number(lines[lines.length - 1]);
        if (acknowledged >= 25) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.on("exit", resolve));
    const store = await openEmbeddedStore(dir);
    const c = store.collection("activity_logs");
    for (let i = 1; i <= acknowledged; i++) expect(await c.countDocuments({ _id: i * 1000 + 199 })).toBe(1);
    // No batch is half-applied.
    const count = await c.countDocuments();
    expect(count % 200).toBe(0);
    await store.close();
  });
});
