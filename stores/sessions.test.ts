import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../lib/config.ts";
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
