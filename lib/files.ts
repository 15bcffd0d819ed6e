/** @module Writes that a reader, or a crash, never sees half done. */
import { rename, rm, writeFile } from "node:fs/promises";

/** Writes `file` whole: into a temporary file beside it, then renamed over it (one atomic step on one file system). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

/** Puts the finished folder `built` in place of `target`: the old one is moved aside first, then removed. */
export async function swapFolder(built: string, target: string): Promise<void> {
  await rm(`${target}.old`, { recursive: true, force: true });
  await rename(target, `${target}.old`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  await rename(built, target);
  await rm(`${target}.old`, { recursive: true, force: true });
}
