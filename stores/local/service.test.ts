import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createServer, Socket } from "node:net";
import { MongoClient } from "mongodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config.ts";
import { openDocumentStore } from "../documents.ts";
import { alive } from "./owner-lock.ts";
import { ensureLocalService, mongoUriOf, runningService, stopLocalService } from "./locate.ts";
import { readRecord, runLocalService, type ServiceRecord } from "./service.ts";

const run = promisify(execFile);
const NIKE = join(import.meta.dirname, "../../bin/nike.mjs");
const nike = (dataDir: string, ...args: string[]) => run(process.execPath, [NIKE, ...args], { env: { ...process.env, DATA_DIR: dataDir, CI: "true" } });
const gone = async (record: ServiceRecord, withinMs: number) => {
  const deadline = Date.now() + withinMs;
  while (alive(record) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return !alive(record);
};

describe("local store service", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nike-service-"));
  });
  afterEach(async () => {
    const record = readRecord(dir);
    if (record && record.pid !== process.pid && alive(record)) process.kill(record.pid, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("is started by the first client that needs it, once, however many processes ask at the same moment", async () => {
    const starts = await Promise.all([1, 2, 3, 4].map(() => nike(dir, "stores", "start", "--idle", "0")));
    const pids = starts.map(({ stdout }) => Number(/pid (\d+)/.exec(stdout)?.[1]));
    expect(new Set(pids).size).toBe(1);
    expect(pids[0]).not.toBe(process.pid);
    expect((await ensureLocalService(dir, 0)).pid).toBe(pids[0]);
    const status = await nike(dir, "stores", "status");
    expect(status.stdout).toContain(`pid ${pids[0]}`);
    expect(status.stdout).toMatch(/mongodb:\/\/127\.0\.0\.1:\d+/);
    expect((await nike(dir, "stores", "stop")).stdout).toContain(`stopped the local store service (pid ${pids[0]})`);
    expect(await runningService(dir)).toBeUndefined();
    expect((await nike(dir, "stores", "status")).stdout).toContain("no local store service runs");
  }, 60_000);

  it("waits for a service that takes longer than half a minute to open, then starts one once the folder is free", async () => {
    // Another process holds the documents folder for 35 s, as a service opening 10 M workouts does.
    await mkdir(join(dir, "documents"), { recursive: true });
    const holder = `const { lockFolder } = await import(${JSON.stringify(join(import.meta.dirname, "owner-lock.ts"))});
      lockFolder(${JSON.stringify(join(dir, "documents"))}); console.log("held"); setTimeout(() => process.exit(0), 35_000);`;
    const held = run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", holder]);
    for (let tries = 0; !(await readFile(join(dir, "documents", "LOCK"), "utf8").catch(() => "")); tries++) {
      expect(tries).toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 100));
    }
    const record = await ensureLocalService(dir, 0);
    expect((await held).stdout.trim()).toBe("held");
    expect(alive(record)).toBe(true);
    expect(await runningService(dir)).toEqual(record);
  }, 90_000);

  it("stops by itself after its idle time with no clients, and not while one is connected", async () => {
    const record = await ensureLocalService(dir, 1500);
    const client = await new MongoClient(mongoUriOf(record)).connect();
    await new Promise((r) => setTimeout(r, 3000));
    expect(alive(record)).toBe(true);
    await client.close();
    expect(await gone(record, 10_000)).toBe(true);
    expect(readRecord(dir)?.stopped).toBe(true);
  }, 30_000);

  it("keeps every acknowledged write when killed with SIGKILL mid-burst, and comes back on the same port for connected clients", async () => {
    const record = await ensureLocalService(dir, 0);
    const client = await new MongoClient(mongoUriOf(record), { serverSelectionTimeoutMS: 20_000 }).connect();
    const c = client.db("nike").collection("burst");
    const acknowledged: number[] = [];
    // Twenty writers keep inserting until the kill, so the kill lands mid-burst however slow the machine is.
    let next = 0;
    let killed = false;
    const writer = async () => {
      while (!killed) {
        const i = next++;
        await c.insertOne({ _id: i as never, at: new Date() }).then(() => void acknowledged.push(i), () => undefined);
      }
    };
    const writes = Array.from({ length: 20 }, writer);
    while (acknowledged.length < 100) await new Promise((r) => setTimeout(r, 1));
    process.kill(record.pid, "SIGKILL");
    killed = true;
    await Promise.all(writes);
    expect(await gone(record, 5000)).toBe(true);
    const restarted = await ensureLocalService(dir, 0);
    expect(restarted.pid).not.toBe(record.pid);
    expect(restarted.mongoPort).toBe(record.mongoPort);
    // The same client, never reconnected by hand, reads through the new process.
    const present = new Set((await c.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id as unknown as number));
    expect(acknowledged.filter((i) => !present.has(i))).toEqual([]);
    await client.close();
    await stopLocalService(dir);
  }, 60_000);

  it("lets a connected store find the service again when a restart had to take another port", async () => {
    const first = await runLocalService(dir, { idleMs: 0 });
    const store = await openDocumentStore(loadConfig({ dataDir: dir, mongodbUri: undefined }));
    const squatter = createServer((socket) => socket.destroy()); // something else took the port meanwhile
    try {
      await store.collection("activity_logs").insertMany([{ _id: 1, user_id: 1 }, { _id: 2, user_id: 1 }]);
      await first.stop();
      await new Promise<void>((resolve) => squatter.listen(first.record.mongoPort, "127.0.0.1", resolve));
      const second = await runLocalService(dir, { idleMs: 0 });
      try {
        expect(second.record.mongoPort).not.toBe(first.record.mongoPort);
        // Until the store finds it (the test's limit catches a store that never does): a failed attempt
        // waits out server selection (5 s) before the store looks the service up again, slower on a loaded machine.
        let found = 0;
        while (found !== 2) {
          found = await store.collection("activity_logs").countDocuments({ user_id: 1 }).catch(() => 0);
          if (found !== 2) await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await second.stop();
      }
    } finally {
      await store.close();
      squatter.close();
    }
  }, 120_000);

  it("closes a store whose connections the service drops at that very moment", async () => {
    const service = await runLocalService(dir, { idleMs: 0 });
    const store = await openDocumentStore(loadConfig({ dataDir: dir, mongodbUri: undefined }));
    await store.collection("activity_logs").countDocuments({});
    // Closing from inside the teardown of the store's sockets: a socket already destroyed, its "close" not yet emitted.
    const destroy = Socket.prototype.destroy;
    const closes: Array<Promise<string>> = [];
    Socket.prototype.destroy = function (this: Socket, ...args: Parameters<Socket["destroy"]>) {
      const result = destroy.apply(this, args);
      if (this.remotePort === service.record.mongoPort && closes.length === 0) closes.push(store.close().then(() => "closed"));
      return result;
    };
    try {
      await service.stop();
    } finally {
      Socket.prototype.destroy = destroy;
    }
    expect(closes).toHaveLength(1);
    const late = new Promise<string>((resolve) => setTimeout(() => resolve("still closing after 20 s"), 20_000).unref());
    expect(await Promise.race([closes[0], late])).toBe("closed");
  }, 60_000);

  it("refuses a second service for the same folder and leaves the first untouched", async () => {
    const first = await runLocalService(dir, { idleMs: 0 });
    try {
      await expect(runLocalService(dir, { idleMs: 0 })).rejects.toThrow(/owned by process/);
      expect(readRecord(dir)?.pid).toBe(process.pid);
    } finally {
      await first.stop();
    }
  });

  it("carries the documents of the earlier single-process layout over, then removes the old files", async () => {
    const legacy = join(dir, "documents");
    await mkdir(legacy, { recursive: true });
    const at = Date.UTC(2025, 0, 2, 7);
    await writeFile(join(legacy, "user_goals.jsonl"), [
      `{"p":{"_id":1,"user_id":1,"goal_type":"stay_active","updated_at":{"$date":${at}}}}`, '{"c":1}',
      `{"p":{"_id":1,"user_id":1,"goal_type":"lose_weight","updated_at":{"$date":${at}}}}`, `{"p":{"_id":2,"user_id":2,"goal_type":"stay_active"}}`, '{"c":1}',
      '{"d":2}', '{"c":1}',
      `{"p":{"_id":3,"user_id":3}}`, // never committed
    ].join("\n") + "\n");
    const service = await runLocalService(dir, { idleMs: 0 });
    try {
      const client = await new MongoClient(mongoUriOf(service.record)).connect();
      expect(await client.db("nike").collection("user_goals").find().toArray()).toEqual([{ _id: 1, user_id: 1, goal_type: "lose_weight", updated_at: new Date(at) }]);
      await client.close();
      expect(await readdir(legacy)).not.toContain("user_goals.jsonl");
    } finally {
      await service.stop();
    }
  });

  it("makes nike doctor report a damaged line with its file and line number", async () => {
    const service = await runLocalService(dir, { idleMs: 0 });
    const client = await new MongoClient(mongoUriOf(service.record)).connect();
    await client.db("nike").collection("activity_logs").insertMany([{ _id: 1 as never, user_id: 1 }, { _id: 2 as never, user_id: 2 }]);
    await client.close();
    await service.stop();
    const file = join(dir, "documents", "nike", "activity_logs.jsonl");
    await writeFile(file, (await readFile(file, "utf8")).replace('"user_id":2', '"user_id":3'));
    const again = await runLocalService(dir, { idleMs: 0 });
    try {
      const out = await nike(dir, "doctor").catch((error: { code: number; stdout: string }) => error);
      expect((out as { code?: number }).code).toBe(2);
      expect(out.stdout).toMatch(/MongoDB\s+FAILED/);
      expect(out.stdout).toContain(`${file} line 2`);
    } finally {
      await again.stop();
    }
  }, 60_000);
});
