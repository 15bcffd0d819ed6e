import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { MongoClient, MongoServerError, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mongoUriOf } from "./locate.ts";
import { runLocalService, type LocalService } from "./service.ts";

// The wire protocol as the official driver speaks it: handshake, cursors, writes, errors, management.
describe("local document service through the official driver", () => {
  let dir: string;
  let service: LocalService;
  let client: MongoClient;
  let db: Db;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nike-wire-"));
    service = await runLocalService(dir, { idleMs: 0 });
    client = await new MongoClient(mongoUriOf(service.record)).connect();
    db = client.db("wire");
  });
  afterAll(async () => {
    await client.close();
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers the handshake and probes as a MongoDB 7.0 standalone, and 59 to an unknown command", async () => {
    expect((await db.admin().command({ buildInfo: 1 })).version).toMatch(/^7\.0\.\d+$/);
    expect(await db.admin().command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(await db.command({ hello: 1 })).toMatchObject({ isWritablePrimary: true, maxWireVersion: 21 });
    await expect(db.command({ noSuchCommand: 1 })).rejects.toMatchObject({ code: 59, codeName: "CommandNotFound" });
  });

  it("creates a collection with a $jsonSchema validator, changes it with collMod, and manages indexes", async () => {
    await db.createCollection("people", { validator: { $jsonSchema: { bsonType: "object", required: ["name"] } } });
    await expect(db.createCollection("people")).rejects.toMatchObject({ code: 48 });
    await expect(db.collection("people").insertOne({ age: 3 })).rejects.toMatchObject({ code: 121 });
    await db.command({ collMod: "people", validator: { $jsonSchema: { bsonType: "object", required: ["age"] } } });
    await db.collection("people").insertOne({ age: 3 });
    await db.collection("people").createIndex({ email: 1 }, { unique: true, name: "email_1" });
    expect((await db.collection("people").listIndexes().toArray()).map((i) => i.name)).toEqual(["_id_", "email_1"]);
    await db.collection("people").insertOne({ age: 4, email: "a@x" });
    const dup = await db.collection("people").insertOne({ age: 5, email: "a@x" }).catch((e: MongoServerError) => e);
    expect(dup).toMatchObject({ code: 11000, keyValue: { email: "a@x" } });
    expect((dup as Error).message).toMatch(/^E11000 duplicate key error collection: wire\.people index: email_1/);
    expect((await db.listCollections({ name: "people" }).toArray())[0]).toMatchObject({ name: "people", type: "collection" });
    await db.collection("people").dropIndex("email_1");
    await expect(db.collection("people").dropIndex("email_1")).rejects.toMatchObject({ code: 27 });
    expect(await db.collection("people").drop()).toBe(true);
    expect(await db.collection("people").drop()).toBe(false);
  });

  it("finds with filter, sort, projection, skip, limit and batch sizes, across getMore, and kills a cursor closed early", async () => {
    const c = db.collection("numbers");
    await c.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: i as never, n: i, odd: i % 2 === 1, tags: ["a", i % 3 ? "b" : "c"] })));
    const page = await c.find({ odd: true }, { sort: { n: -1 }, skip: 2, limit: 3, projection: { n: 1, _id: 0 } }).toArray();
    expect(page).toEqual([{ n: 995 }, { n: 993 }, { n: 991 }]);
    let seen = 0;
    for await (const _ of c.find({}, { batchSize: 7 })) seen++;
    expect(seen).toBe(1000);
    const cursor = c.find({}, { batchSize: 10 });
    await cursor.next();
    await cursor.close();
    expect(await c.countDocuments({ n: { $gte: 500 } })).toBe(500);
    expect((await c.find({ n: { $in: [1, 2, 999, 5000] }, odd: true }).toArray()).map((d) => d.n)).toEqual([1, 999]);
    expect(await c.countDocuments({ tags: "c" })).toBe(334);
    expect(await c.estimatedDocumentCount()).toBe(1000);
    expect((await c.distinct("tags")).sort()).toEqual(["a", "b", "c"]);
    const evens = Array.from({ length: 500 }, (_, i) => 2 * i);
    const expected = [0, 1, 2].map((r) => {
      const members = evens.filter((n) => n % 3 === r);
      return { _id: r, n: members.length, mean: members.reduce((a, b) => a + b, 0) / members.length };
    });
    expect(await c.aggregate([{ $match: { odd: false } }, { $group: { _id: { $mod: ["$n", 3] }, n: { $sum: 1 }, mean: { $avg: "$n" } } }, { $sort: { _id: 1 } }]).toArray()).toEqual(expected);
  });

  it("reads each cursor's next batch ahead, yet answers each getMore exactly: other batch sizes, a limit, a kill", async () => {
    await db.collection("ahead").insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i as never, n: i })));
    // Long enough for the service to have read the next batch ahead between the commands.
    const readAhead = () => new Promise((resolve) => setTimeout(resolve, 50));
    const first = await db.command({ find: "ahead", filter: {}, batchSize: 10 });
    const seen: number[][] = [first.cursor.firstBatch.map((d: { n: number }) => d.n)];
    let id = first.cursor.id;
    for (const batchSize of [3, 25, 10, undefined]) {
      await readAhead();
      const more = await db.command({ getMore: id, collection: "ahead", ...(batchSize ? { batchSize } : {}) });
      seen.push(more.cursor.nextBatch.map((d: { n: number }) => d.n));
      id = more.cursor.id;
    }
    expect(seen.map((batch) => batch.length)).toEqual([10, 3, 25, 10, 52]);
    expect(seen.flat()).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Number(id)).toBe(0);

    const limited = await db.command({ find: "ahead", filter: { n: { $gte: 50 } }, limit: 15, batchSize: 10 });
    await readAhead();
    const rest = await db.command({ getMore: limited.cursor.id, collection: "ahead", batchSize: 10 });
    expect(rest.cursor.nextBatch.map((d: { n: number }) => d.n)).toEqual([60, 61, 62, 63, 64]);
    expect(Number(rest.cursor.id)).toBe(0);

    const killed = await db.command({ find: "ahead", filter: {}, batchSize: 10 });
    await readAhead();
    expect((await db.command({ killCursors: "ahead", cursors: [killed.cursor.id] })).cursorsKilled.map(Number)).toEqual([Number(killed.cursor.id)]);
    await expect(db.command({ getMore: killed.cursor.id, collection: "ahead" })).rejects.toMatchObject({ code: 43 });
  });

  it("reads ahead for many cursors at once: two clients streaming the same collection while a third writes each get every document once", async () => {
    const other = await new MongoClient(mongoUriOf(service.record)).connect();
    try {
      await db.collection("streams").insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: i as never, n: i })));
      const stream = async (d: Db) => {
        const seen: number[] = [];
        for await (const doc of d.collection("streams").find({}, { batchSize: 7 })) seen.push(doc.n as number);
        return seen;
      };
      const writes = Promise.all(Array.from({ length: 20 }, (_, i) => other.db("wire").collection("stream_writes").insertOne({ i })));
      const [a, b, c, d] = await Promise.all([stream(db), stream(other.db("wire")), stream(db), stream(other.db("wire")), writes]);
      for (const seen of [a, b, c, d]) expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(await db.collection("stream_writes").countDocuments()).toBe(20);
    } finally {
      await other.close();
    }
  });

  it("updates with upsert, multi and arrayFilters, deletes one or many, and finds and modifies", async () => {
    const c = db.collection("goals");
    expect((await c.updateOne({ _id: 1 as never }, { $set: { target: 3 }, $setOnInsert: { created: true } }, { upsert: true })).upsertedId).toBe(1);
    await c.insertMany([{ _id: 2 as never, target: 1, days: [1, 5, 9] }, { _id: 3 as never, target: 1, days: [2, 6] }]);
    expect(await c.updateMany({ target: 1 }, { $inc: { target: 1 } })).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    await c.updateOne({ _id: 2 as never }, { $set: { "days.$[d]": 0 } }, { arrayFilters: [{ d: { $gte: 5 } }] });
    expect(await c.findOne({ _id: 2 as never })).toEqual({ _id: 2, target: 2, days: [1, 0, 0] });
    expect(await c.findOneAndUpdate({ _id: 3 as never }, { $push: { days: 7 } } as never, { returnDocument: "after" })).toMatchObject({ days: [2, 6, 7] });
    expect(await c.findOneAndDelete({ _id: 1 as never })).toMatchObject({ target: 3, created: true });
    expect((await c.deleteOne({ target: 2 })).deletedCount).toBe(1);
    expect((await c.deleteMany({})).deletedCount).toBe(1);
  });

  it("takes a burst of concurrent writes from two clients and loses none", async () => {
    const other = await new MongoClient(mongoUriOf(service.record)).connect();
    try {
      const writes = Array.from({ length: 400 }, (_, i) => (i % 2 ? client : other).db("wire").collection("burst").insertOne({ _id: i as never, at: new Date() }));
      await Promise.all(writes);
      expect(await db.collection("burst").countDocuments()).toBe(400);
    } finally {
      await other.close();
    }
  });

  it("can be browsed, queried and aggregated with mongosh, a second independent client", async () => {
    const mongosh = join(import.meta.dirname, "../../node_modules/.bin/mongosh");
    const uri = mongoUriOf(service.record).replace("/?", "/shell?");
    const script = `
      db.walks.insertMany([{ _id: 1, km: 3, city: "Denver" }, { _id: 2, km: 5, city: "Boulder" }, { _id: 3, km: 4, city: "Denver" }]);
      print(JSON.stringify(db.walks.find({ city: "Denver" }, { _id: 0, km: 1 }).sort({ km: -1 }).toArray()));
      print(JSON.stringify(db.walks.aggregate([{ $group: { _id: "$city", km: { $sum: "$km" } } }, { $sort: { _id: 1 } }]).toArray()));
      print(db.getCollectionNames().join(","));
      try { db.walks.insertOne({ _id: 1 }); } catch (e) { print("error " + e.code); }`;
    const home = await mkdtemp(join(tmpdir(), "nike-mongosh-"));
    try {
      const run = (...args: string[]) => promisify(execFile)(mongosh, args, { env: { ...process.env, HOME: home }, timeout: 60_000 });
      const { stdout } = await run("--quiet", uri, "--eval", script);
      expect(stdout.trim().split("\n")).toEqual(['[{"km":4},{"km":3}]', '[{"_id":"Boulder","km":5},{"_id":"Denver","km":7}]', "walks", "error 11000"]);
      // Without --quiet, mongosh also runs its start-up probes (buildInfo, getParameter, getLog, the Atlas checks).
      const full = await run(uri, "--eval", "print(db.version(), db.hello().isWritablePrimary, db.walks.countDocuments())");
      expect(full.stdout.trim()).toBe("7.0.0 true 3");
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 90_000);

  it("answers a malformed frame with an error and closes only that connection", async () => {
    const socket = connect(service.record.mongoPort, "127.0.0.1");
    const frame = Buffer.alloc(21);
    frame.writeInt32LE(21, 0);
    frame.writeInt32LE(2013, 12);
    frame[20] = 9; // an unknown section kind
    socket.write(frame);
    let reply = Buffer.alloc(0);
    socket.on("data", (d: Buffer) => (reply = Buffer.concat([reply, d])));
    const closed = await new Promise<boolean>((resolve) => socket.on("close", () => resolve(true)).on("error", () => resolve(true)));
    expect(closed).toBe(true);
    expect(reply.readInt32LE(12)).toBe(2013);
    expect(reply.toString("latin1")).toContain("Unknown section kind");
    expect(await db.admin().command({ ping: 1 })).toMatchObject({ ok: 1 });
  });
});
