/** @module What the server's routes share: the stores, caches, limits, logger and clock. */
import type { DestinationStream, Logger } from "pino";
import type { Config } from "../lib/config.ts";
import { STAR_SCHEMA } from "../warehouse/ledger.ts";
import { openDocumentStore, type DocumentStore } from "../stores/documents.ts";
import { applySchema, connectMysql, parseMysqlUrl, type MySql } from "../stores/mysql.ts";
import { openSessionStore, type SessionStore } from "../stores/sessions.ts";
import { AttemptLimits, type Throttles } from "./auth/attempt-limits.ts";
import { ErasureGate } from "./auth/erasure-gate.ts";
import { createLogger } from "./log.ts";
import { NO_PEERS, SharedCache, shareCaches, type Peers } from "./shared-caches.ts";
import type { TodaysInspiration } from "./inspiration/today.ts";
import type { UserPlace } from "./users.ts";

/** A live session as a server instance remembers it between uses: `expiresAt` in epoch seconds (as stored), `lastSeenAt` in epoch milliseconds. */
export type CachedSession = { userId: number; expiresAt: number; startedAt: string; lastSeenAt: number };

export type AppContext = {
  config: Config;
  mysql: MySql;
  documents: DocumentStore;
  sessions: SessionStore;
  log: Logger;
  now(): Date;
  /** Token hash → the live session: a valid one skips DynamoDB for a minute; logout and erase drop it (in every worker). */
  sessionCache: SharedCache<string, CachedSession>;
  /** User → today's inspiration (it carries its day); logging a workout or changing goals drops it (in every worker). */
  inspirationCache: SharedCache<number, TodaysInspiration>;
  /** User → home city and time zone, for the workouts they log; changing goals drops it (in every worker). */
  placeCache: SharedCache<number, UserPlace>;
  /** The other worker processes of `nike serve --workers`, which drop what these caches drop. */
  peers: Peers;
  /** Requests acting for each user, and the users being erased: erasure waits for the one and refuses the other. */
  erasure: ErasureGate;
  /** Login and sign-up throttles, shared through MySQL by every instance. */
  limits: AttemptLimits;
  /** Folder the report site is served from (`nike report` writes it). */
  reportsDir: string;
  /** Set by the dispatcher when it runs in this process: wakes it for a message due now. */
  wakeDispatcher?: () => void;
};

export type ContextOptions = {
  reportsDir: string;
  logLevel?: string;
  now?: () => Date;
  /** Where log lines go (default stdout); tests read them. */
  logDestination?: DestinationStream;
  /** Login and sign-up throttles other than the defaults (tests shorten the windows). */
  throttles?: Partial<Throttles>;
  /** The other processes keeping the same caches (the cluster's workers); none by default. */
  peers?: Peers;
};

export async function openAppContext(config: Config, options: ContextOptions): Promise<AppContext> {
  const mysql = await connectMysql(config.mysqlUrl, 16);
  let documents: DocumentStore | undefined;
  try {
    await applySchema(mysql);
    await applySchema(mysql, STAR_SCHEMA);
    documents = await openDocumentStore(config);
    await documents.ensureSchema();
    const sessions = await openSessionStore(config);
    await sessions.ensureTable();
    const peers = options.peers ?? NO_PEERS;
    const caches = {
      sessionCache: new SharedCache<string, CachedSession>("sessions", peers, 60_000),
      inspirationCache: new SharedCache<number, TodaysInspiration>("inspiration", peers, 10 * 60_000),
      placeCache: new SharedCache<number, UserPlace>("places", peers, 10 * 60_000),
    };
    shareCaches(peers, Object.values(caches));
    return {
      config,
      mysql,
      documents,
      sessions,
      log: createLogger(options.logLevel ?? process.env.LOG_LEVEL ?? "info", options.logDestination),
      now: options.now ?? (() => new Date()),
      ...caches,
      peers,
      erasure: new ErasureGate(),
      limits: new AttemptLimits(mysql, parseMysqlUrl(config.mysqlUrl).database, config.pseudonymKey, options.throttles),
      reportsDir: options.reportsDir,
    };
  } catch (error) {
    await documents?.close();
    await mysql.end();
    throw error;
  }
}

export async function closeAppContext(ctx: AppContext): Promise<void> {
  await ctx.sessions.close();
  await ctx.documents.close();
  await ctx.mysql.end();
}
