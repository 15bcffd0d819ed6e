/**
 * @module Caches that stay right when Inspire runs as several worker processes (`nike serve --workers`).
 * Each worker keeps its own caches, so an entry dropped in one worker (a logout, an erasure, new goals,
 * a logged workout) is dropped in every other worker too: the worker tells the cluster's primary, the
 * primary tells every worker, and each answers once its entry is gone. A request that dropped an entry
 * waits for those answers (`settled`) before it responds, so a logout takes effect in every worker
 * before its 204 goes out. The hot path (a cache hit) pays nothing.
 */
import { TtlCache } from "./cache.ts";

/** Messages between the workers and the primary (`server/cluster.ts`). */
export type ForgetMessage = { type: "nike:forget"; id: number; cache: string; key: string | number };
export type ForgottenMessage = { type: "nike:forgotten"; id: number };
/** A worker keeps caches from now on: drops are relayed to it (before this, it has nothing to drop). */
export type CachingMessage = { type: "nike:caching" };

/** How long a worker waits for the other workers to drop an entry before it answers anyway. */
const SETTLE_LIMIT_MS = 2_000;

/** The other processes that keep the same caches, if any. */
export type Peers = {
  /** Tells every other process to drop `key` from `cache`. */
  forget(cache: string, key: string | number): void;
  /** Resolves once every other process has dropped what it was told so far; undefined when nothing is outstanding. */
  settled(): Promise<void> | undefined;
  /** Calls `drop` for each entry another process dropped. */
  onForget(drop: (cache: string, key: string | number) => void): void;
};

/** A single process: nobody else to tell. */
export const NO_PEERS: Peers = { forget() {}, settled: () => undefined, onForget() {} };

/** The other workers of a `node:cluster`, reached through the primary over this worker's IPC channel. */
export function clusterPeers(channel: NodeJS.Process = process): Peers {
  let nextId = 1;
  const outstanding = new Map<number, () => void>();
  let all: Promise<void> | undefined;
  let drop: (cache: string, key: string | number) => void = () => {};
  channel.on("message", (message: ForgetMessage | ForgottenMessage) => {
    if (message?.type === "nike:forget") {
      drop(message.cache, message.key);
      channel.send?.({ type: "nike:forgotten", id: message.id } satisfies ForgottenMessage);
    } else if (message?.type === "nike:forgotten") {
      outstanding.get(message.id)?.();
    }
  });
  channel.send?.({ type: "nike:caching" } satisfies CachingMessage);
  return {
    forget(cache, key) {
      const id = nextId++;
      const answered = new Promise<void>((resolve) => {
        const timer = setTimeout(finish, SETTLE_LIMIT_MS);
        function finish() {
          clearTimeout(timer);
          outstanding.delete(id);
          resolve();
        }
        outstanding.set(id, finish);
      });
      const previous = all;
      const joined: Promise<void> = Promise.all([previous, answered]).then(() => {
        if (all === joined) all = undefined;
      });
      all = joined;
      channel.send?.({ type: "nike:forget", id, cache, key } satisfies ForgetMessage);
    },
    settled: () => all,
    onForget(handler) {
      drop = handler;
    },
  };
}

/** A TtlCache whose deletions reach the same cache in every peer. */
export class SharedCache<K extends string | number, V> extends TtlCache<K, V> {
  /** How many entries have been dropped: a value loaded while this changed may be stale, and is not cached. */
  forgets = 0;

  constructor(
    readonly name: string,
    private readonly peers: Peers,
    ttlMs: number,
    maxEntries?: number,
  ) {
    super(ttlMs, maxEntries);
  }

  override delete(key: K): void {
    this.dropHere(key);
    this.peers.forget(this.name, key);
  }

  /** Drops `key` here only (another process dropped it). */
  dropHere(key: K): void {
    this.forgets++;
    super.delete(key);
  }
}

/** Routes the peers' drops to the named caches. */
export function shareCaches(peers: Peers, caches: Array<SharedCache<string, unknown> | SharedCache<number, unknown>>): void {
  const byName = new Map(caches.map((cache) => [cache.name, cache as SharedCache<string | number, unknown>]));
  peers.onForget((name, key) => byName.get(name)?.dropHere(key));
}
