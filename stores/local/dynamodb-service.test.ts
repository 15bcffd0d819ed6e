import { spawn } from "node:child_process";
import { createHash, randomInt } from "node:crypto";
import { createServer } from "node:net";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { SESSIONS_TABLE_SPEC } from "../sessions.ts";
import { startDynamoDbService, type DynamoDbService } from "./dynamodb-service.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const TABLE = SESSIONS_TABLE_SPEC.TableName;
const DAYS = ["2024-05-01", "2024-05-02", "2024-05-03"];

/**
 * LevelDB tables are Snappy-compressed, so a value is not always stored as its bytes: a run that
 * repeats 4 bytes seen before in the block is stored as a copy. Markers are drawn from letters that
 * appear nowhere else in the data (keys are lower-case hex, JSON type tags are S/N/M/L/B) and share
 * no 4 letters in a row with each other, so that a copy can cover at most their first or last 3
 * letters: the `core` of a marker is stored literally wherever the marker is (in each block).
 */
const RARE = "CDFGHJKPQRVWXY";
const grams = new Set<string>();
function rare(): string {
  for (;;) {
    const marker = Array.from({ length: 16 }, () => RARE[randomInt(RARE.length)]).join("");
    const own = Array.from({ length: 13 }, (_, i) => marker.slice(i, i + 4));
    if (new Set(own).size < own.length || own.some((g) => grams.has(g))) continue;
    for (const g of own) grams.add(g);
    return marker;
  }
}
const core = (marker: string) => marker.slice(-13, -3);
const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");

type Session = { token_hash: string; user_id: number; platform: string; started_at: string; last_seen_at: string; seen_day: string; expires_at: number };
const session = (i: number, extra: Partial<Session> = {}): Session => ({
  token_hash: `token-${i}`,
  user_id: i % 40,
  platform: ["ios", "android", "web"][i % 3],
  started_at: new Date(Date.UTC(2024, 4, 1) + i * 60_000).toISOString(),
  last_seen_at: new Date(Date.UTC(2024, 4, 1) + i * 90_000).toISOString(),
  seen_day: DAYS[i % DAYS.length],
  expires_at: 2_000_000_000,
  ...extra,
});

/** Files under `dir` whose bytes contain `needle`. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  const hits: string[] = [];
  for (const entry of names) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) hits.push(path.slice(dir.length + 1));
  }
  return hits;
}

let dir: string;
let service: DynamoDbService;
let client: DynamoDBClient;
let docs: DynamoDBDocumentClient;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dynamodb-service-"));
  service = await startDynamoDbService(dir);
  client = new DynamoDBClient({ endpoint: service.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  docs = DynamoDBDocumentClient.from(client);
  await client.send(new CreateTableCommand(SESSIONS_TABLE_SPEC));
  // dynalite makes a new table ACTIVE on a timer, just after answering.
  while ((await client.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableStatus !== "ACTIVE") await new Promise((r) => setTimeout(r, 5));
});

afterEach(async () => {
  client.destroy();
  await service.close();
  await rm(dir, { recursive: true, force: true });
});

async function putAll(sessions: Session[]) {
  for (let i = 0; i < sessions.length; i += 25) {
    await docs.send(new BatchWriteCommand({ RequestItems: { [TABLE]: sessions.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

/** ~200 sessions, one of them marked to be erased and one to be kept; the marked one is updated once. */
async function seed(extra: Partial<Session> = {}) {
  const erase = { token: `erase-me-${rare()}`, platform: rare(), updated: rare() };
  const keep = { token: `keep-me-${rare()}`, platform: rare() };
  await putAll(Array.from({ length: 200 }, (_, i) => session(i)));
  await docs.send(new PutCommand({ TableName: TABLE, Item: session(1000, { token_hash: erase.token, platform: erase.platform, ...extra }) }));
  await docs.send(new PutCommand({ TableName: TABLE, Item: session(1001, { token_hash: keep.token, platform: keep.platform }) }));
  await docs.send(new UpdateCommand({ TableName: TABLE, Key: { token_hash: erase.token }, UpdateExpression: "SET platform = :p, last_seen_at = :t", ExpressionAttributeValues: { ":p": erase.updated, ":t": "2024-05-09T10:00:00.000Z" } }));
  return { erase, keep };
}

async function expectErased(erase: { token: string; platform: string; updated: string }, keep: { token: string; platform: string }) {
  for (const marker of [erase.token, erase.platform, erase.updated]) expect(await filesHolding(dir, core(marker))).toEqual([]);
  // Keys hold string values hex-encoded; literal in the logs and the MANIFEST, not always in tables.
  expect(await filesHolding(dir, hex(erase.token))).toEqual([]);
  // The search would find it: the kept session's values are still in the files.
  expect(await filesHolding(dir, core(keep.token))).not.toEqual([]);
  expect(await filesHolding(dir, core(keep.platform))).not.toEqual([]);
}

describe("startDynamoDbService", () => {
  it("answers a DeleteItem once the item's values, old versions and index copies are gone from the files", async () => {
    const { erase, keep } = await seed();
    expect(await filesHolding(dir, core(erase.platform))).not.toEqual([]);
    // Reads that stop at their Limit must not keep a snapshot of the item alive.
    await docs.send(new ScanCommand({ TableName: TABLE, Limit: 5 }));
    await docs.send(new QueryCommand({ TableName: TABLE, IndexName: "by_user", KeyConditionExpression: "user_id = :u", ExpressionAttributeValues: { ":u": 1000 % 40 }, Limit: 1 }));

    await docs.send(new DeleteCommand({ TableName: TABLE, Key: { token_hash: erase.token } }));

    await expectErased(erase, keep);
    expect((await docs.send(new GetCommand({ TableName: TABLE, Key: { token_hash: erase.token } }))).Item).toBeUndefined();
    expect((await docs.send(new GetCommand({ TableName: TABLE, Key: { token_hash: keep.token } }))).Item?.platform).toBe(keep.platform);
    const scanned = await docs.send(new ScanCommand({ TableName: TABLE }));
    expect(scanned.Items).toHaveLength(201);
  });

  it("answers a BatchWriteItem with DeleteRequests once the deleted items are gone from the files", async () => {
    const { erase, keep } = await seed();
    const other = { token: `erase-me-${rare()}`, platform: rare() };
    await docs.send(new PutCommand({ TableName: TABLE, Item: session(1002, { token_hash: other.token, platform: other.platform }) }));

    await docs.send(
      new BatchWriteCommand({
        RequestItems: {
          [TABLE]: [
            { DeleteRequest: { Key: { token_hash: erase.token } } },
            { DeleteRequest: { Key: { token_hash: other.token } } },
            { PutRequest: { Item: session(1003) } },
          ],
        },
      }),
    );

    await expectErased(erase, keep);
    expect(await filesHolding(dir, core(other.platform))).toEqual([]);
    expect((await docs.send(new GetCommand({ TableName: TABLE, Key: { token_hash: "token-1003" } }))).Item).toBeDefined();
  });

  it("rewrites the files' index of keys, where a deleted key at a table's edge would stay", async () => {
    // dynalite orders index keys by an MD5 prefix of the hash key: choose a day whose prefix sorts
    // before the other days', so that the item's by_seen_day key is the first key in the database.
    const prefix = (day: string) => createHash("md5").update("Outliers").update(day).digest("hex").slice(0, 6);
    const first = DAYS.map(prefix).sort()[0];
    const base = rare();
    let day = base;
    for (let i = 0; prefix(day) >= first; i++) day = `${base}-${i}`;
    const { erase, keep } = await seed({ seen_day: day });
    await docs.send(new DeleteCommand({ TableName: TABLE, Key: { token_hash: "token-7" } }));
    expect((await filesHolding(dir, hex(day))).some((file) => file.startsWith("MANIFEST-"))).toBe(true);

    await docs.send(new DeleteCommand({ TableName: TABLE, Key: { token_hash: erase.token } }));

    await expectErased(erase, keep);
    expect(await filesHolding(dir, core(base))).toEqual([]);
    expect(await filesHolding(dir, hex(day))).toEqual([]);
  });

  it("completes concurrent deletes, erasing every item", async () => {
    const kept = rare();
    await putAll(Array.from({ length: 200 }, (_, i) => session(i, i === 100 ? { platform: kept } : {})));
    const marked = Array.from({ length: 20 }, (_, i) => session(2000 + i, { token_hash: `erase-me-${rare()}`, platform: rare() }));
    await putAll(marked);

    await Promise.all(marked.map((s) => docs.send(new DeleteCommand({ TableName: TABLE, Key: { token_hash: s.token_hash } }))));

    for (const s of marked) {
      expect(await filesHolding(dir, core(s.platform))).toEqual([]);
      expect((await docs.send(new GetCommand({ TableName: TABLE, Key: { token_hash: s.token_hash } }))).Item).toBeUndefined();
    }
    expect(await filesHolding(dir, core(kept))).not.toEqual([]);
  });

  it("answers from a thread of its own while the thread that started it is busy", async () => {
    // Another process asks for the table over and over, printing when each answer came.
    const script = `const url = ${JSON.stringify(service.endpoint)};
      const body = JSON.stringify({ TableName: ${JSON.stringify(TABLE)} });
      const headers = { "content-type": "application/x-amz-json-1.0", "x-amz-date": "20240501T000000Z", "x-amz-target": "DynamoDB_20120810.DescribeTable", authorization: "AWS4-HMAC-SHA256 Credential=test/20240501/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0" };
      for (;;) { const res = await fetch(url, { method: "POST", headers, body }); if (!res.ok) throw new Error(await res.text()); await res.text(); console.log(Date.now()); }`;
    const asker = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const answers: number[] = [];
    asker.stdout.setEncoding("utf8").on("data", (chunk: string) => answers.push(...chunk.split("\n").filter(Boolean).map(Number)));
    try {
      await expect.poll(() => answers.length, { timeout: 20_000 }).toBeGreaterThan(5);
      const start = Date.now();
      while (Date.now() - start < 1500); // this thread, which started the service, does not turn its event loop
      const end = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answers.filter((at) => at > start + 200 && at < end).length).toBeGreaterThan(10);
    } finally {
      asker.kill();
    }
  });

  it("keeps every item and its index copies when clients write, update and read at once", async () => {
    const other = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: service.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } }));
    const all = Array.from({ length: 1000 }, (_, i) => session(i));
    const batches = Array.from({ length: 40 }, (_, b) => all.slice(b * 25, (b + 1) * 25));
    // Sessions 0–99 are written first, then moved to another day while the rest are being written and read.
    await Promise.all(batches.slice(0, 4).map((items) => docs.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }))));
    const reads = await Promise.all([
      ...batches.slice(4).map((items, b) => (b % 2 ? other : docs).send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }))),
      ...all.slice(0, 100).map((s, i) =>
        (i % 2 ? other : docs).send(new UpdateCommand({ TableName: TABLE, Key: { token_hash: s.token_hash }, UpdateExpression: "SET seen_day = :d", ExpressionAttributeValues: { ":d": "2024-06-01" } })),
      ),
      ...all.slice(0, 100).map((s) => other.send(new GetCommand({ TableName: TABLE, Key: { token_hash: s.token_hash } }))),
    ]);
    other.destroy();
    expect(reads.slice(-100).map((r) => (r as { Item?: Session }).Item?.token_hash)).toEqual(all.slice(0, 100).map((s) => s.token_hash));

    const query = async (index: string, key: string, value: unknown) => {
      const items: Session[] = [];
      for (let start: Record<string, unknown> | undefined, first = true; first || start; first = false) {
        const out = await docs.send(new QueryCommand({ TableName: TABLE, IndexName: index, KeyConditionExpression: `${key} = :v`, ExpressionAttributeValues: { ":v": value }, ExclusiveStartKey: start }));
        items.push(...((out.Items ?? []) as Session[]));
        start = out.LastEvaluatedKey;
      }
      return items.map((s) => s.token_hash).sort();
    };
    const tokens = (list: Session[]) => list.map((s) => s.token_hash).sort();
    expect(await query("by_seen_day", "seen_day", "2024-06-01")).toEqual(tokens(all.slice(0, 100)));
    for (const [d, day] of DAYS.entries()) expect(await query("by_seen_day", "seen_day", day)).toEqual(tokens(all.filter((_, i) => i >= 100 && i % DAYS.length === d)));
    for (const user of [0, 7, 39]) expect(await query("by_user", "user_id", user)).toEqual(tokens(all.filter((s) => s.user_id === user)));
  });

  it("writes a batch of puts whole or not at all, and a replaced item's index copies move with it", async () => {
    const batch = (items: Array<Record<string, unknown>>, table = TABLE) => docs.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    const count = async () => (await docs.send(new ScanCommand({ TableName: TABLE, Select: "COUNT" }))).Count;
    const { token_hash: _, ...keyless } = session(3);
    await expect(batch([session(1), session(2), keyless])).rejects.toMatchObject({ name: "ValidationException", message: "The provided key element does not match the schema" });
    await expect(batch([session(1), { ...session(2), user_id: "seven" }])).rejects.toMatchObject({ name: "ValidationException", message: expect.stringContaining("Type mismatch for Index Key user_id") });
    await expect(batch([session(1), session(2), session(1)])).rejects.toMatchObject({ name: "ValidationException", message: "Provided list of item keys contains duplicates" });
    await expect(batch([session(1)], "no_such_table")).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    expect(await count()).toBe(0);

    await batch([session(1), session(2)]);
    await batch([session(1, { seen_day: "2024-06-01", user_id: 99 }), session(2)]);
    const query = async (index: string, condition: string, value: unknown) =>
      ((await docs.send(new QueryCommand({ TableName: TABLE, IndexName: index, KeyConditionExpression: condition, ExpressionAttributeValues: { ":v": value } }))).Items ?? []).map((i) => i.token_hash);
    expect(await query("by_seen_day", "seen_day = :v", "2024-06-01")).toEqual(["token-1"]);
    expect(await query("by_seen_day", "seen_day = :v", DAYS[1])).toEqual([]);
    expect(await query("by_user", "user_id = :v", 99)).toEqual(["token-1"]);
    expect(await query("by_user", "user_id = :v", 1)).toEqual([]);
    expect(await query("by_user", "user_id = :v", 2)).toEqual(["token-2"]);
    expect(await count()).toBe(2);
  });

  it("counts open client connections", async () => {
    await docs.send(new GetCommand({ TableName: TABLE, Key: { token_hash: "token-1" } }));
    expect(service.openConnections()).toBeGreaterThan(0);
    client.destroy();
    await expect.poll(() => service.openConnections()).toBe(0);
  });

  it("keeps the data over a restart on the same folder", async () => {
    await putAll(Array.from({ length: 50 }, (_, i) => session(i)));
    await docs.send(new DeleteCommand({ TableName: TABLE, Key: { token_hash: "token-3" } }));
    await docs.send(new PutCommand({ TableName: TABLE, Item: session(60) }));
    client.destroy();
    await service.close();

    service = await startDynamoDbService(dir);
    client = new DynamoDBClient({ endpoint: service.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    docs = DynamoDBDocumentClient.from(client);
    const scanned = await docs.send(new ScanCommand({ TableName: TABLE }));
    expect(scanned.Items?.map((s) => s.token_hash).sort()).toEqual([...Array.from({ length: 50 }, (_, i) => `token-${i}`).filter((t) => t !== "token-3"), "token-60"].sort());
  });

  it("refuses a folder that another service holds, and the holder keeps serving", async () => {
    await expect(startDynamoDbService(dir)).rejects.toThrow();
    expect((await docs.send(new ScanCommand({ TableName: TABLE }))).Count).toBe(0);
  });

  it("fails with EADDRINUSE on a taken port and leaves the folder free for another start", async () => {
    client.destroy();
    await service.close();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startDynamoDbService(dir, port)).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      blocker.close();
    }
    service = await startDynamoDbService(dir);
    client = new DynamoDBClient({ endpoint: service.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    docs = DynamoDBDocumentClient.from(client);
    expect((await docs.send(new ScanCommand({ TableName: TABLE }))).Count).toBe(0);
  });
});
