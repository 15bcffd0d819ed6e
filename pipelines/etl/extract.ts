/**
 * @module Extract: what changed in each operational store since its watermark, staged as Parquet.
 * Reads MySQL, the document store and DynamoDB themselves (never `data/raw/`). A source document
 * that breaks its collection's schema is quarantined with the reason instead of staged.
 */
import { DEFAULT_TIME_ZONE, isTimeZone } from "../../domain/time-zones.ts";
import type { Columns, DuckDB } from "../../lib/duckdb.ts";
import { log } from "../../lib/progress.ts";
import { COLLECTIONS } from "../../stores/document-schema.ts";
import type { Doc, DocumentStore } from "../../stores/documents.ts";
import { violation } from "../../stores/json-schema.ts";
import type { MySql } from "../../stores/mysql.ts";
import type { SessionStore } from "../../stores/sessions.ts";
import type { Quarantined, Source, Watermark } from "../../warehouse/ledger.ts";
import { STAGED_SOURCES } from "../../warehouse/models/sources.ts";
import { writeStaged } from "./staging-files.ts";

export type Extracted = {
  rows: Record<string, number>;
  watermarks: Partial<Record<Source, Watermark>>;
  quarantined: Quarantined[];
};

const USER_BATCH = 5000;
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : new Date(`${String(value).replace(" ", "T")}Z`).toISOString());
const later = (a: Watermark | undefined, b: Watermark) => (!a || b.updatedAt > a.updatedAt || (b.updatedAt === a.updatedAt && b.lastId > a.lastId) ? b : a);

/** Staged columns, as the models' sources declare them. Timestamps stay text here; the staging models type them. */
const columnsOf = (source: keyof typeof STAGED_SOURCES): Columns => Object.fromEntries(Object.entries(STAGED_SOURCES[source].columns).map(([c, { type }]) => [c, type]));
const COLUMNS = {
  states: columnsOf("states"),
  users: columnsOf("users"),
  user_goals: columnsOf("user_goals"),
  activity_logs: columnsOf("activity_logs"),
  sessions: columnsOf("sessions"),
};

async function* once<T>(rows: T[]): AsyncIterable<T[]> {
  yield rows;
}

/** Ids (and the new watermark) of rows of a MySQL table changed after `since`. */
async function changedIds(db: MySql, table: "users" | "memberships", since: Watermark | undefined): Promise<{ ids: number[]; watermark?: Watermark }> {
  const where = since ? "WHERE updated_at > ? OR (updated_at = ? AND user_id > ?)" : "";
  const t = since ? since.updatedAt.replace("T", " ").replace("Z", "") : undefined;
  const [rows] = await db.query(`SELECT user_id, updated_at FROM \`${table}\` ${where} ORDER BY updated_at, user_id`, since ? [t, t, Number(since.lastId)] : []);
  const list = rows as Array<{ user_id: number; updated_at: string }>;
  const last = list[list.length - 1];
  return { ids: list.map((r) => r.user_id), watermark: last ? { updatedAt: iso(last.updated_at), lastId: String(last.user_id).padStart(12, "0") } : undefined };
}

export type ExtractContext = { mysql: MySql; documents: DocumentStore; sessions: SessionStore; duck: DuckDB; dir: string; watermarks: Partial<Record<Source, Watermark>> };

/** A run's extraction: where each source has read up to so far, and what it quarantined. */
type Extraction = ExtractContext & { next: Partial<Record<Source, Watermark>>; quarantined: Quarantined[] };

export async function extract(ctx: ExtractContext): Promise<Extracted> {
  const run: Extraction = { ...ctx, next: { ...ctx.watermarks }, quarantined: [] };
  const rows: Record<string, number> = {};
  rows.states = await extractStates(run);
  // Facts before dimensions: a workout or session read here belongs to a user who already exists, so
  // the users read below include them (a user who signs up meanwhile is picked up by the next batch).
  const workouts = await extractWorkouts(run);
  rows.activity_logs = workouts.staged;
  rows.activity_logs_read = workouts.read;
  rows.sessions = await extractSessions(run);
  Object.assign(rows, await extractUsers(run));
  log(`etl: extracted ${Object.entries(rows).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ")}; quarantined ${run.quarantined.length}`);
  return { rows, watermarks: run.next, quarantined: run.quarantined };
}

async function extractStates({ mysql, duck, dir }: Extraction): Promise<number> {
  const [states] = await mysql.query("SELECT state_code, name, region, country FROM states");
  return writeStaged(duck, dir, "src_states", COLUMNS.states, once(states as Record<string, unknown>[]));
}

/** Changed workout documents, each checked against the collection's schema, streamed in batches. */
async function extractWorkouts(run: Extraction): Promise<{ staged: number; read: number }> {
  const { documents, duck, dir, watermarks, next, quarantined } = run;
  const filter = watermarks.activity_logs ? afterWatermark(watermarks.activity_logs) : {};
  const schema = COLLECTIONS.activity_logs.validator.$jsonSchema;
  let read = 0;
  async function* workoutRows() {
    for await (const batch of documents.collection("activity_logs").stream(filter)) {
      read += batch.length;
      const good: Record<string, unknown>[] = [];
      for (const doc of batch) {
        if (doc.updated_at instanceof Date) next.activity_logs = later(next.activity_logs, docWatermark(doc));
        // DuckDB cannot place a moment in a zone it does not know: such a document waits in quarantine.
        const reason = violation(schema, doc) ?? (isTimeZone(String(doc.time_zone)) ? undefined : `time_zone "${doc.time_zone}" is not an IANA time zone`);
        if (reason) {
          quarantined.push({ source: "activity_logs", sourceId: JSON.stringify(doc._id), reason, document: doc });
          continue;
        }
        good.push({
          activity_id: String(doc._id), user_id: doc.user_id, activity_type: doc.activity_type, started_at: doc.started_at, time_zone: doc.time_zone,
          duration_min: doc.duration_min, distance_km: doc.distance_km, calories: doc.calories,
          avg_heart_rate: doc.avg_heart_rate, city: doc.city, state: doc.state, updated_at: doc.updated_at,
        });
      }
      yield good;
    }
  }
  const staged = await writeStaged(duck, dir, "src_activity_logs", COLUMNS.activity_logs, workoutRows());
  return { staged, read };
}

/** The first run scans; later ones read the days since the watermark from the by_seen_day index. */
async function extractSessions({ sessions, duck, dir, watermarks, next }: Extraction): Promise<number> {
  const since = watermarks.sessions;
  async function* sessionRows() {
    for await (const page of since ? sessions.seenSince(since.updatedAt) : sessions.scan()) {
      const fresh = page.filter((s) => {
        const position = { updatedAt: new Date(s.last_seen_at).toISOString(), lastId: s.token_hash };
        if (since && later(since, position) === since) return false;
        next.sessions = later(next.sessions, position);
        return true;
      });
      // A session without a known zone (one stored before zones were kept) is filed under the default zone.
      yield fresh.map((s) => (s.time_zone && isTimeZone(s.time_zone) ? s : { ...s, time_zone: DEFAULT_TIME_ZONE }));
    }
  }
  return writeStaged(duck, dir, "src_sessions", COLUMNS.sessions, sessionRows());
}

/** Users changed in `users`, in `memberships` or in their goals, each with their current goal. */
async function extractUsers({ mysql, documents, duck, dir, watermarks, next }: Extraction): Promise<{ users: number; user_goals: number }> {
  const goalFilter = watermarks.user_goals ? afterWatermark(watermarks.user_goals) : {};
  const goalDocs = await documents.collection("user_goals").find(goalFilter);
  for (const doc of goalDocs) next.user_goals = later(next.user_goals, docWatermark(doc));
  const changedUsers = await changedIds(mysql, "users", watermarks.users);
  const changedMemberships = await changedIds(mysql, "memberships", watermarks.memberships);
  if (changedUsers.watermark) next.users = later(next.users, changedUsers.watermark);
  if (changedMemberships.watermark) next.memberships = later(next.memberships, changedMemberships.watermark);
  const userIds = [...new Set([...changedUsers.ids, ...changedMemberships.ids, ...goalDocs.map((d) => Number(d.user_id))])].sort((a, b) => a - b);

  async function* userRows() {
    for (let i = 0; i < userIds.length; i += USER_BATCH) {
      const [batch] = await mysql.query(
        `SELECT u.user_id, u.date_of_birth, u.gender, u.shopping_preference, c.name AS city, c.state_code AS state, m.tier AS membership_tier,
           u.created_at, GREATEST(u.updated_at, COALESCE(m.updated_at, u.updated_at)) AS changed_at
         FROM users u LEFT JOIN memberships m USING (user_id) LEFT JOIN cities c USING (city_id)
         WHERE u.user_id IN (?)`,
        [userIds.slice(i, i + USER_BATCH)],
      );
      yield batch as Record<string, unknown>[];
    }
  }
  const users = await writeStaged(duck, dir, "src_users", COLUMNS.users, userRows());

  // Every staged user needs their current goal, changed or not.
  const firstRun = !watermarks.user_goals && !watermarks.users;
  const goalsOf = firstRun ? goalDocs : await documents.collection("user_goals").find({ user_id: { $in: userIds } });
  const user_goals = await writeStaged(duck, dir, "src_user_goals", COLUMNS.user_goals, once(goalsOf.map((d) => ({
    user_id: d.user_id, goal_type: d.goal_type, target_workouts_per_week: d.target_workouts_per_week, updated_at: iso(d.updated_at),
  }))));
  return { users, user_goals };
}

/** Ids are compared as zero-padded text, so numeric and string ids order the same way in every store. */
function docWatermark(doc: Doc): Watermark {
  return { updatedAt: (doc.updated_at as Date).toISOString(), lastId: typeof doc._id === "number" ? String(doc._id).padStart(12, "0") : String(doc._id) };
}

function afterWatermark(w: Watermark): Record<string, unknown> {
  const at = new Date(w.updatedAt);
  const id = /^\d+$/.test(w.lastId) ? Number(w.lastId) : w.lastId;
  return { $or: [{ updated_at: { $gt: at } }, { updated_at: at, _id: { $gt: id } }] };
}
