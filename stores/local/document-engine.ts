/**
 * @module The storage engine behind the local document service: every database and collection under
 * one folder, `<dir>/<database>/<collection>.jsonl` (see `log-collection.ts`), with each database's
 * validators and indexes in its `catalog.json`. One process owns the folder (`owner-lock.ts`).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { EngineError, ID_INDEX, LogCollection, type CollectionOptions, type Damage, type IndexSpec } from "./log-collection.ts";
import { lockFolder } from "./owner-lock.ts";

const VALID_NAME = /^[^/\\\0$"*<>:|?. ][^/\\\0$"*<>:|?]*$/;

type Catalog = { collections: Record<string, { options: CollectionOptions; indexes: IndexSpec[] }> };

/** Every database and collection under one folder. */
export class DocumentEngine {
  private collections = new Map<string, LogCollection>();
  private release: () => void;

  /** Opens the folder, taking it for this process (throws FolderLockedError if another live process holds it). */
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.release = lockFolder(dir);
  }

  private static checkName(kind: string, name: string): void {
    if (!VALID_NAME.test(name) || name.length > 120) throw new EngineError(73, "InvalidNamespace", `Invalid ${kind} name: ${JSON.stringify(name)}`);
  }

  private catalogPath = (db: string) => join(this.dir, db, "catalog.json");

  private catalog(db: string): Catalog {
    try {
      return JSON.parse(readFileSync(this.catalogPath(db), "utf8")) as Catalog;
    } catch {
      return { collections: {} };
    }
  }

  private saveCatalog(db: string, catalog: Catalog): void {
    const path = this.catalogPath(db);
    const fd = openSync(`${path}.tmp`, "w");
    writeSync(fd, JSON.stringify(catalog, null, 1));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(`${path}.tmp`, path);
  }

  private record(db: string, name: string, c: LogCollection): void {
    const catalog = this.catalog(db);
    catalog.collections[name] = { options: c.options, indexes: c.indexes };
    this.saveCatalog(db, catalog);
  }

  databases(): Array<{ name: string; sizeOnDisk: number; empty: boolean }> {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => {
        const names = this.collectionNames(d.name);
        const sizeOnDisk = names.reduce((sum, n) => sum + statSync(join(this.dir, d.name, `${n}.jsonl`)).size, 0);
        return { name: d.name, sizeOnDisk, empty: names.length === 0 };
      });
  }

  collectionNames(db: string): string[] {
    const folder = join(this.dir, db);
    if (!existsSync(folder)) return [];
    return readdirSync(folder).filter((f) => f.endsWith(".jsonl")).map((f) => f.slice(0, -".jsonl".length)).sort();
  }

  listCollections(db: string): Array<{ name: string; options: CollectionOptions }> {
    const catalog = this.catalog(db);
    return this.collectionNames(db).map((name) => ({ name, options: catalog.collections[name]?.options ?? {} }));
  }

  /** The collection, or undefined when it does not exist (and `create` is false). */
  collection(db: string, name: string, create = false): LogCollection | undefined {
    const namespace = `${db}.${name}`;
    const open = this.collections.get(namespace);
    if (open) return open;
    DocumentEngine.checkName("database", db);
    DocumentEngine.checkName("collection", name);
    const path = join(this.dir, db, `${name}.jsonl`);
    if (!existsSync(path) && !create) return undefined;
    mkdirSync(join(this.dir, db), { recursive: true });
    const known = this.catalog(db).collections[name];
    const c = new LogCollection(namespace, path, known?.options ?? {}, known?.indexes ?? [ID_INDEX]);
    this.collections.set(namespace, c);
    if (!known) this.record(db, name, c);
    return c;
  }

  create(db: string, name: string, options: CollectionOptions): void {
    if (this.collection(db, name)) throw new EngineError(48, "NamespaceExists", `Collection ${db}.${name} already exists.`);
    const c = this.collection(db, name, true)!;
    c.options = options;
    this.record(db, name, c);
  }

  collMod(db: string, name: string, changes: CollectionOptions): void {
    const c = this.collection(db, name);
    if (!c) throw new EngineError(26, "NamespaceNotFound", `ns does not exist: ${db}.${name}`);
    c.options = { ...c.options, ...changes };
    this.record(db, name, c);
  }

  createIndexes(db: string, name: string, specs: IndexSpec[]): { before: number; after: number } {
    const c = this.collection(db, name, true)!;
    const before = c.indexes.length;
    c.createIndexes(specs);
    this.record(db, name, c);
    return { before, after: c.indexes.length };
  }

  dropIndex(db: string, name: string, index: string): void {
    const c = this.collection(db, name);
    if (!c) throw new EngineError(26, "NamespaceNotFound", `ns not found ${db}.${name}`);
    c.dropIndex(index);
    this.record(db, name, c);
  }

  drop(db: string, name: string): boolean {
    const c = this.collection(db, name);
    if (!c) return false;
    c.close();
    this.collections.delete(`${db}.${name}`);
    rmSync(c.path, { force: true });
    const catalog = this.catalog(db);
    delete catalog.collections[name];
    this.saveCatalog(db, catalog);
    return true;
  }

  dropDatabase(db: string): void {
    for (const name of this.collectionNames(db)) this.drop(db, name);
    rmSync(join(this.dir, db), { recursive: true, force: true });
  }

  /** Committed lines whose checksum fails, in every collection (opening each to find out). */
  damage(): Damage[] {
    return this.databases().flatMap((d) => this.collectionNames(d.name).flatMap((n) => this.collection(d.name, n)!.damaged));
  }

  close(): void {
    for (const c of this.collections.values()) c.close();
    this.collections.clear();
    this.release();
  }
}
