/** Graceful shutdown: requests in flight when the server is told to stop still get their answers; new ones are refused. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../test-support/world.ts";
import { loadedWorld } from "../test-support/published-world.ts";
import type { Running } from "./serve.ts";
import { client, startTestServer } from "../test-support/server.ts";

let world: World;
let server: Running;

beforeAll(async () => {
  world = await loadedWorld(41);
  server = await startTestServer(world.config, join(world.dataDir, "site"));
});
afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

describe("graceful shutdown", () => {
  it("drains in-flight requests, then refuses new ones and closes the stores", async () => {
    const http = client(server.url);
    const body = { name: "Drain Test", email: "drain@example.com", password: "drain password 1", date_of_birth: "1990-01-01", city: "Denver", region: "CO", shopping_preference: "Both", consent: { email: false, sms: false } };
    expect((await http("POST", "/v1/users", { body })).status).toBe(202);
    const { token } = (await http("POST", "/v1/sessions", { body: { email: body.email, password: body.password } })).body;
    expect((await http("GET", "/v1/me/inspiration", { token })).status).toBe(200);
    // The five logins are held inside the server (at their attempt-limit check) until close() has
    // started, so they are in flight however slow the machine: reaching the server is not left to a timer.
    const limits = server.ctx.limits;
    const reserveLogin = limits.reserveLogin.bind(limits);
    let arrived = 0;
    let allArrived!: () => void;
    const arrivedAll = new Promise<void>((r) => (allArrived = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    limits.reserveLogin = async (...args) => {
      if (++arrived === 5) allArrived();
      await released;
      return reserveLogin(...args);
    };
    // Five: the most one account may have checked at once from one source.
    const answered: number[] = [];
    const inFlight = Array.from({ length: 5 }, () =>
      http("POST", "/v1/sessions", { body: { email: body.email, password: body.password } }).then((r) => {
        answered.push(Date.now());
        return r;
      }),
    );
    await arrivedAll;
    let closedAt = 0;
    const closing = server.close().then(() => (closedAt = Date.now()));
    await new Promise((r) => setTimeout(r, 20));
    expect(closedAt).toBe(0);
    release();
    const replies = await Promise.all(inFlight);
    expect(replies.map((r) => r.status)).toEqual(Array(5).fill(201));
    await closing;
    expect(Math.max(...answered)).toBeLessThanOrEqual(closedAt);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});
