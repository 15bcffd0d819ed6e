import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtemp, rm } from "node:fs/promises";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../lib/config.ts";
import { isStoreUnavailable } from "../lib/errors.ts";
import { openDocumentStore, openMongoStore, UPGRADES, type DocumentStore } from "./documents.ts";
import { mongoUriOf } from "./local/locate.ts";
import { runLocalService, type LocalService } from "./local/service.ts";

const log = (id: number, user: number, type = "running", day = 1) => ({
  _id: id, user_id: user, activity_type: type, started_at: new Date(Date.UTC(2025, 0, day, 7)), time_zone: "America/Denver", duration_min: 30 + id,
  distance_km: 5, calories: 300, avg_heart_rate: 140, city: "Denver", state: "CO",
  created_at: new Date(Date.UTC(2025, 0, day, 8)), updated_at: new Date(Date.UTC(2025, 0, day, 8)),
});

// The contract runs through the official driver: against the local service always, and against MongoDB when MONGODB_URI is set.
const services: LocalService[] = [];
const backends: Array<[string, (dir: string) => Promise<DocumentStore>]> = [["local service", async (dir) => {
  services.push(await runLocalService(dir, { idleMs: 0 }));
  return openDocumentStore(loadConfig({ dataDir: dir, mongodbUri: undefined }));
}]];
if (process.env.MONGODB_URI) {
  backends.push(["mongodb", (dir) => openDocumentStore(loadConfig({ dataDir: dir, mongodbDb: `nike_test_${process.pid}_${Date.now()}` }))]);
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
    for (const service of services.splice(0)) await service.stop();
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

  it("rejects documents that break the validator (121) or a unique key (11000), as MongoDB does", async () => {
    const logs = store.collection("activity_logs");
    // Ordered inserts stop at the first bad document; the ones before it are in.
    await expect(logs.insertMany([log(1, 10), { ...log(2, 10), duration_min: "long" }, log(5, 10)])).rejects.toMatchObject({ code: 121 });
    await expect(logs.insertMany([{ ...log(3, 10), started_at: "yesterday" }])).rejects.toMatchObject({ code: 121 });
    await logs.insertMany([log(4, 10)]);
    await expect(logs.insertMany([log(4, 10)])).rejects.toMatchObject({ code: 11000 });
    expect((await logs.find({}, { sort: { _id: 1 } })).map((d) => d._id)).toEqual([1, 4]);
    expect(await logs.countDocuments({ _id: { $in: [2, 3, 5] } })).toBe(0);
  });

  it("inserts single documents made at once as one batch, each with its own outcome", async () => {
    const logs = store.collection("activity_logs");
    await logs.insertMany([log(1, 10)]);
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 50 }, (_, i) => logs.insertMany([log(100 + i, 11)])),
      logs.insertMany([log(1, 12)]), // a duplicate _id
      logs.insertMany([{ ...log(2, 12), duration_min: "long" }]), // breaks the validator
    ]);
    expect(outcomes.slice(0, 50).every((o) => o.status === "fulfilled")).toBe(true);
    expect(outcomes[50]).toMatchObject({ status: "rejected", reason: { code: 11000 } });
    expect((outcomes[50] as PromiseRejectedResult).reason.message).toMatch(/duplicate key/);
    expect(outcomes[51]).toMatchObject({ status: "rejected", reason: { code: 121 } });
    expect(await logs.countDocuments({ user_id: 11 })).toBe(50);
    expect(await logs.countDocuments({ _id: { $in: [1, 2] } })).toBe(1);
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

/**
 * A store whose schema has been applied once, plus a raw driver client that can write past the
 * validator, as an earlier version of the schema would have let documents in.
 */
async function withEarlierDocuments(test: (store: DocumentStore, raw: MongoClient, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "nike-docs-"));
  const service = await runLocalService(dir, { idleMs: 0 });
  const store = await openDocumentStore(loadConfig({ dataDir: dir, mongodbUri: undefined }));
  const raw = await MongoClient.connect(mongoUriOf(service.record));
  try {
    await store.ensureSchema();
    // A database an earlier version made has no record of the upgrades.
    await raw.db(loadConfig().mongodbDb).collection(UPGRADES).drop();
    await test(store, raw, dir);
  } finally {
    await raw.close();
    await store.close();
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

describe("schema upgrade", () => {
  it("turns goals that chose push (accepted once, never delivered) into none, so that they meet the validator", () =>
    withEarlierDocuments(async (store, raw) => {
      const goals = (id: number, channel: string) => ({ _id: id, user_id: id, goal_type: "stay_active", target_workouts_per_week: 3, preferred_activities: [], notifications: { channel, time_zone: "UTC" }, created_at: new Date(), updated_at: new Date() });
      // As an earlier version stored them: the validator of the time allowed push.
      await raw.db(loadConfig().mongodbDb).command({ insert: "user_goals", documents: [goals(1, "push"), goals(2, "sms")], bypassDocumentValidation: true });
      await expect(store.collection("user_goals").insertMany([goals(3, "push")])).rejects.toMatchObject({ code: 121 });
      await store.ensureSchema();
      const channels = (await store.collection("user_goals").find({}, { sort: { _id: 1 } })).map((g) => (g.notifications as { channel: string }).channel);
      expect(channels).toEqual(["none", "sms"]);
    }));

  it("gives workouts stored without a zone their state's zone (else the default), and marks them changed for the ETL", () =>
    withEarlierDocuments(async (store, raw) => {
      const long = new Date("2025-01-01T00:00:00Z");
      const workout = (id: number, state: string | null, extra = {}) => ({ _id: id, user_id: 1, activity_type: "running", started_at: long, duration_min: 30, city: null, state, created_at: long, updated_at: long, ...extra });
      // As an earlier version stored them: true UTC instants, with no zone.
      await raw.db(loadConfig().mongodbDb).command({
        insert: "activity_logs",
        documents: [workout(1, "CO"), workout(2, "HI"), workout(3, null), workout(4, "CO", { time_zone: "Europe/Lisbon" })],
        bypassDocumentValidation: true,
      });
      await expect(store.collection("activity_logs").insertMany([workout(5, "CO")])).rejects.toMatchObject({ code: 121 });
      await store.ensureSchema();
      const after = await store.collection("activity_logs").find({}, { sort: { _id: 1 } });
      expect(after.map((w) => w.time_zone)).toEqual(["America/Denver", "Pacific/Honolulu", "America/New_York", "Europe/Lisbon"]);
      expect(after.map((w) => (w.updated_at as Date) > long)).toEqual([true, true, true, false]);
    }));

  it("runs each upgrade once, and none on a collection it creates: a later start reads no documents for them", () =>
    withEarlierDocuments(async (store, raw, dir) => {
      const long = new Date("2025-01-01T00:00:00Z");
      const db = raw.db(loadConfig().mongodbDb);
      const zoneless = (id: number) => ({ _id: id, user_id: 1, activity_type: "running", started_at: long, duration_min: 30, city: null, state: "CO", created_at: long, updated_at: long });
      await db.command({ insert: "activity_logs", documents: [zoneless(1)], bypassDocumentValidation: true });
      await store.ensureSchema();
      expect((await store.collection("activity_logs").findOne({ _id: 1 }))?.time_zone).toBe("America/Denver");
      // Written past the validator after the upgrade ran: a second start leaves it, as it leaves every workout unread.
      await db.command({ insert: "activity_logs", documents: [zoneless(2)], bypassDocumentValidation: true });
      await store.ensureSchema();
      expect((await store.collection("activity_logs").findOne({ _id: 2 }))?.time_zone).toBeUndefined();
      expect(await db.collection(UPGRADES).countDocuments()).toBeGreaterThan(1);

      // A database whose collections this code creates records the upgrades as done, without running them.
      const fresh = raw.db(`${loadConfig().mongodbDb}_fresh`);
      const other = await openDocumentStore(loadConfig({ dataDir: dir, mongodbUri: undefined, mongodbDb: fresh.databaseName }));
      try {
        await other.ensureSchema();
        await fresh.command({ insert: "activity_logs", documents: [zoneless(3)], bypassDocumentValidation: true });
        await other.ensureSchema();
        expect((await other.collection("activity_logs").findOne({ _id: 3 }))?.time_zone).toBeUndefined();
      } finally {
        await other.close();
      }
    }));
});

describe("the local service killed under a client", () => {
  it("fails a write made in the turn its connection closes (a 503 to the app), instead of waiting forever", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nike-docs-"));
    const service = await runLocalService(dir, { idleMs: 0 });
    // The driver's sockets to the service, to write at the very moment each one is done with.
    const sockets: Socket[] = [];
    const created = (message: unknown) => {
      const { socket } = message as { socket: Socket };
      socket.once("connect", () => socket.remotePort === service.record.mongoPort && sockets.push(socket));
    };
    subscribe("net.client.socket", created);
    // As the server's store: the local service, looked up again (here: not found) when it cannot be selected.
    const store = await openMongoStore(mongoUriOf(service.record), "nike_killed", { location: "test service", locate: () => Promise.reject(new Error("no service")) });
    try {
      const goals = store.collection("user_goals");
      await goals.insertMany([{ _id: 1, user_id: 1 }]); // leaves its connection in the pool
      // A killed process's connections end with a FIN: stopping the service ends them the same way. Node destroys
      // a socket so ended a turn before it says "close"; a write issued as it finishes (the poll phase, as a request
      // arriving then would) is flushed by the insert batcher in that turn. The old code wrote it to the destroyed
      // socket, and the driver waited for a "drain" that never came; now the end is an error, and the socket does
      // not finish: the write is issued when it closes.
      const writes: Array<Promise<unknown>> = [];
      for (const socket of sockets) {
        let issued = false;
        for (const event of ["finish", "close"]) {
          socket.once(event, () => {
            if (issued) return;
            issued = true;
            writes.push(goals.insertMany([{ _id: 2 + writes.length, user_id: 1 }]).then(() => "stored", (error: unknown) => error));
          });
        }
      }
      expect(sockets.length).toBeGreaterThan(0);
      await service.stop();
      await vi.waitFor(() => expect(writes).toHaveLength(sockets.length));
      // A limit to catch the hang, not a measure: each write fails within seconds (refused, or not selected in 5 s).
      let limit: NodeJS.Timeout | undefined;
      const outcomes = await Promise.race([Promise.all(writes), new Promise((resolve) => (limit = setTimeout(resolve, 60_000, "still waiting after 60 s")))]);
      clearTimeout(limit);
      expect(outcomes).not.toBe("still waiting after 60 s");
      for (const outcome of outcomes as unknown[]) expect(isStoreUnavailable(outcome), String(outcome)).toBe(true);
    } finally {
      unsubscribe("net.client.socket", created);
      await store.close();
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
