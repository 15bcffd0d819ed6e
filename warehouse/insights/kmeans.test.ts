import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { describe, expect, it, vi } from "vitest";
import { adjustedRandIndex, chooseK, kmeans, rng, silhouetteCurve, standardise, type Matrix } from "./kmeans.ts";

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

/** A side × side grid of square clusters in the plane, 2 apart, with their true labels. */
function grid(side: number, perCluster: number, spread: number, seed = 3): { matrix: Matrix; truth: Int32Array } {
  const random = rng(seed);
  const n = side * side * perCluster;
  const data = new Float64Array(n * 2);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = (truth[i] = i % (side * side));
    data[i * 2] = (c % side) * 2 + (random() - 0.5) * 2 * spread;
    data[i * 2 + 1] = Math.floor(c / side) * 2 + (random() - 0.5) * 2 * spread;
  }
  return { matrix: { data, n, d: 2 }, truth };
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

  it("keeps the best of several starts, so that every seed finds the same optimum where single starts differ", () => {
    const { matrix, truth } = grid(3, 200, 0.6);
    const single = [1, 2, 3, 4, 5, 6].map((seed) => kmeans(matrix, 9, { seed }).inertia);
    expect(new Set(single.map((x) => x.toFixed(6))).size).toBeGreaterThan(1);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const best = kmeans(matrix, 9, { seed, starts: 10 });
      expect(best.inertia).toBeCloseTo(Math.min(...single), 6);
      expect(adjustedRandIndex(best.labels, truth)).toBeCloseTo(1, 10);
    }
  });

  it.skipIf(availableParallelism() < 2)("gives the same labels, centroids and inertia with its starts on worker threads as one after another", () => {
    // Large enough to take the parallel path; overlapping clusters, so that the starts end in different optima and a later one wins.
    const { matrix } = blobs(60_000, 4, 4, 6);
    const posted = vi.spyOn(Worker.prototype, "postMessage");
    const first = kmeans(matrix, 7, { seed: 1, starts: 10 });
    expect(posted).toHaveBeenCalled();
    const sequential = kmeans(matrix, 7, { seed: 1, starts: 10, threads: 1 });
    expect(sequential.inertia).toBeLessThan(kmeans(matrix, 7, { seed: 1, starts: 1 }).inertia);
    // By now the workers are up, so they run some of the starts.
    const parallel = kmeans(matrix, 7, { seed: 1, starts: 10 });
    for (const run of [first, parallel]) {
      expect(run.inertia).toBe(sequential.inertia);
      expect(run.iterations).toBe(sequential.iterations);
      expect(run.labels).toEqual(sequential.labels);
      expect(run.centroids).toEqual(sequential.centroids);
      expect(run.seeds).toEqual(sequential.seeds);
    }
    posted.mockRestore();
  });

  it("rejects fewer rows than clusters", () => {
    expect(() => kmeans({ data: new Float64Array(4), n: 2, d: 2 }, 3)).toThrow(/at least k = 3 rows/);
  });
});

describe("rng", () => {
  it("skips draws at once: rng(seed, m) continues where m draws of rng(seed) leave off", () => {
    const stream = rng(7);
    const drawn = Array.from({ length: 40 }, stream);
    for (const m of [0, 1, 13, 39]) expect(rng(7, m)()).toBe(drawn[m]);
  });
});

describe("silhouette", () => {
  it("is exact when every row fits in the sample", () => {
    // Points 0, 1, 10 and 11 in two pairs: each has a = 1, and b = 10.5 (the outer two) or 9.5 (the inner two).
    const matrix = { data: Float64Array.from([0, 1, 10, 11]), n: 4, d: 1 };
    const [curve] = silhouetteCurve(matrix, [kmeans(matrix, 2, { seed: 1 })]);
    expect(curve.score).toBeCloseTo((2 * (1 - 1 / 10.5) + 2 * (1 - 1 / 9.5)) / 4, 12);
  });

  it("is highest at the true number of clusters, and only the best k has no noise in its difference from the best", () => {
    const { matrix } = blobs(6000, 4, 4);
    const curve = silhouetteCurve(matrix, [2, 3, 4, 5, 6].map((k) => kmeans(matrix, k, { seed: 2, starts: 3 })), { samples: 3, sampleSize: 600 });
    expect(curve.map((c) => c.k)).toEqual([2, 3, 4, 5, 6]);
    const best = curve.reduce((a, b) => (b.score > a.score ? b : a));
    expect(best).toMatchObject({ k: 4, se: 0 });
    expect(best.score).toBeGreaterThan(0.7);
    for (const c of curve) if (c.k !== 4) expect(c.se).toBeGreaterThan(0);
    expect(chooseK(curve)).toBe(4);
  });
});

describe("chooseK", () => {
  it("takes the smallest k within two standard errors of the best, and the best when none is", () => {
    const curve = (scores: number[], se: number) => scores.map((score, i) => ({ k: i + 2, score, se: score === Math.max(...scores) ? 0 : se }));
    expect(chooseK(curve([0.2, 0.295, 0.3, 0.25], 0.003))).toBe(3);
    expect(chooseK(curve([0.2, 0.29, 0.3, 0.25], 0.003))).toBe(4);
    expect(chooseK(curve([0.299, 0.28, 0.3, 0.25], 0.001))).toBe(2);
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
