/**
 * @module The outbox folder's files (`DATA_DIR/outbox/`: the e-mails and text messages written there
 * when no SMTP server or SMS provider is configured), as erasure sees them.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { outboxDir, type Config } from "./config.ts";

/** Deletes every outbox file that mentions any of `needles` (an address or a phone number, case-insensitively); returns how many. */
export async function removeOutboxFilesMentioning(config: Config, needles: string[]): Promise<number> {
  const dir = outboxDir(config);
  const wanted = needles.filter(Boolean).map((n) => n.toLowerCase());
  if (!existsSync(dir) || wanted.length === 0) return 0;
  let removed = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const text = (await readFile(file, "utf8")).toLowerCase();
    if (wanted.some((needle) => text.includes(needle))) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
