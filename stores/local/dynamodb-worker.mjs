// The local service's DynamoDB thread (see dynamodb-service.ts): loads the TypeScript itself, since a
// worker inherits no loader, then serves dynalite until the service closes it.
import { parentPort, workerData } from "node:worker_threads";

(await import("tsx/esm/api")).register();
const { serveOnThread } = await import("./dynamodb-service.ts");
await serveOnThread(parentPort, workerData);
