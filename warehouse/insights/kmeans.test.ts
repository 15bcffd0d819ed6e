import { describe, expect, it } from "vitest";
import { adjustedRandIndex, kmeans, rng, silhouetteSample, silhouetteScore, standardise, type Matrix } from "./kmeans.ts";

/** n points around k well-separated centres in d dimensions, with their true labels. */
function blobs(n: number, d: number, k: number, spread = 0.5, seed = 3): { matrix: Matrix; truth: Int32Array } {
  const random = rng(seed);
  const centres = Array.from({ length: k }, (_, c) => Array.from({ length: d }, (_, j) => (j === c % d ? 10 : 0) + c * 3));
  const data = new Float64Array(n * d);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c][j] + (random() - 0.5) * 2 * spread;
  }
  return { matrix: { data, n, d }, truth };
}

describe("kmeans", () => {
  it("recovers well-separated clusters exactly", () => {
    const { matrix, truth } = blobs(3000, 4, 4);
    const result = kmeans(matrix, 4, { seed: 1 });
    expect(adjustedRandIndex(result.labels, truth)).toBeCloseTo(1, 10);
    expect(new Set(result.labels).size).toBe(4);
  });

  it("is reproducible for a seed, and inertia falls as k grows", () => {
    const { matrix } = blobs(2000, 3, 3, 2);
    const a = kmeans(matrix, 3, { seed: 9 });
    const b = kmeans(matrix, 3, { seed: 9 });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBe(b.inertia);
    expect(kmeans(matrix, 5, { seed: 9 }).inertia).toBeLessThan(a.inertia);
  });

  it("rejects fewer rows than clusters", () => {
    expect(() => kmeans({ data: new Float64Array(4), n: 2, d: 2 }, 3)).toThrow(/at least k = 3 rows/);
  });
});

describe("silhouette", () => {
  it("is highest at the true number of clusters", () => {
    const { matrix } = blobs(1500, 4, 4);
    const sample = silhouetteSample(matrix, 600);
    const scores = [2, 3, 4, 5, 6].map((k) => silhouetteScore(sample, kmeans(matrix, k, { seed: 2 }).labels, k));
    expect(scores.indexOf(Math.max(...scores)) + 2).toBe(4);
    expect(scores[2]).toBeGreaterThan(0.7);
  });
});

describe("adjustedRandIndex", () => {
  it("is 1 for the same partition under other names, and near 0 for unrelated labels", () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 9, 9])).toBe(1);
    const random = rng(4);
    const a = Array.from({ length: 5000 }, () => Math.floor(random() * 4));
    const b = Array.from({ length: 5000 }, () => Math.floor(random() * 4));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.02);
  });
});

describe("standardise", () => {
  it("gives every column mean 0 and variance 1, and constant columns 0", () => {
    const matrix = { data: Float64Array.from([1, 5, 2, 5, 3, 5, 4, 5]), n: 4, d: 2 };
    standardise(matrix);
    const col = (j: number) => [0, 1, 2, 3].map((i) => matrix.data[i * 2 + j]);
    expect(col(0).reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(col(0).reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 12);
    expect(col(1)).toEqual([0, 0, 0, 0]);
  });
});
