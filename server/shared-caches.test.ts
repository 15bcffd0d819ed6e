/** Caches shared between workers: a drop here is a drop everywhere, and a request waits until it is. */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { NO_PEERS, SharedCache, clusterPeers, shareCaches } from "./shared-caches.ts";

/** A worker's IPC channel: what it sends is kept, and `receive` plays the primary. */
function fakeChannel() {
  const sent: unknown[] = [];
  const channel = Object.assign(new EventEmitter(), { send: (message: unknown) => (sent.push(message), true) });
  return { channel: channel as unknown as NodeJS.Process, sent, receive: (message: unknown) => channel.emit("message", message) };
}

describe("shared caches", () => {
  it("in one process, a drop is local and nothing is waited for", () => {
    const cache = new SharedCache<string, number>("sessions", NO_PEERS, 60_000);
    cache.set("a", 1);
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
    expect(cache.forgets).toBe(1);
    expect(NO_PEERS.settled()).toBeUndefined();
  });

  it("tells the primary of a drop, and settles once the primary says every worker dropped it", async () => {
    const { channel, sent, receive } = fakeChannel();
    const peers = clusterPeers(channel);
    const cache = new SharedCache<string, number>("sessions", peers, 60_000);
    shareCaches(peers, [cache]);
    expect(sent).toEqual([{ type: "nike:caching" }]);
    cache.delete("token");
    expect(sent[1]).toEqual({ type: "nike:forget", id: 1, cache: "sessions", key: "token" });
    let settled = false;
    const settling = peers.settled()!.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    receive({ type: "nike:forgotten", id: 1 });
    await settling;
    expect(peers.settled()).toBeUndefined();
  });

  it("drops what another worker dropped, answers, and does not cache a value loaded meanwhile", () => {
    const { channel, sent, receive } = fakeChannel();
    const peers = clusterPeers(channel);
    const sessions = new SharedCache<string, number>("sessions", peers, 60_000);
    const places = new SharedCache<number, string>("places", peers, 60_000);
    shareCaches(peers, [sessions, places]);
    sessions.set("token", 7);
    places.set(7, "Denver");
    const before = sessions.forgets;
    receive({ type: "nike:forget", id: 41, cache: "sessions", key: "token" });
    expect(sessions.get("token")).toBeUndefined();
    expect(places.get(7)).toBe("Denver");
    expect(sessions.forgets).not.toBe(before);
    expect(sent.at(-1)).toEqual({ type: "nike:forgotten", id: 41 });
  });
});
