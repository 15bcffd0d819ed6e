/** @module `--workers <n>`: how many processes a command runs on (`nike serve`, `nike notify schedule`). */
import { availableParallelism } from "node:os";
import { UserError } from "../lib/errors.ts";

/** The number given, or one process per core when none is. */
export function parseWorkers(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UserError(`--workers must be a whole number from 1 to 256, not "${value}".`);
  return workers;
}
