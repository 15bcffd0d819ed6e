/**
 * @module Exactly one owner of a folder: a lock file made with an exclusive create (`wx`), holding the
 * owner's pid and that process's start time. A lock whose process is gone, or whose pid now belongs
 * to a process that started at another time (a reused pid), is stale and is broken — under a second
 * exclusive file, so two processes that both find it stale cannot both take over.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

export type Owner = { pid: number; started: string };

/** When a process started, as the kernel tells it (clock ticks since boot, /proc/<pid>/stat field 22); "" where unknown. */
export function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

/** Whether the process that took a lock (or wrote a record) is still the one running under its pid. */
export function alive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  const started = processStart(owner.pid);
  return !started || !owner.started || started === owner.started;
}

/** The owner a lock file names, or undefined when it is absent or being written. */
export function readOwner(path: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Owner;
  } catch {
    return undefined;
  }
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

export class FolderLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`${dir} is owned by process ${pid}`);
  }
}

/** Takes the lock on `dir` for this process, or throws FolderLockedError naming the live owner. Returns the release function. */
export function lockFolder(dir: string, name = "LOCK"): () => void {
  const path = join(dir, name);
  const me = JSON.stringify({ pid: process.pid, started: processStart(process.pid) } satisfies Owner);
  for (let attempt = 0; attempt < 20; attempt++) {
    if (createExclusive(path, me)) return () => rmSync(path, { force: true });
    const owner = readOwner(path);
    // A lock being written right now reads empty: give its writer a moment.
    if (!owner) {
      if (Date.now() - (statSafe(path) ?? Date.now()) < 2000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
    } else if (alive(owner)) {
      throw new FolderLockedError(dir, owner.pid);
    }
    breakStale(path, owner);
  }
  throw new Error(`Could not take the lock ${path}: it keeps changing hands.`);
}

function statSafe(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Removes a stale lock, unless another process is already breaking it or has replaced it meanwhile. */
function breakStale(path: string, seen: Owner | undefined): void {
  const breaker = `${path}.break`;
  const since = statSafe(breaker);
  if (since !== undefined && Date.now() - since > 10_000) rmSync(breaker, { force: true }); // a breaker that died mid-way
  if (!createExclusive(breaker, String(process.pid))) return;
  try {
    const now = readOwner(path);
    if (JSON.stringify(now) === JSON.stringify(seen)) rmSync(path, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}
