/**
 * @module `nike serve --workers N`: the cluster's primary. It forks N workers of the same command, which
 * share one port (node:cluster hands each new connection to the next worker in turn), and it:
 * - starts one worker first and the rest once it listens, so that one of them brings the schemas and
 *   the local store service up; if a worker fails before it listens at start (port taken, bad
 *   configuration, a store unreachable), it stops the others and fails with that worker's error;
 * - restarts a worker that dies later, after a delay that doubles while they keep dying (reset once
 *   one has run a minute), and gives up after `startAttempts` restarts in a row that die before listening;
 * - relays the caches' drops from one worker to all the others (`server/shared-caches.ts`), answering
 *   the worker once every other worker has dropped the entry;
 * - on SIGINT or SIGTERM, tells every worker to stop (each drains its requests and its dispatcher) and
 *   returns once all have exited.
 * What must be shared lives in the stores: login and sign-up limits in MySQL (`attempt_limits`),
 * sessions in DynamoDB, the outbox in MySQL (each message claimed by a conditional UPDATE, so every
 * worker runs a dispatcher and each message is still sent once).
 */
import cluster, { type Worker } from "node:cluster";
import { UserError, describe } from "../lib/errors.ts";
import type { CachingMessage, ForgetMessage, ForgottenMessage } from "./shared-caches.ts";

/** What a worker tells the primary about its start. */
export type ListeningMessage = { type: "nike:listening"; url: string };
export type StartFailedMessage = { type: "nike:start-failed"; message: string; exitCode: number };
type WorkerMessage = ListeningMessage | StartFailedMessage | CachingMessage | ForgetMessage | ForgottenMessage;

export type ClusterOptions = {
  workers: number;
  /** Called once, when every worker listens, with the address they share. */
  ready(url: string): void;
  /** One line for the operator (a worker died, is restarted, the cluster stops). */
  log(line: string): void;
  /** First delay before restarting a worker that died, doubled while they keep dying (default 500 ms, up to 30 s). */
  restartDelayMs?: number;
  /** Restarts in a row whose worker dies before listening, before giving up (default 5). */
  startAttempts?: number;
};

const MAX_RESTART_DELAY_MS = 30_000;
/** A worker up this long has recovered: the next death starts the backoff afresh. */
const HEALTHY_MS = 60_000;

/** Runs the workers until SIGINT/SIGTERM (then resolves once all have drained and exited), or rejects when they cannot start. */
export function runCluster(options: ClusterOptions): Promise<void> {
  const firstDelay = options.restartDelayMs ?? 500;
  const startAttempts = options.startAttempts ?? 5;
  const listening = new Map<number, number>(); // worker id → when it started listening
  const failures = new Map<number, StartFailedMessage>();
  const relays = new Map<number, { from: Worker; id: number; waiting: Set<number> }>();
  const caching = new Set<number>(); // workers whose caches are set up (only they are asked to drop entries)
  let ready = false;
  let stopping = false;
  let failure: Error | undefined;
  let restartsInARow = 0;
  let delay = firstDelay;
  const timers = new Set<NodeJS.Timeout>();

  return new Promise<void>((resolve, reject) => {
    const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

    const finishIfDone = () => {
      if (!stopping || live().length > 0) return;
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      if (failure) reject(failure);
      else resolve();
    };

    function stop() {
      if (stopping) return;
      stopping = true;
      if (!failure) options.log("shutting down: finishing in-flight requests in every worker");
      for (const timer of timers) clearTimeout(timer);
      for (const worker of live()) worker.process.kill("SIGTERM");
      finishIfDone();
    }

    const giveUp = (error: Error) => {
      failure ??= error;
      stop();
    };

    // A worker's drop, relayed to the others under the primary's own number, answered once they all answered.
    let nextRelay = 1;
    const answerRelay = (relayId: number) => {
      const relay = relays.get(relayId);
      if (!relay || relay.waiting.size > 0) return;
      relays.delete(relayId);
      if (relay.from.isConnected()) relay.from.send({ type: "nike:forgotten", id: relay.id } satisfies ForgottenMessage);
    };

    const relay = (from: Worker, message: ForgetMessage) => {
      const relayId = nextRelay++;
      const others = live().filter((w) => w !== from && caching.has(w.id) && w.isConnected());
      relays.set(relayId, { from, id: message.id, waiting: new Set(others.map((w) => w.id)) });
      for (const worker of others) worker.send({ ...message, id: relayId } satisfies ForgetMessage);
      answerRelay(relayId);
    };

    const fork = () => {
      const worker = cluster.fork();
      // A message to a worker that is going away fails; its exit is handled below.
      worker.on("error", (error) => options.log(`worker ${worker.process.pid}: ${describe(error)}`));
      worker.on("message", (message: WorkerMessage) => {
        if (message?.type === "nike:listening") {
          listening.set(worker.id, Date.now());
          restartsInARow = 0;
          if (!ready && listening.size === 1 && options.workers > 1 && live().length === 1) for (let i = 1; i < options.workers; i++) fork();
          if (!ready && listening.size >= options.workers) {
            ready = true;
            options.ready(message.url);
          }
        } else if (message?.type === "nike:start-failed") {
          failures.set(worker.id, message);
        } else if (message?.type === "nike:caching") {
          caching.add(worker.id);
        } else if (message?.type === "nike:forget") {
          relay(worker, message);
        } else if (message?.type === "nike:forgotten") {
          relays.get(message.id)?.waiting.delete(worker.id);
          answerRelay(message.id);
        }
      });
      worker.on("exit", (code, signal) => {
        caching.delete(worker.id);
        for (const [relayId, r] of relays) {
          r.waiting.delete(worker.id);
          answerRelay(relayId);
        }
        const startedAt = listening.get(worker.id);
        listening.delete(worker.id);
        const failed = failures.get(worker.id);
        failures.delete(worker.id);
        if (stopping) return finishIfDone();
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        if (startedAt === undefined) {
          const reason = failed ? failed.message : `a worker ${how} before it listened`;
          if (!ready || ++restartsInARow >= startAttempts) {
            return giveUp(new UserError(ready ? `${reason} (workers failed ${restartsInARow} starts in a row: giving up)` : reason, failed?.exitCode ?? 1));
          }
        } else {
          restartsInARow = 0;
          if (Date.now() - startedAt >= HEALTHY_MS) delay = firstDelay;
        }
        options.log(`worker ${worker.process.pid} ${how}; starting another in ${(delay / 1000).toFixed(1)} s`);
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!stopping) fork();
        }, delay);
        timers.add(timer);
        delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
      });
    };

    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    fork();
  });
}
