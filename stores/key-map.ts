/**
 * @module A Map from document keys (numbers or text) for more entries than one JavaScript Map holds:
 * V8 refuses a Map's 2^24th entry (about 16.7 million), and a collection at `large` holds 28 million
 * workouts. Entries spread over a fixed number of Maps by their key, so each lookup touches one.
 */

const SHARDS = 16;

/** The shard of a key: an integer's residue, else a hash of the text's last characters (where ids differ). */
function shardOf(key: string | number): number {
  if (typeof key === "number" && Number.isSafeInteger(key)) return ((key % SHARDS) + SHARDS) % SHARDS;
  const text = String(key);
  let hash = 0;
  for (let i = Math.max(0, text.length - 8); i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return (hash >>> 0) % SHARDS;
}

export class KeyMap<V> {
  private shards = Array.from({ length: SHARDS }, () => new Map<string | number, V>());

  get size(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.size;
    return n;
  }

  get(key: string | number): V | undefined {
    return this.shards[shardOf(key)].get(key);
  }

  has(key: string | number): boolean {
    return this.shards[shardOf(key)].has(key);
  }

  set(key: string | number, value: V): this {
    this.shards[shardOf(key)].set(key, value);
    return this;
  }

  delete(key: string | number): boolean {
    return this.shards[shardOf(key)].delete(key);
  }

  *keys(): Generator<string | number> {
    for (const shard of this.shards) yield* shard.keys();
  }
}

/** `ids` without repeats, in their first order (what `[...new Set(ids)]` gives, past a Set's limit too). */
export function uniqueKeys(ids: Iterable<string | number>): Array<string | number> {
  const seen = new KeyMap<true>();
  const unique: Array<string | number> = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.set(id, true);
    unique.push(id);
  }
  return unique;
}
