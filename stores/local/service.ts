/**
 * @module The local service: one process that owns the embedded stores' files under `DATA_DIR` and
 * serves them on loopback — the document store over the MongoDB wire protocol, DynamoDB through
 * dynalite — the way DynamoDB Local or the Firebase emulators do. Every other process (server, ETL,
 * notify, report, notebooks, tests) connects by URL with the official client. It records where it
 * listens in `DATA_DIR/local-service.json`, and stops by itself after an idle time with no clients.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DocumentEngine } from "./document-engine.ts";
import { startDocumentServer } from "./document-server.ts";
import { startDynamoDbService } from "./dynamodb-service.ts";
import { migrateLegacyLayout } from "./legacy-layout.ts";
import { processStart } from "./owner-lock.ts";

export const HOST = "127.0.0.1";
/** Exit code of a service process that found the folder already served (EX_TEMPFAIL). */
export const ALREADY_RUNNING = 75;

/** Where the service listens; a stopped service leaves its record marked `stopped`, so that the next one takes the same ports. */
export type ServiceRecord = { pid: number; started: string; host: string; mongoPort: number; dynamoPort: number; idleMs: number; since: string; stopped?: boolean };

export type LocalService = { record: ServiceRecord; stop(): Promise<void>; stopped: Promise<void> };

export const recordPath = (dataDir: string) => join(dataDir, "local-service.json");

export function readRecord(dataDir: string): ServiceRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(dataDir), "utf8")) as ServiceRecord;
  } catch {
    return undefined;
  }
}

function writeRecord(dataDir: string, record: ServiceRecord): void {
  const path = recordPath(dataDir);
  const fd = openSync(`${path}.${process.pid}`, "w");
  writeSync(fd, JSON.stringify(record, null, 1));
  fsyncSync(fd);
  closeSync(fd);
  renameSync(`${path}.${process.pid}`, path);
}

export type ServiceOptions = {
  /** Stop after this long with no client connected; 0 = never. */
  idleMs: number;
  /** Ports to listen on (0 = any); a restart reuses the last record's ports so that connected clients find it again. */
  mongoPort?: number;
  dynamoPort?: number;
  /** Where documents of the earlier single-process layout are carried over to (MONGODB_DB). */
  database?: string;
  log?: (line: string) => void;
};

/**
 * Runs the local service in this process: takes the folder (throws FolderLockedError if a live
 * process owns it), listens, and writes the record.
 */
export async function runLocalService(dataDir: string, options: ServiceOptions): Promise<LocalService> {
  const log = options.log ?? (() => {});
  mkdirSync(dataDir, { recursive: true });
  const previous = readRecord(dataDir);
  const engine = new DocumentEngine(join(dataDir, "documents"));
  const listen = async <T>(start: (port: number) => Promise<T>, wanted: number | undefined, last: number | undefined): Promise<T> => {
    try {
      return await start(wanted ?? last ?? 0);
    } catch (error) {
      if (wanted || !last || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      return start(0); // the last port was taken meanwhile by something else
    }
  };
  let documents: Awaited<ReturnType<typeof startDocumentServer>> | undefined;
  let dynamo: Awaited<ReturnType<typeof startDynamoDbService>> | undefined;
  try {
    await migrateLegacyLayout(engine, options.database ?? "nike", log);
    documents = await listen((port) => startDocumentServer(engine, port, HOST), options.mongoPort, previous?.mongoPort);
    dynamo = await listen((port) => startDynamoDbService(join(dataDir, "dynamodb"), port), options.dynamoPort, previous?.dynamoPort);
  } catch (error) {
    await documents?.close();
    engine.close();
    throw error;
  }
  // Opening replays each log; a client waiting for the record reads these lines to say what takes the time.
  for (const { name: db } of engine.databases()) {
    for (const name of engine.collectionNames(db)) {
      const started = performance.now();
      const documents = engine.collection(db, name)!.count;
      const seconds = (performance.now() - started) / 1000;
      if (seconds >= 1) log(`opened ${db}.${name}: ${documents.toLocaleString("en-US")} documents in ${seconds.toFixed(1)} s`);
    }
  }
  const damage = engine.damage();
  for (const d of damage) log(`damaged line: ${d.file} line ${d.line} (byte ${d.offset}); run \`nike doctor\``);
  const record: ServiceRecord = {
    pid: process.pid, started: processStart(process.pid), host: HOST, mongoPort: documents.port, dynamoPort: dynamo.port, idleMs: options.idleMs, since: new Date().toISOString(),
  };
  writeRecord(dataDir, record);
  log(`listening: MongoDB wire protocol ${HOST}:${documents.port}, DynamoDB http://${HOST}:${dynamo.port}, data ${dataDir}`);

  let finish!: () => void;
  const stopped = new Promise<void>((resolve) => (finish = resolve));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(idleCheck);
      await documents.close();
      await dynamo.close();
      engine.close();
      if (readRecord(dataDir)?.pid === process.pid) writeRecord(dataDir, { ...record, stopped: true });
      log("stopped");
      finish();
    })());

  let idleSince = Date.now();
  const idleCheck = setInterval(() => {
    if (readRecord(dataDir)?.pid !== process.pid) {
      log("the service record was removed or replaced (DATA_DIR deleted?): stopping");
      void stop();
    } else if (documents.openConnections() + dynamo.openConnections() > 0) idleSince = Date.now();
    else if (options.idleMs > 0 && Date.now() - idleSince >= options.idleMs) {
      log(`no clients for ${Math.round(options.idleMs / 1000)} s: stopping`);
      void stop();
    }
  }, Math.min(1000, Math.max(100, options.idleMs / 4 || 1000)));
  idleCheck.unref();
  return { record, stop, stopped };
}
