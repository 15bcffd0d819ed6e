/**
 * @module `nike notify schedule --workers N`: the consenting users split by id into N ranges of about
 * as many users each, one worker process per range (node:cluster forks the same command). One process
 * keeps one core busy and leaves the other to MySQL and the store service, idle half of the time; N
 * processes fill both. Each range is scheduled as `scheduleUsers` does, with the same idempotency key,
 * so a worker that fails leaves a run that can simply be run again.
 */
import cluster from "node:cluster";
import { describe, UserError } from "../../lib/errors.ts";
import { progress } from "../../lib/progress.ts";
import type { MySql } from "../../stores/mysql.ts";
import type { InspirationDeps } from "../inspiration/today.ts";
import { ALL_USERS, consentingCount, scheduleUsers, type Scheduled, type UserRange } from "./schedule.ts";

/** What the primary gives a worker (in its environment) and what the worker says back (over IPC). */
const TASK = "NIKE_SCHEDULE_TASK";
type Task = { range: UserRange; now: string };
type Report = { type: "nike:scheduled-users"; users: number } | { type: "nike:scheduled"; scheduled: Scheduled } | { type: "nike:schedule-failed"; message: string };

export const isScheduleWorker = () => cluster.isWorker && process.env[TASK] !== undefined;

/** `workers` ranges of the `total` consenting users with about as many users each (fewer when there are fewer users). */
export async function userRanges(mysql: MySql, workers: number, total: number): Promise<UserRange[]> {
  const ranges: UserRange[] = [];
  let after = 0;
  for (let k = 1; k < Math.min(workers, total); k++) {
    const [rows] = await mysql.query("SELECT user_id FROM users WHERE email_consent OR sms_consent ORDER BY user_id LIMIT 1 OFFSET ?", [Math.floor((k * total) / workers) - 1]);
    const upTo = Number((rows as Array<{ user_id: number }>)[0].user_id);
    ranges.push({ after, upTo });
    after = upTo;
  }
  ranges.push({ after, upTo: ALL_USERS.upTo });
  return ranges;
}

/** The primary: forks a worker per range, shows one progress bar, and adds their counts up; rejects with the first worker's failure. */
export async function scheduleOnWorkers(mysql: MySql, now: Date, workers: number): Promise<Scheduled> {
  const total = await consentingCount(mysql);
  const ranges = await userRanges(mysql, workers, total);
  const bar = progress("notify schedule", total);
  const results = await Promise.allSettled(
    ranges.map(
      (range) =>
        new Promise<Scheduled>((resolve, reject) => {
          const worker = cluster.fork({ [TASK]: JSON.stringify({ range, now: now.toISOString() } satisfies Task) });
          let outcome: Scheduled | Error | undefined;
          worker.on("message", (report: Report) => {
            if (report?.type === "nike:scheduled-users") bar.tick(report.users);
            else if (report?.type === "nike:scheduled") outcome = report.scheduled;
            else if (report?.type === "nike:schedule-failed") outcome = new Error(report.message);
          });
          worker.on("exit", (code, signal) => {
            if (outcome && !(outcome instanceof Error)) resolve(outcome);
            else reject(outcome ?? new Error(`a worker scheduling users ${range.after + 1}–${range.upTo} stopped (${signal ?? `exit code ${code}`}) before it finished`));
          });
        }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw new UserError(`notify schedule: ${describe(failed.reason)}. The messages queued so far stay queued once each; run it again to queue the rest.`, 1);
  bar.done();
  const done = results.map((r) => (r as PromiseFulfilledResult<Scheduled>).value);
  return { queued: done.reduce((n, r) => n + r.queued, 0), skipped: done.reduce((n, r) => n + r.skipped, 0) };
}

/** A worker: schedules its range, telling the primary of each batch, and then of its counts (or its failure). */
export async function scheduleAsWorker(deps: InspirationDeps): Promise<void> {
  const task = JSON.parse(process.env[TASK]!) as Task;
  const say = (report: Report) => new Promise<void>((resolve) => process.send!(report, undefined, undefined, () => resolve()));
  try {
    const scheduled = await scheduleUsers(deps, new Date(task.now), task.range, (users) => void say({ type: "nike:scheduled-users", users }));
    await say({ type: "nike:scheduled", scheduled });
  } catch (error) {
    await say({ type: "nike:schedule-failed", message: error instanceof Error ? error.message : String(error) });
  }
  cluster.worker!.disconnect(); // the channel to the primary would keep this process alive
}
