/** @module The keyed pseudonym under which a user appears in the warehouse (the same formula as the staging models' SQL). */
import { createHash } from "node:crypto";

export function pseudonym(key: string, userId: number | string): string {
  return createHash("sha256").update(`${key}:${userId}`).digest("hex").slice(0, 16);
}
