/** Slow and greedy clients: sockets that trickle headers or bodies are closed, and one address cannot hold every connection. */
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, type World } from "../test-support/world.ts";
import { startServer, type Running } from "./serve.ts";

let world: World;
let server: Running;
let port: number;

beforeAll(async () => {
  world = await createWorld();
  server = await startServer(world.config, { port: 0, reportsDir: join(world.dataDir, "site"), logLevel: "silent", dispatcher: false, limits: { headersMs: 3000, requestMs: 4000, perAddress: 20, checkMs: 250 } });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

type Closed = { ms: number; bytes: number };

/** Opens a socket and resolves, once it is closed by the server, with how long that took and the bytes it answered (ms Infinity at `within`). */
function closedAfter(write: (socket: Socket) => void, within: number): Promise<Closed> {
  return new Promise((resolve) => {
    const started = Date.now();
    let bytes = 0;
    const socket = connect(port, "127.0.0.1", () => write(socket));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ms: Infinity, bytes });
    }, within);
    socket.on("data", (chunk) => (bytes += chunk.length)).on("error", () => undefined).on("close", () => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - started, bytes });
    });
  });
}

describe("slow clients", () => {
  it("closes sockets that trickle their headers or their body, and caps connections per address", async () => {
    // 20 slow headers and 10 slow bodies from one address: 20 fit under the cap, the rest are closed at once.
    const trickle = (first: string) => (socket: Socket) => {
      socket.write(first);
      const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write("x")), 200);
      socket.on("close", () => clearInterval(drip));
    };
    const headers = Array.from({ length: 20 }, () => closedAfter(trickle("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "), 15_000));
    await new Promise((r) => setTimeout(r, 300));
    // Over the cap, closed with no answer: a connection closed for its time limits gets a 408 first.
    const overCap = await closedAfter(() => undefined, 15_000);
    const closed = await Promise.all(headers);
    expect(overCap.bytes).toBe(0);
    expect(closed.every((c) => c.bytes > 0)).toBe(true);
    expect(closed.every((c) => c.ms < 15_000)).toBe(true);
    const body = await closedAfter(trickle('POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"'), 15_000);
    expect(body.ms).toBeLessThan(15_000);
    // Well-behaved clients are served throughout.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 60_000);
});
