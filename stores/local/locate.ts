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
import { alive } from "./owner-lock.ts";
import { ALREADY_RUNNING, readRecord, type ServiceRecord } from "./service.ts";

const START_TIMEOUT_MS = 30_000;
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

function tail(path: string): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-3).join(" | ");
  } catch {
    return "no log";
  }
}

/** Starts the service process for `dataDir` unless one runs, and returns its record. */
export async function ensureLocalService(dataDir: string, idleMs: number): Promise<ServiceRecord> {
  const running = await runningService(dataDir);
  if (running) return running;
  mkdirSync(dataDir, { recursive: true });
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
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const record = await runningService(dataDir);
    if (record) return record;
    if (exit !== undefined && exit !== ALREADY_RUNNING && exit !== 0) break;
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
