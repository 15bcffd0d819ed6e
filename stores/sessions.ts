/**
 * @module DynamoDB `sessions`: app sessions keyed by the hash of their token. Talks to
 * `DYNAMODB_ENDPOINT` when set, else to the embedded DynamoDB (dynalite) of the local service for
 * `DATA_DIR`, started if none runs.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Config } from "../lib/config.ts";
import { StoreUnreachableError, UserError } from "../lib/errors.ts";
import { dynamoEndpointOf, ensureLocalService } from "./local/locate.ts";

// The SDK warns on every start that Node 20 support ends in 2027; that notice is not for the CLI's users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const SESSIONS_TABLE = "sessions";
const BATCH = 25;

/** The table: sessions by token hash, with the `by_user` index and the `by_seen_day` index the ETL reads changes from. */
export const SESSIONS_TABLE_SPEC = {
  TableName: SESSIONS_TABLE,
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [
    { AttributeName: "token_hash", AttributeType: "S" },
    { AttributeName: "user_id", AttributeType: "N" },
    { AttributeName: "started_at", AttributeType: "S" },
    { AttributeName: "seen_day", AttributeType: "S" },
    { AttributeName: "last_seen_at", AttributeType: "S" },
  ],
  KeySchema: [{ AttributeName: "token_hash", KeyType: "HASH" }],
  GlobalSecondaryIndexes: [
    { IndexName: "by_user", KeySchema: [{ AttributeName: "user_id", KeyType: "HASH" }, { AttributeName: "started_at", KeyType: "RANGE" }], Projection: { ProjectionType: "ALL" } },
    { IndexName: "by_seen_day", KeySchema: [{ AttributeName: "seen_day", KeyType: "HASH" }, { AttributeName: "last_seen_at", KeyType: "RANGE" }], Projection: { ProjectionType: "ALL" } },
  ],
} satisfies CreateTableCommandInput;
const MAX_RETRIES = 8;

export type Session = {
  token_hash: string;
  user_id: number;
  device_id?: number | null;
  platform?: string | null;
  /** IANA zone the session was used in: the warehouse files its hours under that zone's local time. */
  time_zone?: string | null;
  started_at: string;
  last_seen_at: string;
  duration_s?: number;
  /** Epoch seconds; DynamoDB's TTL attribute. */
  expires_at: number;
  /** When the session ended (logout, or its idle timeout at its last use); an ended session no longer authenticates. */
  ended_at?: string;
  /** UTC day of `last_seen_at` (set by the store): the partition of the `by_seen_day` index the ETL reads changes from. */
  seen_day?: string;
};

export type SessionStore = {
  readonly kind: "dynamodb" | "embedded";
  readonly location: string;
  ensureTable(): Promise<void>;
  put(session: Session): Promise<void>;
  /** Writes many sessions, retrying unprocessed items with exponential backoff. */
  putMany(sessions: Session[]): Promise<number>;
  /** The session, or null when absent, expired or ended (expiry is enforced on read: TTL deletion is lazy). */
  get(tokenHash: string, now?: Date): Promise<Session | null>;
  /** Records use of a live session at `at` (its last-seen time and duration); an ended or deleted one stays as it is. */
  touch(tokenHash: string, startedAt: string, at: Date): Promise<void>;
  /** Ends a live session, as last seen at `at`: it stays for the warehouse, but no longer authenticates. */
  end(tokenHash: string, at: Date): Promise<void>;
  delete(tokenHash: string): Promise<void>;
  byUser(userId: number): Promise<Session[]>;
  /** Every session, page by page (for extraction and counts). */
  scan(): AsyncIterable<Session[]>;
  /** Sessions last seen at or after `since` (ISO 8601), page by page, through the `by_seen_day` index. */
  seenSince(since: string, now?: Date): AsyncIterable<Session[]>;
  ping(): Promise<string>;
  close(): Promise<void>;
};

/** Timestamps are stored as ISO 8601 with milliseconds, so that text order is time order. */
const withSeenDay = (s: Session): Session => {
  const lastSeen = new Date(s.last_seen_at).toISOString();
  return { ...s, started_at: new Date(s.started_at).toISOString(), last_seen_at: lastSeen, seen_day: lastSeen.slice(0, 10) };
};
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export async function openSessionStore(config: Config): Promise<SessionStore> {
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
    // The embedded server accepts any credentials; a real endpoint uses the standard AWS chain.
    ...(real ? {} : { credentials: { accessKeyId: "embedded", secretAccessKey: "embedded" } }),
  });
  const docs = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const unreachable = (cause: unknown) =>
    new StoreUnreachableError(real ? "DynamoDB" : "The embedded DynamoDB", location!, cause, real ? "Start it, fix DYNAMODB_ENDPOINT, or unset it to use embedded DynamoDB." : "Run `nike stores status`; `nike stores stop` and retry restarts it.");

  /** Sets last-seen time, duration (and the end) of a session that exists and has not ended. */
  async function seen(tokenHash: string, startedAt: string, at: Date, ending: boolean): Promise<void> {
    const lastSeen = at.toISOString();
    try {
      await docs.send(new UpdateCommand({
        TableName: SESSIONS_TABLE,
        Key: { token_hash: tokenHash },
        UpdateExpression: `SET last_seen_at = :seen, seen_day = :day, duration_s = :duration${ending ? ", ended_at = :seen" : ""}`,
        ConditionExpression: "attribute_exists(token_hash) AND attribute_not_exists(ended_at)",
        ExpressionAttributeValues: { ":seen": lastSeen, ":day": lastSeen.slice(0, 10), ":duration": Math.max(0, Math.round((at.getTime() - Date.parse(startedAt)) / 1000)) },
      }));
    } catch (error) {
      if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
    }
  }

  return {
    kind: real ? "dynamodb" : "embedded",
    location: location!,
    async ensureTable() {
      try {
        await client.send(new DescribeTableCommand({ TableName: SESSIONS_TABLE }));
        return;
      } catch (error) {
        if ((error as { name?: string }).name !== "ResourceNotFoundException") throw unreachable(error);
      }
      await client.send(new CreateTableCommand(SESSIONS_TABLE_SPEC));
      try {
        await client.send(new UpdateTimeToLiveCommand({ TableName: SESSIONS_TABLE, TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true } }));
      } catch (error) {
        // dynalite has no TTL: expired sessions are filtered on read instead.
        if ((error as { name?: string }).name !== "UnknownOperationException") throw error;
      }
    },
    async put(session) {
      await docs.send(new PutCommand({ TableName: SESSIONS_TABLE, Item: withSeenDay(session) }));
    },
    async putMany(sessions) {
      for (let i = 0; i < sessions.length; i += BATCH) {
        let requests = sessions.slice(i, i + BATCH).map((s) => ({ PutRequest: { Item: withSeenDay(s) } }));
        for (let attempt = 0; requests.length; attempt++) {
          if (attempt > MAX_RETRIES) throw new Error(`DynamoDB kept ${requests.length} session writes unprocessed after ${MAX_RETRIES} retries.`);
          if (attempt) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
          const out = await docs.send(new BatchWriteCommand({ RequestItems: { [SESSIONS_TABLE]: requests } }));
          requests = (out.UnprocessedItems?.[SESSIONS_TABLE] ?? []) as typeof requests;
        }
      }
      return sessions.length;
    },
    async get(tokenHash, now = new Date()) {
      const out = await docs.send(new GetCommand({ TableName: SESSIONS_TABLE, Key: { token_hash: tokenHash } }));
      const session = out.Item as Session | undefined;
      return session && !session.ended_at && session.expires_at * 1000 > now.getTime() ? session : null;
    },
    touch: (tokenHash, startedAt, at) => seen(tokenHash, startedAt, at, false),
    async end(tokenHash, at) {
      const out = await docs.send(new GetCommand({ TableName: SESSIONS_TABLE, Key: { token_hash: tokenHash } }));
      const session = out.Item as Session | undefined;
      if (session && !session.ended_at) await seen(tokenHash, session.started_at, at, true);
    },
    async delete(tokenHash) {
      await docs.send(new DeleteCommand({ TableName: SESSIONS_TABLE, Key: { token_hash: tokenHash } }));
    },
    async byUser(userId) {
      const items: Session[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await docs.send(new QueryCommand({ TableName: SESSIONS_TABLE, IndexName: "by_user", KeyConditionExpression: "user_id = :u", ExpressionAttributeValues: { ":u": userId }, ExclusiveStartKey: start }));
        items.push(...((out.Items ?? []) as Session[]));
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async *scan() {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await docs.send(new ScanCommand({ TableName: SESSIONS_TABLE, ExclusiveStartKey: start }));
        yield (out.Items ?? []) as Session[];
        start = out.LastEvaluatedKey;
      } while (start);
    },
    async *seenSince(since, now = new Date()) {
      const last = now.toISOString().slice(0, 10);
      for (let day = since.slice(0, 10); day <= last; day = nextDay(day)) {
        let start: Record<string, unknown> | undefined;
        do {
          const out = await docs.send(new QueryCommand({
            TableName: SESSIONS_TABLE, IndexName: "by_seen_day", ExclusiveStartKey: start,
            KeyConditionExpression: "seen_day = :d AND last_seen_at >= :t",
            ExpressionAttributeValues: { ":d": day, ":t": since },
          }));
          if (out.Items?.length) yield out.Items as Session[];
          start = out.LastEvaluatedKey;
        } while (start);
      }
    },
    async ping() {
      try {
        const out = await client.send(new DescribeTableCommand({ TableName: SESSIONS_TABLE }));
        return `${real ? "DynamoDB" : "embedded DynamoDB (dynalite)"}: table ${SESSIONS_TABLE} ${out.Table?.TableStatus?.toLowerCase() ?? "present"}`;
      } catch (error) {
        if ((error as { name?: string }).name === "ResourceNotFoundException") return `${real ? "DynamoDB" : "embedded DynamoDB (dynalite)"}: answering, table ${SESSIONS_TABLE} not created yet (run \`nike load\`)`;
        throw unreachable(error);
      }
    },
    async close() {
      client.destroy();
    },
  };
}
