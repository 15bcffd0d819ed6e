/** @module `nike doctor`: each store, whether it is real or embedded, and whether it answers. */
import type { Config } from "../lib/config.ts";
import { describe, redactUrl } from "../lib/errors.ts";
import { openDocumentStore } from "../stores/documents.ts";
import { connectMysql, mysqlVersion } from "../stores/mysql.ts";
import { openSessionStore } from "../stores/sessions.ts";

export type StoreStatus = { store: string; backend: "real" | "embedded"; location: string; ok: boolean; detail: string };

async function check(store: string, backend: StoreStatus["backend"], location: string, probe: () => Promise<string>): Promise<StoreStatus> {
  try {
    return { store, backend, location, ok: true, detail: await probe() };
  } catch (error) {
    return { store, backend, location, ok: false, detail: describe(error) };
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
    await check("MongoDB", config.mongodbUri ? "real" : "embedded", config.mongodbUri ? redactUrl(config.mongodbUri) : `${config.dataDir}/documents`, async () => {
      const store = await openDocumentStore(config);
      try {
        return await store.ping();
      } finally {
        await store.close();
      }
    }),
    await check("DynamoDB", config.dynamodbEndpoint ? "real" : "embedded", config.dynamodbEndpoint ?? `${config.dataDir}/dynamodb`, async () => {
      const store = await openSessionStore(config);
      try {
        return await store.ping();
      } finally {
        await store.close();
      }
    }),
  ];
}

export function formatStatus(statuses: StoreStatus[]): string {
  return statuses
    .map((s) => `${s.store.padEnd(9)} ${s.backend.padEnd(9)} ${s.ok ? "ok    " : "FAILED"} ${s.location}\n          ${s.detail}`)
    .join("\n");
}
