// A k-means helper thread (see `workerPool` in kmeans.ts): loads the TypeScript itself, since a worker
// inherits no loader, then runs the starts of each job it is sent.
import { parentPort } from "node:worker_threads";

if (!("Deno" in globalThis)) (await import("tsx/esm/api")).register();
const { serveStarts } = await import("./kmeans.ts");
serveStarts(parentPort);
