import { execFile, spawn } from "node:child_process";
import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DocumentEngine } from "./document-engine.ts";
import type { Doc } from "./log-collection.ts";
import { processStart } from "./owner-lock.ts";

const run = promisify(execFile);
const ENGINE = JSON.stringify(join(import.meta.dirname, "document-engine.ts"));
const log = (id: number, user = 10, extra: Doc = {}): Doc => ({ _id: id, user_id: user, activity_type: "running", started_at: new Date(Date.UTC(2025, 0, 1, 7)), duration_min: 30, ...extra });

/** Runs a module script in a child Node process with tsx; returns its stdout. */
async function child(script: string, shell = ""): Promise<string> {
  const command = `${shell} exec "$0" --import tsx --input-type=module -e "$1"`;
  const { stdout } = await run("bash", ["-c", command, process.execPath, script], { cwd: join(import.meta.dirname, "../..") });
  return stdout;
}

describe("document engine", () => {
  let dir: string;
  let engine: DocumentEngine | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nike-engine-"));
  });
  afterEach(async () => {
    engine?.close();
    engine = undefined;
    await rm(dir, { recursive: true, force: true });
  });
  const open = () => (engine = new DocumentEngine(dir));
  const reopen = () => {
    engine?.close();
    return open();
  };
  const logs = (e: DocumentEngine) => e.collection("nike", "activity_logs", true)!;

  it("survives a restart, and compacts a log of superseded versions when it reopens", async () => {
    await logs(open()).insert([log(1), log(2)], true);
    for (let i = 0; i < 6000; i++) await logs(engine!).update([{ q: { _id: 2 }, u: { $set: { calories: i } } }], true);
    const file = join(dir, "nike", "activity_logs.jsonl");
    const before = (await stat(file)).size;
    const again = logs(reopen());
    expect([...again.find({ _id: 2 })][0].calories).toBe(5999);
    expect([...again.find({}, { sort: { _id: 1 } })].map((d) => d._id)).toEqual([1, 2]);
    expect((await stat(file)).size).toBeLessThan(before / 100);
    await again.insert([log(3)], true);
    expect([...logs(reopen()).find({}, { sort: { _id: 1 } })].map((d) => d._id)).toEqual([1, 2, 3]);
  });

  it("answers indexed queries after a restart as before it, with updates and deletes applied", async () => {
    const c = logs(open());
    engine!.createIndexes("nike", "activity_logs", [{ key: { user_id: 1 }, name: "user_id_1" }, { key: { email: 1 }, name: "email_1", unique: true }]);
    await c.insert([log(1, 10, { email: "a@x" }), log(2, 10, { email: "b@x" }), log(3, 20, { email: "c@x" })], true);
    await c.update([{ q: { _id: 2 }, u: { $set: { user_id: 20, email: "d@x" } } }], true);
    await c.remove([{ q: { _id: 3 } }], true);
    const again = logs(reopen());
    const ids = (filter: Doc) => [...again.find(filter, { sort: { _id: 1 } })].map((d) => d._id);
    expect(ids({ user_id: 10 })).toEqual([1]);
    expect(ids({ user_id: 20 })).toEqual([2]);
    // The unique index holds the current values only: the updated and the deleted ones are free again.
    await again.insert([log(4, 30, { email: "b@x" }), log(5, 30, { email: "c@x" })], true);
    const duplicate = await again.insert([log(6, 30, { email: "d@x" })], true);
    expect(duplicate.errors[0]?.code).toBe(11000);
    expect(ids({ user_id: 30 })).toEqual([4, 5]);
  });

  it("reads a compound index's date range as a scan would, through updates, deletes and a restart", async () => {
    open().create("nike", "activity_logs", { validator: { $jsonSchema: { bsonType: "object", properties: { started_at: { bsonType: "date" } } } } });
    engine!.createIndexes("nike", "activity_logs", [{ key: { user_id: 1, started_at: -1 }, name: "user_started" }]);
    const day = (d: number) => new Date(Date.UTC(2025, 0, d, 7));
    const docs = Array.from({ length: 30 }, (_, i) => log(i + 1, i % 3 === 0 ? 20 : 10, { started_at: day(1 + (i % 10)) }));
    const undated = log(31, 10);
    delete undated.started_at;
    await logs(engine!).insert([...docs, undated], true);
    // Dates move in and out of the windows below, a workout changes hands, one is deleted.
    await logs(engine!).update([{ q: { _id: 2 }, u: { $set: { started_at: day(5) } } }, { q: { _id: 5 }, u: { $set: { started_at: day(30) } } }, { q: { _id: 6 }, u: { $set: { user_id: 20 } } }], true);
    await logs(engine!).remove([{ q: { _id: 8 } }], true);
    const filters: Doc[] = [
      { user_id: { $in: [10, 20] }, started_at: { $gte: day(3), $lte: day(6) } },
      { user_id: 10, started_at: { $gt: day(4) } },
      { user_id: 20, started_at: { $lt: day(5) } },
      { user_id: 10, started_at: day(5) },
      { user_id: 10, $or: [{ started_at: { $lt: day(5) } }, { started_at: day(5), _id: { $lt: 15 } }] },
      { user_id: 10 },
    ];
    const expected = (e: DocumentEngine) => {
      const all = [...logs(e).find({}, { sort: { _id: 1 } })];
      return filters.map((f) => all.filter((d) => [...logs(e).find({ _id: d._id, ...f })].length).map((d) => d._id));
    };
    const answers = (e: DocumentEngine) => filters.map((f) => [...logs(e).find(f, { sort: { _id: 1 } })].map((d) => d._id));
    const before = answers(engine!);
    expect(before).toEqual(expected(engine!));
    expect(before[0]).toContain(2);
    expect(before[0]).not.toContain(5);
    expect(before[5]).toContain(31);
    expect(answers(reopen())).toEqual(before);
  });

  it("drops a write cut short by a crash and keeps every acknowledged one", async () => {
    await logs(open()).insert([log(1)], true);
    engine!.close();
    await appendFile(join(dir, "nike", "activity_logs.jsonl"), `00000000{"p":{"_id":2}}\n{"p":{"_id":3,"us`);
    const c = logs(open());
    expect([...c.find({})].map((d) => d._id)).toEqual([1]);
    expect(engine!.damage()).toEqual([]);
    await c.insert([log(4)], true);
    expect([...logs(reopen()).find({}, { sort: { _id: 1 } })].map((d) => d._id)).toEqual([1, 4]);
  });

  it("leaves the log untouched when a write fails part-way (the file size limit hit mid-write)", async () => {
    // A child whose file-size limit (ulimit -f, KiB) cuts the second batch's write in the middle.
    const out = await child(`
      process.on("SIGXFSZ", () => {});
      const { DocumentEngine } = await import(${ENGINE});
      const engine = new DocumentEngine(${JSON.stringify(dir)});
      const c = engine.collection("nike", "activity_logs", true);
      const doc = (i) => ({ _id: i, user_id: 1, note: "x".repeat(200) });
      await c.insert(Array.from({ length: 100 }, (_, i) => doc(i)), true);
      let error = "none";
      try { await c.insert(Array.from({ length: 20001 }, (_, i) => doc(1000 + i)), true); } catch (e) { error = e.code; }
      await c.insert([doc(50000)], true);
      console.log(JSON.stringify({ error, count: c.countMatching({}), last: [...c.find({ _id: 50000 })][0]?._id }));
      engine.close();`, "ulimit -f 512;");
    expect(JSON.parse(out)).toEqual({ error: "EFBIG", count: 101, last: 50000 });
    const c = logs(open());
    expect(c.countMatching({})).toBe(101);
    expect(c.countMatching({ _id: { $gte: 1000, $lt: 50000 } })).toBe(0);
    expect(engine!.damage()).toEqual([]);
  });

  it("keeps documents over 1 MiB whole, and stops an ordered insert at its first invalid document without bringing it back later", async () => {
    const c = logs(open());
    const big = { ...log(20_000), note: "y".repeat(2 * 1024 * 1024) };
    const batch = [...Array.from({ length: 20_000 }, (_, i) => log(i)), big];
    expect((await c.insert(batch, true)).n).toBe(20_001);
    expect(([...c.find({ _id: 20_000 })][0].note as string).length).toBe(2 * 1024 * 1024);
    c.options = { validator: { $jsonSchema: { required: ["user_id"] } } };
    const bad = [...Array.from({ length: 20_000 }, (_, i) => log(30_000 + i)), { _id: 99_999 }];
    const result = await c.insert(bad, true);
    expect(result.n).toBe(20_000);
    expect(result.errors).toMatchObject([{ index: 20_000, code: 121 }]);
    await c.insert([log(100_000)], true);
    const again = logs(reopen());
    expect(again.countMatching({})).toBe(40_002);
    expect(again.countMatching({ _id: 99_999 })).toBe(0);
    expect(([...again.find({ _id: 20_000 })][0].note as string).length).toBe(2 * 1024 * 1024);
  });

  it("reports a damaged committed line with its file and line, and keeps the rest", async () => {
    await logs(open()).insert([log(1), log(2), log(3)], true);
    engine!.close();
    const file = join(dir, "nike", "activity_logs.jsonl");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace('"duration_min":30}}\n', '"duration_min":31}}\n'));
    const c = logs(open());
    expect(engine!.damage()).toEqual([{ file, line: 1, offset: 0 }]);
    expect([...c.find({}, { sort: { _id: 1 } })].map((d) => d._id)).toEqual([2, 3]);
  });

  it("lets exactly one of several processes racing for the folder own it", async () => {
    for (let trial = 0; trial < 3; trial++) {
      const folder = join(dir, `race-${trial}`);
      const release = join(dir, `release-${trial}`);
      // The owner holds the folder until every other racer has answered, however slowly they start.
      const script = `
        const { existsSync } = await import("node:fs");
        const { DocumentEngine } = await import(${ENGINE});
        try {
          const e = new DocumentEngine(${JSON.stringify(folder)});
          console.log("owner");
          while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 50));
          e.close();
        } catch (error) { console.log(error.constructor.name); }`;
      let answered = 0;
      const racers = Array.from({ length: 6 }, () => child(script).finally(() => answered++));
      // Two owners would both wait: after a minute, release them so the assertion names the fault.
      for (const until = Date.now() + 60_000; answered < 5 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
      await writeFile(release, "");
      const outcomes = await Promise.all(racers);
      expect(outcomes.map((o) => o.trim()).sort()).toEqual(["FolderLockedError", "FolderLockedError", "FolderLockedError", "FolderLockedError", "FolderLockedError", "owner"]);
    }
  });

  it("breaks a stale lock, also one whose pid now belongs to another process", async () => {
    await writeFile(join(dir, "LOCK"), JSON.stringify({ pid: process.pid, started: "1" })); // this pid, but not the process that took it
    expect(() => open()).not.toThrow();
    engine!.close();
    engine = undefined;
    await writeFile(join(dir, "LOCK"), JSON.stringify({ pid: 2 ** 22 + 7, started: "5" })); // a process that is gone
    expect(() => open()).not.toThrow();
    engine!.close();
    engine = undefined;
    await writeFile(join(dir, "LOCK"), JSON.stringify({ pid: process.pid, started: processStart(process.pid) }));
    expect(() => new DocumentEngine(dir)).toThrow(/owned by process/);
  });

  it("scrubs every version of a deleted document from the log", async () => {
    const goals = open().collection("nike", "user_goals", true)!;
    await goals.insert([{ _id: 7, user_id: 7, note: "erase-me-7" }, { _id: 8, user_id: 8, note: "keep-me-8" }], true);
    for (let i = 0; i < 3; i++) await goals.update([{ q: { _id: 7 }, u: { $set: { note: `erase-me-7-v${i}` } } }], true);
    await logs(engine!).insert([log(1, 7, { note: "erase-me-7-workout" }), log(2, 8, { note: "keep-me-8-workout" })], true);
    await goals.remove([{ q: { user_id: 7 }, limit: 0 }], true);
    await logs(engine!).remove([{ q: { user_id: 7 }, limit: 0 }], true);
    const files = (await readdir(join(dir, "nike"))).map((f) => join(dir, "nike", f));
    const content = (await Promise.all(files.map((f) => readFile(f, "utf8")))).join("");
    expect(content).not.toContain("erase-me-7");
    expect(content).toContain("keep-me-8-workout");
    const again = reopen();
    expect(again.collection("nike", "user_goals")!.countMatching({})).toBe(1);
    expect(engine!.damage()).toEqual([]);
  });
});

describe("document engine reads larger than the heap", () => {
  it("streams find, aggregate and filtered counts through a service whose heap is smaller than the data", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nike-heap-"));
    try {
      // ~160 MB of documents; the service runs with a 96 MB heap.
      const service = spawn(process.execPath, ["--max-old-space-size=96", join(import.meta.dirname, "service-process.mjs"), dir, "0"], { stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve) => service.stdout.on("data", (d: Buffer) => d.toString().includes("listening") && resolve()));
      const record = JSON.parse(await readFile(join(dir, "local-service.json"), "utf8"));
      const { MongoClient } = await import("mongodb");
      const client = new MongoClient(`mongodb://127.0.0.1:${record.mongoPort}/?directConnection=true`);
      const c = client.db("nike").collection("blobs");
      const filler = "z".repeat(1600);
      for (let b = 0; b < 100; b++) await c.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: b * 1000 + i, even: i % 2 === 0, filler })) as never[]);
      let seen = 0;
      for await (const _ of c.find({}, { batchSize: 2000 })) seen++;
      expect(seen).toBe(100_000);
      expect(await c.countDocuments({ even: true })).toBe(50_000);
      expect(await c.aggregate([{ $group: { _id: "$even", n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray()).toEqual([{ _id: false, n: 50_000 }, { _id: true, n: 50_000 }]);
      await client.close();
      service.kill("SIGTERM");
      expect(await new Promise((resolve) => service.on("exit", resolve))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
