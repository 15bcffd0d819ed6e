/**
 * @module The local service as a process of its own (started by `locate.ts` or `nike stores start`):
 * `service-process.mjs <DATA_DIR> <idle ms>`. Exits 0 when stopped (SIGTERM, SIGINT or idle), and
 * ALREADY_RUNNING when another live process owns the folder.
 */
import { FolderLockedError } from "./owner-lock.ts";
import { ALREADY_RUNNING, runLocalService } from "./service.ts";

const [dataDir, idle] = process.argv.slice(2);
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} [${process.pid}] ${line}\n`);
try {
  const service = await runLocalService(dataDir, { idleMs: Number(idle), database: process.env.MONGODB_DB || undefined, log });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void service.stop());
  await service.stopped;
  process.exit(0);
} catch (error) {
  if (error instanceof FolderLockedError) {
    log(`${error.dir} is already served by process ${error.pid}`);
    process.exit(ALREADY_RUNNING);
  }
  log(`could not start: ${(error as Error).stack ?? error}`);
  process.exit(1);
}
