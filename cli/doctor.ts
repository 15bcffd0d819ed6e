/** @module `nike doctor`: each store, whether it is real or embedded, and whether it answers. */
import { loadConfig, type Config } from "../lib/config.ts";
import { describe, redactUrl } from "../lib/errors.ts";
import { openDocumentStore } from "../stores/documents.ts";
import { connectMysql, mysqlVersion } from "../stores/mysql.ts";
import { openSessionStore } from "../stores/sessions.ts";

export type StoreStatus = { store: string; backend: "real" | "embedded"; location: string; ok: boolean; detail: string };

/** Runs a probe; the probe may refine where the store is once it has connected (the local service's address and pid). */
async function check(store: string, backend: StoreStatus["backend"], location: string, probe: (located: (where: string) => void) => Promise<string>): Promise<StoreStatus> {
  let where = location;
  try {
    const detail = await probe((found) => (where = found));
    return { store, backend, location: where, ok: true, detail };
  } catch (error) {
    return { store, backend, location: where, ok: false, detail: describe(error) };
  }
}

export async function doctor(config: Config): Promise<StoreStatus[]> {
  return [
    await check("MySQL", "real", redactUrl(config.mysqlUrl), async () => {
      const db = await connectMysql(config.mysqlUrl, 1);
      try {
        return await mysqlVersion(db);
      } finally {
        await db.end();
      }
    }),
    await check("MongoDB", config.mongodbUri ? "real" : "embedded", config.mongodbUri ? redactUrl(config.mongodbUri) : `${config.dataDir}/documents`, async (located) => {
      const store = await openDocumentStore(config);
      try {
        located(store.location);
        const answer = await store.ping();
        const damage = await store.damage();
        if (damage.length) throw new Error(`${damage.length} damaged record(s): ${damage.join("; ")}. Restore the file from a backup, or remove those lines and run \`nike load\` again.`);
        return answer;
      } finally {
        await store.close();
      }
    }),
    await check("DynamoDB", config.dynamodbEndpoint ? "real" : "embedded", config.dynamodbEndpoint ?? `${config.dataDir}/dynamodb`, async (located) => {
      const store = await openSessionStore(config);
      try {
        located(store.location);
        return await store.ping();
      } finally {
        await store.close();
      }
    }),
  ];
}

export function formatStatus(statuses: StoreStatus[]): string {
  return statuses
    .map((s) => `${s.store.padEnd(9)} ${s.ok ? "ok    " : "FAILED"} ${s.backend === "embedded" ? `embedded (${s.location})` : `real: ${s.location}`}\n          ${s.detail}`)
    .join("\n");
}

/** `nike doctor`: the table, and exit code 2 when a store does not answer. */
export async function doctorCommand(): Promise<void> {
  const statuses = await doctor(loadConfig());
  process.stdout.write(`${formatStatus(statuses)}\n`);
  if (statuses.some((s) => !s.ok)) process.exitCode = 2;
}
