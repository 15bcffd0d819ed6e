/**
 * @module The local service's DynamoDB: dynalite (dynalite-server.ts) on a worker thread of its own.
 * Its heap is apart from the document engine's, which holds every collection's keys (gigabytes at
 * `large`), so neither's garbage collection stalls the other; and the two serve on both cores at once.
 */
import { Worker, type MessagePort } from "node:worker_threads";
import { serveDynalite } from "./dynalite-server.ts";

export type DynamoDbService = {
  endpoint: string;
  port: number;
  /** Client connections open now (the service stops itself after an idle time with none). */
  openConnections(): number;
  close(): Promise<void>;
};

type Start = { dir: string; port: number; connections: Int32Array };
type FromThread = { type: "listening"; port: number } | { type: "failed"; error: { name: string; message: string; code?: string; stack?: string } } | { type: "closed" };

/** Starts dynalite on 127.0.0.1:`port` (0 = any) with its LevelDB files under `dir`, on a worker thread. */
export async function startDynamoDbService(dir: string, port = 0): Promise<DynamoDbService> {
  const connections = new Int32Array(new SharedArrayBuffer(4));
  // No execArgv: the parent's (`--import tsx`, vitest's flags) would load the loader twice.
  const worker = new Worker(new URL("./dynamodb-worker.mjs", import.meta.url), { execArgv: [], workerData: { dir, port, connections } satisfies Start });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const next = () =>
    new Promise<FromThread>((resolve, reject) => {
      const fail = (error: Error) => (worker.off("message", resolve), reject(error));
      worker.once("error", fail);
      worker.once("message", (message: FromThread) => (worker.off("error", fail), resolve(message)));
    });
  const first = await next().catch(async (error: Error) => {
    await exited;
    throw error;
  });
  if (first.type !== "listening") {
    await exited;
    const { name, message, code, stack } = first.type === "failed" ? first.error : { name: "Error", message: "the DynamoDB thread stopped before listening" };
    throw Object.assign(new Error(message), { name, code, stack });
  }
  let closing: Promise<void> | undefined;
  // A thread that dies while serving takes the service down with it, as it would if it ran on the main thread.
  worker.on("error", (error) => {
    if (!closing) throw error;
  });
  return {
    endpoint: `http://127.0.0.1:${first.port}`,
    port: first.port,
    openConnections: () => Atomics.load(connections, 0),
    close: () =>
      (closing ??= (async () => {
        const closed = next();
        worker.postMessage("close");
        await closed;
        await exited;
      })()),
  };
}

/** The worker's side (see dynamodb-worker.mjs): serves until told to close. */
export async function serveOnThread(parent: MessagePort, { dir, port, connections }: Start): Promise<void> {
  const post = (message: FromThread) => parent.postMessage(message);
  try {
    const server = await serveDynalite(dir, port, (open) => Atomics.store(connections, 0, open));
    parent.once("message", async () => {
      await server.close();
      post({ type: "closed" });
      parent.close();
    });
    post({ type: "listening", port: server.port });
  } catch (error) {
    const { name, message, stack, code } = error as NodeJS.ErrnoException;
    post({ type: "failed", error: { name, message, stack, code } });
    parent.close();
  }
}
