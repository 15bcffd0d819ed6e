/**
 * @module DynamoDB `sessions`: app sessions keyed by the hash of their token, in the DynamoDB that
 * `connectDynamo` finds (real or embedded).
 */
import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Config } from "../lib/config.ts";
import { connectDynamo, pages, putAll, type Dynamo } from "./dynamodb.ts";

export const SESSIONS_TABLE = "sessions";

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

/** Creates the table (and its TTL, where the server has TTL) unless it exists. */
async function ensureSessionsTable({ client, unreachable }: Dynamo): Promise<void> {
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
}

/** Sets last-seen time, duration (and the end) of a session that exists and has not ended. */
async function markSeen({ docs }: Dynamo, tokenHash: string, startedAt: string, at: Date, ending: boolean): Promise<void> {
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

/** Sessions last seen at or after `since`, a day partition of the `by_seen_day` index at a time. */
async function* seenSince({ docs }: Dynamo, since: string, now: Date): AsyncIterable<Session[]> {
  const last = now.toISOString().slice(0, 10);
  for (let day = since.slice(0, 10); day <= last; day = nextDay(day)) {
    const query = (start: Record<string, unknown> | undefined) => docs.send(new QueryCommand({
      TableName: SESSIONS_TABLE, IndexName: "by_seen_day", ExclusiveStartKey: start,
      KeyConditionExpression: "seen_day = :d AND last_seen_at >= :t",
      ExpressionAttributeValues: { ":d": day, ":t": since },
    }));
    for await (const page of pages<Session>(query)) if (page.length) yield page;
  }
}

export async function openSessionStore(config: Config): Promise<SessionStore> {
  const dynamo = await connectDynamo(config);
  const { client, docs, real } = dynamo;
  const name = real ? "DynamoDB" : "embedded DynamoDB (dynalite)";
  const read = async (tokenHash: string) => (await docs.send(new GetCommand({ TableName: SESSIONS_TABLE, Key: { token_hash: tokenHash } }))).Item as Session | undefined;
  return {
    kind: real ? "dynamodb" : "embedded",
    location: dynamo.location,
    ensureTable: () => ensureSessionsTable(dynamo),
    async put(session) {
      await docs.send(new PutCommand({ TableName: SESSIONS_TABLE, Item: withSeenDay(session) }));
    },
    putMany: (sessions) => putAll(docs, SESSIONS_TABLE, sessions.map(withSeenDay)),
    async get(tokenHash, now = new Date()) {
      const session = await read(tokenHash);
      return session && !session.ended_at && session.expires_at * 1000 > now.getTime() ? session : null;
    },
    touch: (tokenHash, startedAt, at) => markSeen(dynamo, tokenHash, startedAt, at, false),
    async end(tokenHash, at) {
      const session = await read(tokenHash);
      if (session && !session.ended_at) await markSeen(dynamo, tokenHash, session.started_at, at, true);
    },
    async delete(tokenHash) {
      await docs.send(new DeleteCommand({ TableName: SESSIONS_TABLE, Key: { token_hash: tokenHash } }));
    },
    async byUser(userId) {
      const items: Session[] = [];
      const query = (start: Record<string, unknown> | undefined) =>
        docs.send(new QueryCommand({ TableName: SESSIONS_TABLE, IndexName: "by_user", KeyConditionExpression: "user_id = :u", ExpressionAttributeValues: { ":u": userId }, ExclusiveStartKey: start }));
      for await (const page of pages<Session>(query)) items.push(...page);
      return items;
    },
    scan: () => pages<Session>((start) => docs.send(new ScanCommand({ TableName: SESSIONS_TABLE, ExclusiveStartKey: start }))),
    seenSince: (since, now = new Date()) => seenSince(dynamo, since, now),
    async ping() {
      try {
        const out = await client.send(new DescribeTableCommand({ TableName: SESSIONS_TABLE }));
        return `${name}: table ${SESSIONS_TABLE} ${out.Table?.TableStatus?.toLowerCase() ?? "present"}`;
      } catch (error) {
        if ((error as { name?: string }).name === "ResourceNotFoundException") return `${name}: answering, table ${SESSIONS_TABLE} not created yet (run \`nike load\`)`;
        throw dynamo.unreachable(error);
      }
    },
    async close() {
      client.destroy();
    },
  };
}
