/** @module Configuration from the environment (and `.env`), with a default for every variable. */
import { resolve } from "node:path";
import { config as loadDotenv } from "dotenv";
import { z } from "zod";
import { parseInterval } from "./duration.ts";
import { UserError } from "./errors.ts";

export const DEFAULT_MYSQL_URL = "mysql://root@127.0.0.1:3306/nike";

/** A duration setting (`parseInterval`'s forms) whose milliseconds pass `accepts`. */
const interval = (fallback: string, accepts: (ms: number) => boolean, message: string) =>
  z.string().default(fallback).refine((v) => {
    try {
      return accepts(parseInterval(v));
    } catch {
      return false;
    }
  }, message);

const schema = z.object({
  MYSQL_URL: z.string().default(DEFAULT_MYSQL_URL),
  MONGODB_URI: z.string().optional(),
  MONGODB_DB: z.string().default("nike"),
  DYNAMODB_ENDPOINT: z.string().optional(),
  AWS_REGION: z.string().default("us-east-1"),
  SMTP_URL: z.string().optional(),
  SMS_URL: z.string().optional(),
  SMS_FROM: z.string().regex(/^\+[1-9][0-9]{7,14}$/, "must be an E.164 number such as +15005550006").default("+15005550006"),
  MAIL_FROM: z.string().default("Nike Data Workbench <workbench@localhost>"),
  DATA_DIR: z.string().default("./data"),
  PSEUDONYM_KEY: z.string().min(8).default("nike-workbench-development-key"),
  ETL_MAX_QUARANTINE_RATIO: z.coerce.number().min(0).max(1).default(0.01),
  ETL_SETTLE_SECONDS: z.coerce.number().min(0).default(10),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  OPS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  LOCAL_STORES_IDLE: interval("10m", (ms) => ms >= 0, "must be a duration such as 10m, 30s or 0 (never stop)"),
  DYNAMODB_TIMEOUT: interval("10s", (ms) => ms > 0, "must be a duration such as 10s or 500ms"),
});

export type Config = {
  mysqlUrl: string;
  mongodbUri?: string;
  mongodbDb: string;
  dynamodbEndpoint?: string;
  awsRegion: string;
  smtpUrl?: string;
  smsUrl?: string;
  /** The number SMS are sent from. */
  smsFrom: string;
  /** Sender of every e-mail (reports and notifications). */
  mailFrom: string;
  /** Absolute path of the data folder (raw, staging, lake, embedded stores). */
  dataDir: string;
  /** Secret that keys the user pseudonyms in the warehouse; set it in production. */
  pseudonymKey: string;
  /** Share of a run's source rows that may be quarantined before the run fails. */
  maxQuarantineRatio: number;
  /** How long after its change stamp a source row may still commit and be read by the ETL (its settle window). */
  etlSettleMs: number;
  /** Bearer token that shows operators the detail of `/health`; unset, nobody sees it. */
  opsToken?: string;
  /** Where clients reach Inspire (for the OpenAPI description); unset, the description names no host. */
  publicUrl?: string;
  /** How long the local store service waits with no client before it stops itself (0: never). */
  localStoresIdleMs: number;
  /** How long one DynamoDB request may take before it fails (and is retried) as unanswered. */
  dynamodbTimeoutMs: number;
};

let dotenvRead = false;

/** Reads the configuration; `overrides` win over the environment (tests use them for a temp DATA_DIR). */
export function loadConfig(overrides: Partial<Config> = {}): Config {
  if (!dotenvRead) {
    loadDotenv({ quiet: true });
    dotenvRead = true;
  }
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ""));
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new UserError(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const e = parsed.data;
  return {
    mysqlUrl: e.MYSQL_URL,
    mongodbUri: e.MONGODB_URI,
    mongodbDb: e.MONGODB_DB,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    awsRegion: e.AWS_REGION,
    smtpUrl: e.SMTP_URL,
    smsUrl: e.SMS_URL,
    smsFrom: e.SMS_FROM,
    mailFrom: e.MAIL_FROM,
    pseudonymKey: e.PSEUDONYM_KEY,
    maxQuarantineRatio: e.ETL_MAX_QUARANTINE_RATIO,
    etlSettleMs: e.ETL_SETTLE_SECONDS * 1000,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ""),
    opsToken: e.OPS_TOKEN,
    localStoresIdleMs: parseInterval(e.LOCAL_STORES_IDLE),
    dynamodbTimeoutMs: parseInterval(e.DYNAMODB_TIMEOUT),
    ...overrides,
    dataDir: resolve(overrides.dataDir ?? e.DATA_DIR),
  };
}

/** Folder of the generated Parquet files. */
export const rawDir = (config: Config) => resolve(config.dataDir, "raw");
/** Folder of the ETL's per-run staging files. */
export const stagingDir = (config: Config) => resolve(config.dataDir, "staging");
/** Folder of the Hive-layout Parquet lake. */
export const lakeDir = (config: Config) => resolve(config.dataDir, "lake");
/** Where messages go when no SMTP server or SMS provider is configured. */
export const outboxDir = (config: Config) => resolve(config.dataDir, "outbox");
