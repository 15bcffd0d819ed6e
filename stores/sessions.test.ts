import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../lib/config.ts";
import { isStoreUnavailable } from "../lib/errors.ts";
import { stopLocalService } from "./local/locate.ts";
import { openSessionStore, type Session, type SessionStore } from "./sessions.ts";

const now = Math.floor(Date.now() / 1000);
const session = (n: number, user: number, expiresIn = 3600): Session => ({
  token_hash: `hash-${n.toString().padStart(4, "0")}`, user_id: user, device_id: 1, platform: "iOS",
  started_at: new Date((now - 100 + n) * 1000).toISOString(), last_seen_at: new Date(now * 1000).toISOString(), duration_s: 60, expires_at: now + expiresIn,
});

// Embedded (the local service, started by the store as any client would) always; a real DynamoDB (or DynamoDB Local) too when DYNAMODB_ENDPOINT is set.
const backends: Array<[string, { dynamodbEndpoint?: string }]> = [["embedded", {}]];
if (process.env.DYNAMODB_ENDPOINT) backends.push(["dynamodb", { dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT }]);

describe.each(backends)("sessions store contract (%s)", (_name, overrides) => {
  let dir: string;
  let store: SessionStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nike-sessions-"));
    store = await openSessionStore(loadConfig({ dataDir: dir, ...overrides }));
    await store.ensureTable();
    await store.ensureTable();
  });
  afterAll(async () => {
    await store.close();
    await stopLocalService(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it("writes in batches (over the 25-item limit) and reads back by token and by user", async () => {
    const sessions = Array.from({ length: 60 }, (_, i) => session(i, 100 + (i % 3)));
    expect(await store.putMany(sessions)).toBe(60);
    expect(await store.get("hash-0007")).toMatchObject({ user_id: 101, platform: "iOS" });
    const mine = await store.byUser(102);
    expect(mine).toHaveLength(20);
    expect(mine.every((s) => s.user_id === 102)).toBe(true);
    let scanned = 0;
    for await (const page of store.scan()) scanned += page.filter((s) => s.token_hash.startsWith("hash-")).length;
    expect(scanned).toBe(60);
  });

  it("treats an expired session as absent", async () => {
    await store.put(session(500, 7, -10));
    expect(await store.get("hash-0500")).toBeNull();
    expect(await store.get("hash-0500", new Date((now - 3600) * 1000))).toMatchObject({ user_id: 7 });
  });

  it("deletes a session", async () => {
    await store.put(session(600, 8));
    await store.delete("hash-0600");
    expect(await store.get("hash-0600")).toBeNull();
  });

  it("answers a ping", async () => {
    expect(await store.ping()).toMatch(/sessions/);
  });
});

describe("sessions store against a DynamoDB that never answers", () => {
  it("fails each call as the store unreachable after DYNAMODB_TIMEOUT (per attempt), instead of hanging its caller", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const credentials = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const store = await openSessionStore({ ...loadConfig(), dynamodbEndpoint: endpoint, dynamodbTimeoutMs: 300 });
    try {
      const started = performance.now();
      // The limit only catches a hang: three attempts of 300 ms each, with the SDK's back-off between them.
      const outcome = await Promise.race([store.get("hash-0001").then(() => "answered", (error: unknown) => error), new Promise((r) => setTimeout(() => r("still waiting after 30 s"), 30_000))]);
      expect(outcome).toBeInstanceOf(Error);
      expect(isStoreUnavailable(outcome)).toBe(true);
      expect(sockets.length).toBeGreaterThanOrEqual(1);
      expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
      for (const [k, v] of Object.entries(credentials)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});
