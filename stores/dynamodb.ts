/**
 * @module A DynamoDB connection from config: `DYNAMODB_ENDPOINT` when set, else the embedded DynamoDB
 * (dynalite) of the local service for `DATA_DIR`, started if none runs. Also the paging and batch-retry
 * loops every table's operations share.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Config } from "../lib/config.ts";
import { StoreUnreachableError, UserError } from "../lib/errors.ts";
import { dynamoEndpointOf, ensureLocalService } from "./local/locate.ts";

// The SDK warns on every start that Node 20 support ends in 2027; that notice is not for the CLI's users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const BATCH = 25;
const MAX_RETRIES = 8;

export type Dynamo = {
  client: DynamoDBClient;
  docs: DynamoDBDocumentClient;
  /** A real DynamoDB (`DYNAMODB_ENDPOINT`), rather than the embedded one. */
  real: boolean;
  location: string;
  /** The error to throw when the store does not answer: names it and says what to do. */
  unreachable(cause: unknown): StoreUnreachableError;
};

export async function connectDynamo(config: Config): Promise<Dynamo> {
  let endpoint = config.dynamodbEndpoint;
  let location = endpoint;
  if (endpoint) {
    try {
      const url = new URL(endpoint);
      if (!["http:", "https:"].includes(url.protocol)) throw new Error("protocol");
    } catch {
      throw new UserError(`DYNAMODB_ENDPOINT "${endpoint}" is not an http(s) URL: use for example http://127.0.0.1:8000, or unset it to use embedded DynamoDB.`, 2);
    }
  } else {
    const service = await ensureLocalService(config.dataDir, config.localStoresIdleMs);
    endpoint = dynamoEndpointOf(service);
    location = `local service, ${service.host}:${service.dynamoPort}, pid ${service.pid}`;
  }
  const real = Boolean(config.dynamodbEndpoint);
  const client = new DynamoDBClient({
    endpoint,
    region: config.awsRegion,
    maxAttempts: 3,
    // A request the store never answers (a stalled service) fails as unanswered instead of hanging its caller.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: config.dynamodbTimeoutMs, throwOnRequestTimeout: true },
    // The embedded server accepts any credentials; a real endpoint uses the standard AWS chain.
    ...(real ? {} : { credentials: { accessKeyId: "embedded", secretAccessKey: "embedded" } }),
  });
  return {
    client,
    docs: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    real,
    location: location!,
    unreachable: (cause) =>
      new StoreUnreachableError(real ? "DynamoDB" : "The embedded DynamoDB", location!, cause, real ? "Start it, fix DYNAMODB_ENDPOINT, or unset it to use embedded DynamoDB." : "Run `nike stores status`; `nike stores stop` and retry restarts it."),
  };
}

/** Every page of a query or scan: `read` is called with each page's start key until none is left. */
export async function* pages<T>(read: (start: Record<string, unknown> | undefined) => Promise<{ Items?: unknown[]; LastEvaluatedKey?: Record<string, unknown> }>): AsyncIterable<T[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await read(start);
    yield (out.Items ?? []) as T[];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** Puts `items` into `table` in batches of 25, retrying unprocessed items with exponential backoff. */
export async function putAll(docs: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]): Promise<number> {
  for (let i = 0; i < items.length; i += BATCH) {
    let requests = items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length; attempt++) {
      if (attempt > MAX_RETRIES) throw new Error(`DynamoDB kept ${requests.length} writes to ${table} unprocessed after ${MAX_RETRIES} retries.`);
      if (attempt) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      const out = await docs.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
  return items.length;
}
