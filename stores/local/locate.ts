/**
 * @module How a client finds the local service for its `DATA_DIR`: the record the service wrote, if
 * its process still runs and its port answers; otherwise it starts one — detached, logging to
 * `DATA_DIR/local-service.log` — and waits for it. Two clients starting at once start two
 * processes, of which the folder lock lets one win; both then connect to the winner.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { interactive, log } from "../../lib/progress.ts";
import { alive, readOwner, type Owner } from "./owner-lock.ts";
import { ALREADY_RUNNING, readRecord, type ServiceRecord } from "./service.ts";

/** How long a service with no live process opening it may take to appear. */
const START_TIMEOUT_MS = 30_000;
/** How long a client that lost the service mid-work waits for it to be back. */
export const RECONNECT_WAIT_MS = START_TIMEOUT_MS;
/** How long opening may take at most (10 M workouts open in about a minute on two cores). */
const OPEN_TIMEOUT_MS = 15 * 60_000;
const REPORT_EVERY_MS = 10_000;
const MAX_SPAWNS = 3;
const ENTRY = join(import.meta.dirname, "service-process.mjs");

export const logPath = (dataDir: string) => join(dataDir, "local-service.log");
export const mongoUriOf = (record: ServiceRecord) => `mongodb://${record.host}:${record.mongoPort}/?directConnection=true`;
export const dynamoEndpointOf = (record: ServiceRecord) => `http://${record.host}:${record.dynamoPort}`;

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/** The record of a running service for `dataDir`, or undefined. */
export async function runningService(dataDir: string): Promise<ServiceRecord | undefined> {
  const record = readRecord(dataDir);
  if (!record || record.stopped || !alive(record)) return undefined;
  return (await answers(record.host, record.mongoPort)) ? record : undefined;
}

function tail(path: string, count = 3): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-count).join(" | ");
  } catch {
    return "no log";
  }
}

/** The live process that holds the documents folder while it opens it (before it writes its record), if any. */
function opener(dataDir: string): Owner | undefined {
  const owner = readOwner(join(dataDir, "documents", "LOCK"));
  return owner && alive(owner) ? owner : undefined;
}

/** Spawns a detached service process for `dataDir`; `exit()` is its exit code once it has exited. */
function spawnService(dataDir: string, idleMs: number): { exit(): number | null | undefined } {
  const out = openSync(logPath(dataDir), "a");
  // Under Deno (the notebooks' kernel) execPath is deno: the service is a Node program.
  const node = "deno" in process.versions ? "node" : process.execPath;
  // A larger young generation: the service allocates a document (and its line) per write and per read.
  const child = spawn(node, ["--max-semi-space-size=64", ENTRY, dataDir, String(idleMs)], { detached: true, stdio: ["ignore", out, out], cwd: dataDir });
  closeSync(out);
  let exit: number | null | undefined;
  child.once("exit", (code) => (exit = code));
  child.once("error", () => (exit = -1));
  child.unref();
  return { exit: () => exit };
}

/**
 * Starts the service process for `dataDir` unless one runs, and returns its record. `waitMs` bounds the
 * wait for one that is opening: a command at its start can wait out a large store's opening, but a
 * client finding the service again mid-request (`RECONNECT_WAIT_MS`) must answer 503 soon instead.
 */
export async function ensureLocalService(dataDir: string, idleMs: number, waitMs = OPEN_TIMEOUT_MS): Promise<ServiceRecord> {
  const running = await runningService(dataDir);
  if (running) return running;
  mkdirSync(dataDir, { recursive: true });
  let child = spawnService(dataDir, idleMs);
  let spawns = 1;
  // A large store takes minutes to open: wait as long as a live process is opening it (ours, or the
  // one that took the folder first), and give up early only when none is.
  const started = Date.now();
  let reported = started;
  while (Date.now() - started < waitMs) {
    const record = await runningService(dataDir);
    if (record) return record;
    const exit = child.exit();
    if (exit !== undefined && exit !== ALREADY_RUNNING && exit !== 0) break;
    const opening = exit === undefined || opener(dataDir) !== undefined;
    if (!opening) {
      // The process that held the folder went (a service stopping as ours started): start another.
      if (exit === ALREADY_RUNNING && spawns < MAX_SPAWNS) (child = spawnService(dataDir, idleMs)), spawns++;
      else if (Date.now() - started > START_TIMEOUT_MS) break;
    }
    if (interactive() && Date.now() - reported >= REPORT_EVERY_MS) {
      reported = Date.now();
      log(`waiting for the local store service to open ${dataDir} (${Math.round((reported - started) / 1000)} s): ${tail(logPath(dataDir), 1)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new UserError(`The local store service for ${dataDir} did not start (${tail(logPath(dataDir))}). See ${logPath(dataDir)}, or set MONGODB_URI and DYNAMODB_ENDPOINT to real stores.`, 2);
}

/** Stops the running service (SIGTERM, then waits for it to go); returns its record, or undefined if none ran. */
export async function stopLocalService(dataDir: string, timeoutMs = 30_000): Promise<ServiceRecord | undefined> {
  const record = readRecord(dataDir);
  if (!record || record.stopped || !alive(record)) return undefined;
  process.kill(record.pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (alive(record)) {
    if (Date.now() > deadline) throw new UserError(`The local store service (pid ${record.pid}) did not stop within ${timeoutMs / 1000} s.`, 1);
    await new Promise((r) => setTimeout(r, 50));
  }
  return record;
}
