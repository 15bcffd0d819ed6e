/**
 * @module Cubes packed for the page: each cube's columns as the smallest unsigned typed array that
 * holds them, laid end to end (each at a 4-byte boundary), gzipped and base64-encoded. The browser
 * unpacks them with `DecompressionStream`, which needs no fetch, so a page opened from file:// can.
 */
import { gzipSync } from "node:zlib";

export type PackedCube = { rows: number; columns: Array<{ name: string; type: "u8" | "u16" | "u32" }>; gzip: string };

const typeFor = (values: number[]) => {
  let max = 0;
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`a cube column holds ${v}: only whole numbers from 0 can be packed`);
    if (v > max) max = v;
  }
  return max < 2 ** 8 ? ("u8" as const) : max < 2 ** 16 ? ("u16" as const) : ("u32" as const);
};
const ARRAYS = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array };

export function packCube(cube: Record<string, number[]>): PackedCube {
  const names = Object.keys(cube);
  const rows = cube[names[0]].length;
  const columns = names.map((name) => ({ name, type: typeFor(cube[name]) }));
  const sizes = columns.map((c) => Math.ceil((rows * ARRAYS[c.type].BYTES_PER_ELEMENT) / 4) * 4);
  const buffer = new ArrayBuffer(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  columns.forEach((c, i) => {
    new ARRAYS[c.type](buffer, offset, rows).set(cube[c.name]);
    offset += sizes[i];
  });
  return { rows, columns, gzip: gzipSync(new Uint8Array(buffer), { level: 9 }).toString("base64") };
}
