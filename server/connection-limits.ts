/**
 * @module What a slow or greedy client may hold: time to send its headers, time to send the whole
 * request, time a kept-alive connection may sit idle, and connections open from one address. Node
 * checks the first two every `checkMs`; over the cap, a new connection is closed at once.
 */
import type { Server } from "node:http";

export type ConnectionLimits = { headersMs: number; requestMs: number; idleMs: number; perAddress: number; checkMs: number };

export const CONNECTION_LIMITS = { headersMs: 10_000, requestMs: 30_000, idleMs: 5_000, perAddress: 256, checkMs: 1_000 } satisfies ConnectionLimits;

/** Node's own server options for the time limits. */
export const timeLimits = (limits: ConnectionLimits) => ({
  headersTimeout: limits.headersMs,
  requestTimeout: limits.requestMs,
  keepAliveTimeout: limits.idleMs,
  connectionsCheckingInterval: limits.checkMs,
});

/** Closes a new connection from an address that already holds `max` open ones. */
export function capConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on("connection", (socket) => {
    const address = socket.remoteAddress ?? "";
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left) open.set(address, left);
      else open.delete(address);
    });
  });
}
