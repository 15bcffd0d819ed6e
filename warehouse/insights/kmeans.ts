/**
 * @module k-means on typed arrays (row-major n × d Float64Array): seeded k-means++ and Lloyd
 * iterations, plus the silhouette score on a sample and the adjusted Rand index. Hand-written
 * because `ml-kmeans` over arrays of arrays is about 10× slower at a million rows.
 */

export type Matrix = { data: Float64Array; n: number; d: number };
export type KMeansResult = { k: number; centroids: Float64Array; labels: Int32Array; inertia: number; iterations: number };

/** A small seeded PRNG (mulberry32): the same seed gives the same clustering. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function squaredDistance(data: Float64Array, i: number, centroids: Float64Array, c: number, d: number): number {
  let s = 0;
  const a = i * d;
  const b = c * d;
  for (let j = 0; j < d; j++) {
    const diff = data[a + j] - centroids[b + j];
    s += diff * diff;
  }
  return s;
}

/**
 * k-means++ seeding with a few candidate draws per centre (as scikit-learn does). The candidates of
 * one round are scored in a single pass over the rows, and the winner's distances are kept, so each
 * centre costs one pass rather than one per candidate plus one more.
 */
function kmeansPlusPlus({ data, n, d }: Matrix, k: number, random: () => number): Float64Array {
  const centroids = new Float64Array(k * d);
  const first = Math.floor(random() * n);
  centroids.set(data.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += closest[i] = squaredDistance(data, i, centroids, 0, d);
  const trials = 2 + Math.floor(Math.log(k));
  const candidates = new Float64Array(trials * d);
  let scratch = Array.from({ length: trials }, () => new Float64Array(n));
  const sums = new Float64Array(trials);
  for (let c = 1; c < k; c++) {
    // Draw the candidates by D² weighting: one scan over the running sum serves all sorted targets.
    const targets = Array.from({ length: trials }, (_, t) => ({ t, at: random() * total })).sort((a, b) => a.at - b.at);
    const picks = new Array<number>(trials).fill(n - 1);
    let running = 0;
    let next = 0;
    for (let i = 0; i < n && next < trials; i++) {
      running += closest[i];
      while (next < trials && running >= targets[next].at) picks[targets[next++].t] = i;
    }
    for (let t = 0; t < trials; t++) candidates.set(data.subarray(picks[t] * d, picks[t] * d + d), t * d);
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const a = i * d;
      for (let t = 0; t < trials; t++) {
        const b = t * d;
        let s2 = 0;
        for (let j = 0; j < d; j++) {
          const diff = data[a + j] - candidates[b + j];
          s2 += diff * diff;
        }
        const m = s2 < closest[i] ? s2 : closest[i];
        scratch[t][i] = m;
        sums[t] += m;
      }
    }
    let best = 0;
    for (let t = 1; t < trials; t++) if (sums[t] < sums[best]) best = t;
    centroids.set(candidates.subarray(best * d, best * d + d), c * d);
    [closest, scratch[best]] = [scratch[best], closest];
    scratch = [...scratch];
    total = sums[best];
  }
  return centroids;
}

/** Lloyd's algorithm from k-means++ seeds; stops when labels settle or centres move less than `tol` (relative to the data's variance). */
export function kmeans(matrix: Matrix, k: number, { seed = 42, maxIterations = 300, tol = 1e-4 } = {}): KMeansResult {
  const { data, n, d } = matrix;
  if (n < k) throw new Error(`k-means needs at least k = ${k} rows, got ${n}`);
  const centroids = kmeansPlusPlus(matrix, k, rng(seed));
  const labels = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const norms = new Float64Array(k);
  const { variances } = columnStats(matrix);
  const threshold = (tol * variances.reduce((a, b) => a + b, 0)) / d;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += centroids[c * d + j] ** 2;
      norms[c] = s;
    }
    sums.fill(0);
    counts.fill(0);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const a = i * d;
      let best = 0;
      let bestScore = Infinity;
      for (let c = 0; c < k; c++) {
        const b = c * d;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += data[a + j] * centroids[b + j];
        const score = norms[c] - 2 * dot;
        if (score < bestScore) {
          bestScore = score;
          best = c;
        }
      }
      if (labels[i] !== best) {
        labels[i] = best;
        changed++;
      }
      counts[best]++;
      const b = best * d;
      for (let j = 0; j < d; j++) sums[b + j] += data[a + j];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // an empty cluster keeps its centre
      for (let j = 0; j < d; j++) {
        const next = sums[c * d + j] / counts[c];
        shift += (next - centroids[c * d + j]) ** 2;
        centroids[c * d + j] = next;
      }
    }
    if (changed === 0 || shift <= threshold) {
      iterations++;
      break;
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(data, i, centroids, labels[i], d);
  return { k, centroids, labels, inertia, iterations };
}

/** Mean silhouette of a random sample of rows (exact within the sample). */
export function silhouette({ data, n, d }: Matrix, labels: Int32Array, k: number, sampleSize = 2000, seed = 7): number {
  const random = rng(seed);
  const indices = n <= sampleSize ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: sampleSize }, () => Math.floor(random() * n));
  const m = indices.length;
  let total = 0;
  const sums = new Float64Array(k);
  const sizes = new Float64Array(k);
  for (const i of indices) sizes[labels[i]]++;
  for (const i of indices) {
    sums.fill(0);
    for (const j of indices) {
      if (i === j) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (data[i * d + t] - data[j * d + t]) ** 2;
      sums[labels[j]] += Math.sqrt(s);
    }
    const own = labels[i];
    if (sizes[own] <= 1) continue;
    const a = sums[own] / (sizes[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
    total += (b - a) / Math.max(a, b);
  }
  return total / m;
}

/** Adjusted Rand index between two labellings of the same rows (1 = identical partitions, about 0 = chance). */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error("adjustedRandIndex: labellings differ in length");
  const n = a.length;
  const table = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    table.set(`${a[i]}|${b[i]}`, (table.get(`${a[i]}|${b[i]}`) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  const pairs = (x: number) => (x * (x - 1)) / 2;
  const sum = (m: Map<unknown, number>) => [...m.values()].reduce((s, x) => s + pairs(x), 0);
  const index = sum(table);
  const expected = (sum(rows) * sum(cols)) / pairs(n);
  const max = (sum(rows) + sum(cols)) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}

/** Each column's mean and (population) variance, in two row-order passes (column order is several times slower). */
function columnStats({ data, n, d }: Matrix): { means: Float64Array; variances: Float64Array } {
  const means = new Float64Array(d);
  const variances = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0, a = i * d; j < d; j++) means[j] += data[a + j];
  for (let j = 0; j < d; j++) means[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0, a = i * d; j < d; j++) {
      const x = data[a + j] - means[j];
      variances[j] += x * x;
    }
  }
  for (let j = 0; j < d; j++) variances[j] /= n;
  return { means, variances };
}

/** Standardises each column in place to mean 0 and variance 1 (constant columns become 0); returns means and deviations. */
export function standardise(matrix: Matrix): { means: Float64Array; deviations: Float64Array } {
  const { data, n, d } = matrix;
  const { means, variances } = columnStats(matrix);
  const deviations = variances.map(Math.sqrt);
  for (let i = 0; i < n; i++) {
    for (let j = 0, a = i * d; j < d; j++) data[a + j] = deviations[j] > 0 ? (data[a + j] - means[j]) / deviations[j] : 0;
  }
  return { means, deviations };
}
