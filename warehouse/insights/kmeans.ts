/**
 * @module k-means on typed arrays (row-major n × d Float64Array): seeded k-means++ and Lloyd
 * iterations from several starts, run on worker threads at once, the silhouette on repeated samples
 * with a rule for k, and the adjusted Rand index. Hand-written because `ml-kmeans` over arrays of
 * arrays is about 10× slower at a million rows.
 */
import { availableParallelism } from "node:os";
import { Worker, type MessagePort } from "node:worker_threads";

export type Matrix = { data: Float64Array; n: number; d: number };
export type KMeansResult = { k: number; centroids: Float64Array; labels: Int32Array; inertia: number; iterations: number; seeds: Float64Array };

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same clustering. Its state only adds a
 * constant per draw, so `skip` draws are skipped at once: `rng(seed, m)` continues where `m` draws of
 * `rng(seed)` leave off.
 */
export function rng(seed: number, skip = 0): () => number {
  let a = ((seed >>> 0) + Math.imul(skip, 0x6d2b79f5)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Squared distance between row i of `x` and row c of `y`, both d wide. Four running sums, so that the additions do not wait on each other: about twice as fast in V8. */
function squaredDistance(x: Float64Array, i: number, y: Float64Array, c: number, d: number): number {
  const a = i * d;
  const b = c * d;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const e0 = x[a + j] - y[b + j];
    const e1 = x[a + j + 1] - y[b + j + 1];
    const e2 = x[a + j + 2] - y[b + j + 2];
    const e3 = x[a + j + 3] - y[b + j + 3];
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  for (; j < d; j++) {
    const e = x[a + j] - y[b + j];
    s0 += e * e;
  }
  return s0 + s1 + (s2 + s3);
}

/** Candidates drawn per centre after the first in k-means++ (scikit-learn's `2 + log k`). */
const candidatesPerCentre = (k: number) => 2 + Math.floor(Math.log(k));

/** Seeds, and each row's nearest seed with the squared distances to it and to the next nearest: Lloyd's first assignment. */
type Seeding = { seeds: Float64Array; labels: Int32Array; first: Float64Array; second: Float64Array };

/**
 * k-means++ seeding with a few candidate draws per centre (as scikit-learn does). The candidates of
 * one round are scored in a single pass over the rows, and the winner's distances are kept, so each
 * centre costs one pass rather than one per candidate plus one more; by the end they give each row's
 * nearest seed, so Lloyd's algorithm starts without a pass of k distances per row.
 */
function kmeansPlusPlus({ data, n, d }: Matrix, k: number, random: () => number): Seeding {
  const seeds = new Float64Array(k * d);
  const firstRow = Math.floor(random() * n);
  seeds.set(data.subarray(firstRow * d, firstRow * d + d), 0);
  const labels = new Int32Array(n);
  const first = new Float64Array(n);
  const second = new Float64Array(n).fill(Infinity);
  let total = 0;
  for (let i = 0; i < n; i++) total += first[i] = squaredDistance(data, i, seeds, 0, d);
  const trials = candidatesPerCentre(k);
  const candidates = new Float64Array(trials * d);
  // Each row's distances to the candidates side by side: one array, which V8 writes faster than one per candidate.
  const distances = new Float64Array(n * trials);
  const sums = new Float64Array(trials);
  for (let c = 1; c < k; c++) {
    // Draw the candidates by D² weighting: one scan over the running sum serves all sorted targets.
    const targets = Array.from({ length: trials }, (_, t) => ({ t, at: random() * total })).sort((a, b) => a.at - b.at);
    const picks = new Array<number>(trials).fill(n - 1);
    let running = 0;
    let next = 0;
    for (let i = 0; i < n && next < trials; i++) {
      running += first[i];
      while (next < trials && running >= targets[next].at) picks[targets[next++].t] = i;
    }
    for (let t = 0; t < trials; t++) candidates.set(data.subarray(picks[t] * d, picks[t] * d + d), t * d);
    sums.fill(0);
    for (let i = 0, o = 0; i < n; i++) {
      const own = first[i];
      for (let t = 0; t < trials; t++, o++) {
        const s2 = (distances[o] = squaredDistance(data, i, candidates, t, d));
        sums[t] += s2 < own ? s2 : own;
      }
    }
    let best = 0;
    for (let t = 1; t < trials; t++) if (sums[t] < sums[best]) best = t;
    seeds.set(candidates.subarray(best * d, best * d + d), c * d);
    for (let i = 0, o = best; i < n; i++, o += trials) {
      const s2 = distances[o];
      if (s2 < first[i]) {
        second[i] = first[i];
        first[i] = s2;
        labels[i] = c;
      } else if (s2 < second[i]) second[i] = s2;
    }
    total = sums[best];
  }
  return { seeds, labels, first, second };
}

export type KMeansOptions = { seed?: number; starts?: number; maxIterations?: number; tol?: number; init?: Float64Array; threads?: number };

/**
 * Below this much work (rows × k × columns × starts, about 8 ns each: 40 ms here) the starts run on
 * this thread, as a worker's start-up (about 0.3 s of another core, once per process) would not pay.
 */
const PARALLEL_MIN_WORK = 5e6;

/**
 * k-means from `starts` k-means++ seedings (scikit-learn's `n_init`), keeping the run with the lowest
 * inertia (the earliest start on a tie): one start lands in a poorer local optimum often enough that
 * which one depends on the row order. Each start draws its own seeds (see `runStart`), so the starts
 * run at once on up to `threads` threads (by default one per core) with the same result as one after
 * another. `init` gives the seeds of a single run instead.
 */
export function kmeans(matrix: Matrix, k: number, { seed = 42, starts = 1, maxIterations = 300, tol = 1e-4, init, threads = availableParallelism() }: KMeansOptions = {}): KMeansResult {
  if (matrix.n < k) throw new Error(`k-means needs at least k = ${k} rows, got ${matrix.n}`);
  const { variances } = columnStats(matrix);
  const threshold = (tol * variances.reduce((a, b) => a + b, 0)) / matrix.d;
  if (init) return lloyd(matrix, k, Float64Array.from(init), maxIterations, threshold);
  const spec = { n: matrix.n, d: matrix.d, k, seed, starts, maxIterations, threshold };
  const parallel = Math.min(threads, starts) > 1 && matrix.n * k * matrix.d * starts >= PARALLEL_MIN_WORK;
  const helpers = parallel ? workerPool().slice(0, Math.min(threads, starts) - 1) : [];
  if (helpers.length > 0) return parallelStarts(matrix, spec, helpers);
  let best: KMeansResult | undefined;
  for (let s = 0; s < starts; s++) {
    const run = runStart(matrix, spec, s);
    if (!best || run.inertia < best.inertia) best = run;
  }
  return best as KMeansResult;
}

type StartSpec = { n: number; d: number; k: number; seed: number; starts: number; maxIterations: number; threshold: number };

/**
 * Start `s` of a multi-start run. Its k-means++ takes the same draws as when the starts run one after
 * another from one generator (each start takes a fixed number), found by skipping those of the starts
 * before it, so any thread can run any start.
 */
function runStart(matrix: Matrix, { k, seed, maxIterations, threshold }: StartSpec, s: number): KMeansResult {
  const draws = 1 + (k - 1) * candidatesPerCentre(k);
  const { seeds, ...assignment } = kmeansPlusPlus(matrix, k, rng(seed, s * draws));
  return lloyd(matrix, k, seeds, maxIterations, threshold, assignment);
}

/**
 * One multi-start run shared between threads, all in shared memory: the rows, and one buffer for a
 * counter from which each thread claims the next start, each start's state, and each start's result in
 * its own slot. Only the buffers are posted, and each thread makes its own views (`jobViews`): Deno
 * takes time in proportion to a typed array's length to receive one (4 s for a million rows of 25
 * columns), and none to receive a buffer.
 */
type StartsJob = StartSpec & { rows: SharedArrayBuffer; rowsOffset: number; results: SharedArrayBuffer };
const PENDING = 0;
const DONE = 1;
const FAILED = 2;

function newJob(spec: StartSpec, data: Float64Array): StartsJob {
  const { n, k, d, starts } = spec;
  let rows = data;
  if (!(data.buffer instanceof SharedArrayBuffer)) {
    rows = new Float64Array(new SharedArrayBuffer(data.byteLength));
    rows.set(data);
  }
  const bytes = Float64Array.BYTES_PER_ELEMENT * (2 * starts * k * d + starts) + Int32Array.BYTES_PER_ELEMENT * (1 + 2 * starts + starts * n);
  return { ...spec, rows: rows.buffer as SharedArrayBuffer, rowsOffset: rows.byteOffset, results: new SharedArrayBuffer(bytes) };
}

/** The job's rows and slots: the doubles first, so that each view is aligned. */
function jobViews({ n, d, k, starts, rows, rowsOffset, results }: StartsJob) {
  const size = starts * k * d;
  const doubles = new Float64Array(results, 0, 2 * size + starts);
  const ints = new Int32Array(results, doubles.byteLength, 1 + 2 * starts + starts * n);
  return {
    data: new Float64Array(rows, rowsOffset, n * d),
    centroids: doubles.subarray(0, size),
    seeds: doubles.subarray(size, 2 * size),
    inertia: doubles.subarray(2 * size),
    next: ints.subarray(0, 1),
    state: ints.subarray(1, 1 + starts),
    iterations: ints.subarray(1 + starts, 1 + 2 * starts),
    labels: ints.subarray(1 + 2 * starts),
  };
}
type JobViews = ReturnType<typeof jobViews>;

/** Runs starts of the job until none is left unclaimed; a start that throws is marked failed, for the calling thread to run again. */
function claimStarts(job: StartsJob, views = jobViews(job)): void {
  const matrix = { data: views.data, n: job.n, d: job.d };
  for (let s = Atomics.add(views.next, 0, 1); s < job.starts; s = Atomics.add(views.next, 0, 1)) {
    let state = DONE;
    try {
      saveStart(job, views, s, runStart(matrix, job, s));
    } catch {
      state = FAILED;
    }
    Atomics.store(views.state, s, state);
    Atomics.notify(views.state, s);
  }
}

function saveStart({ n, k, d }: StartSpec, views: JobViews, s: number, run: KMeansResult): void {
  views.centroids.set(run.centroids, s * k * d);
  views.seeds.set(run.seeds, s * k * d);
  views.labels.set(run.labels, s * n);
  views.inertia[s] = run.inertia;
  views.iterations[s] = run.iterations;
}

/**
 * Runs the starts on this thread and the helpers at once. This thread blocks until every start is done,
 * as the sequential loop would, so `kmeans` stays synchronous; the helpers need nothing from its event
 * loop. A helper still starting up simply claims no start, so a worker that never comes up costs nothing.
 */
function parallelStarts(matrix: Matrix, spec: StartSpec, helpers: Worker[]): KMeansResult {
  const { n, k, d, starts } = spec;
  const job = newJob(spec, matrix.data);
  const views = jobViews(job);
  for (const helper of helpers) helper.postMessage(job);
  claimStarts(job, views);
  let best = 0;
  for (let s = 0; s < starts; s++) {
    while (Atomics.load(views.state, s) === PENDING) Atomics.wait(views.state, s, PENDING);
    // Run here again, so that its error (if it recurs) is thrown to the caller.
    if (Atomics.load(views.state, s) === FAILED) saveStart(spec, views, s, runStart(matrix, spec, s));
    if (views.inertia[s] < views.inertia[best]) best = s;
  }
  const size = k * d;
  return {
    k,
    centroids: views.centroids.slice(best * size, (best + 1) * size),
    labels: views.labels.slice(best * n, (best + 1) * n),
    inertia: views.inertia[best],
    iterations: views.iterations[best],
    seeds: views.seeds.slice(best * size, (best + 1) * size),
  };
}

let pool: Worker[] | undefined;

/**
 * The process's helper threads, one fewer than its cores (this thread is the other), started on first
 * use and kept for later runs. They are unref'd, so they never keep the process alive; one that fails
 * leaves the pool, and if none can be started at all the starts run on this thread.
 *
 * The entry is a plain `.mjs` that loads this module itself (registering tsx under Node, natively under
 * Deno), because a worker inherits no loader: not the CLI's compiled build, nor vitest's transform,
 * and Node 20 ignores `--import tsx` in a worker's `execArgv` for its entry (Deno rejects the flag).
 * Rebuilding the functions from their source text would break on the `__name` calls tsx's esbuild inserts.
 */
function workerPool(): Worker[] {
  if (pool) return pool;
  const workers: Worker[] = [];
  pool = workers;
  try {
    for (let i = 1; i < availableParallelism(); i++) {
      // No execArgv: the parent's (`--import tsx`, vitest's flags) would load the loader twice.
      const worker = new Worker(new URL("./kmeans-worker.mjs", import.meta.url), { execArgv: [] });
      // A worker's error is not the caller's: the starts it would have claimed run on this thread.
      const leave = () => {
        const at = workers.indexOf(worker);
        if (at >= 0) workers.splice(at, 1);
      };
      worker.on("error", leave).on("exit", leave).unref();
      workers.push(worker);
    }
  } catch {
    // A runtime that cannot start workers: the starts run on this thread.
  }
  return workers;
}

/** The worker's side (see kmeans-worker.mjs): runs starts of every job it is sent. */
export function serveStarts(port: MessagePort): void {
  port.on("message", (job: StartsJob) => claimStarts(job));
}

/**
 * Lloyd's algorithm from the given seeds, with Hamerly's bounds: each row keeps an upper bound on the
 * distance to its centre and a lower bound on the distance to any other, so once the centres settle
 * most rows are skipped without computing a distance. The result is exactly Lloyd's. Stops when no
 * label changes or the centres move less than the threshold (`tol` relative to the data's variance, as scikit-learn).
 * `assignment` is each row's nearest seed where the seeding found it (it then becomes the result's labels).
 */
function lloyd(matrix: Matrix, k: number, seeds: Float64Array, maxIterations: number, threshold: number, assignment?: Omit<Seeding, "seeds">): KMeansResult {
  const { data, n, d } = matrix;
  const centroids = Float64Array.from(seeds);
  const labels = assignment?.labels ?? new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const shift = new Float64Array(k);
  const half = new Float64Array(k);

  /** Assigns row i to its nearest centre from scratch; returns the label. */
  const assign = (i: number) => {
    let best = 0;
    let first = Infinity;
    let second = Infinity;
    for (let c = 0; c < k; c++) {
      const dist = squaredDistance(data, i, centroids, c, d);
      if (dist < first) {
        second = first;
        first = dist;
        best = c;
      } else if (dist < second) second = dist;
    }
    upper[i] = Math.sqrt(first);
    lower[i] = Math.sqrt(second);
    return best;
  };
  for (let i = 0; i < n; i++) {
    if (assignment) {
      upper[i] = Math.sqrt(assignment.first[i]);
      lower[i] = Math.sqrt(assignment.second[i]);
    } else labels[i] = assign(i);
    const c = labels[i];
    counts[c]++;
    for (let j = 0, a = i * d, b = c * d; j < d; j++) sums[b + j] += data[a + j];
  }

  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    let moved = 0;
    let maxShift = 0;
    for (let c = 0; c < k; c++) {
      let s2 = 0;
      if (counts[c] > 0) {
        // an empty cluster keeps its centre
        for (let j = 0; j < d; j++) {
          const next = sums[c * d + j] / counts[c];
          s2 += (next - centroids[c * d + j]) ** 2;
          centroids[c * d + j] = next;
        }
      }
      shift[c] = Math.sqrt(s2);
      moved += s2;
      if (shift[c] > maxShift) maxShift = shift[c];
    }
    for (let c = 0; c < k; c++) {
      let nearest = Infinity;
      for (let o = 0; o < k; o++) if (o !== c) nearest = Math.min(nearest, squaredDistance(centroids, c, centroids, o, d));
      half[c] = Math.sqrt(nearest) / 2;
    }
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const a = labels[i];
      upper[i] += shift[a];
      lower[i] -= maxShift;
      const bound = half[a] > lower[i] ? half[a] : lower[i];
      if (upper[i] <= bound) continue;
      upper[i] = Math.sqrt(squaredDistance(data, i, centroids, a, d));
      if (upper[i] <= bound) continue;
      const c = assign(i);
      if (c !== a) {
        labels[i] = c;
        counts[a]--;
        counts[c]++;
        for (let j = 0, x = i * d, from = a * d, to = c * d; j < d; j++) {
          sums[from + j] -= data[x + j];
          sums[to + j] += data[x + j];
        }
        changed++;
      }
    }
    if (changed === 0 || moved <= threshold) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(data, i, centroids, labels[i], d);
  return { k, centroids, labels, inertia, iterations, seeds };
}

type SilhouetteSample = { indices: Int32Array; distances: Float64Array };

/** Rows drawn without replacement (a partial Fisher–Yates shuffle) and their pairwise distances, computed once and scored for every k. */
function silhouetteSample({ data, n, d }: Matrix, sampleSize: number, seed: number): SilhouetteSample {
  const random = rng(seed);
  const m = Math.min(n, sampleSize);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let x = 0; x < m; x++) {
    const y = x + Math.floor(random() * (n - x));
    [order[x], order[y]] = [order[y], order[x]];
  }
  const indices = order.slice(0, m);
  const distances = new Float64Array(m * m);
  for (let x = 0; x < m; x++) {
    for (let y = x + 1; y < m; y++) distances[x * m + y] = distances[y * m + x] = Math.sqrt(squaredDistance(data, indices[x], data, indices[y], d));
  }
  return { indices, distances };
}

/** Each sampled row's silhouette under `labels` (exact within the sample; 0 for a row alone in its cluster, as scikit-learn). */
function silhouettes({ indices, distances }: SilhouetteSample, labels: Int32Array, k: number): Float64Array {
  const m = indices.length;
  const own = Int32Array.from(indices, (i) => labels[i]);
  const sizes = new Float64Array(k);
  for (const l of own) sizes[l]++;
  const sums = new Float64Array(k);
  const values = new Float64Array(m);
  for (let x = 0; x < m; x++) {
    sums.fill(0);
    for (let y = 0; y < m; y++) if (x !== y) sums[own[y]] += distances[x * m + y];
    if (sizes[own[x]] <= 1) continue;
    const a = sums[own[x]] / (sizes[own[x]] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own[x] && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
    values[x] = (b - a) / Math.max(a, b);
  }
  return values;
}

/** Per k: the mean silhouette, and the standard error of its difference from the best k's (0 for the best itself). */
export type SilhouetteCurve = Array<{ k: number; score: number; se: number }>;

/**
 * Scores clusterings of the same rows by their mean silhouette over `samples` independent samples of
 * `sampleSize` rows (one sample of every row when there are no more). Every k is scored on the same
 * sampled rows, so each k's difference from the best is a mean of paired per-row differences, whose
 * standard error says how much of it the sampling alone could make.
 */
export function silhouetteCurve(matrix: Matrix, runs: KMeansResult[], { samples = 5, sampleSize = 2000, seed = 7 }: { samples?: number; sampleSize?: number; seed?: number } = {}): SilhouetteCurve {
  const draws = matrix.n <= sampleSize ? 1 : samples;
  const values = runs.map(() => [] as Float64Array[]);
  for (let s = 0; s < draws; s++) {
    const sample = silhouetteSample(matrix, sampleSize, seed + s);
    runs.forEach((run, r) => values[r].push(silhouettes(sample, run.labels, run.k)));
  }
  const perRun = values.map((v) => Float64Array.from(v.flatMap((x) => Array.from(x))));
  const mean = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;
  const scores = perRun.map(mean);
  const best = scores.indexOf(Math.max(...scores));
  return runs.map((run, r) => {
    const diff = perRun[r].map((x, i) => perRun[best][i] - x);
    const m = mean(diff);
    const variance = diff.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, diff.length - 1);
    return { k: run.k, score: scores[r], se: Math.sqrt(variance / diff.length) };
  });
}

/**
 * The smallest k whose score is within two standard errors of the best: a larger k must beat a
 * smaller one by more than sampling noise to be chosen, so near-ties do not flip with the sample.
 */
export function chooseK(curve: SilhouetteCurve): number {
  const best = Math.max(...curve.map((c) => c.score));
  return Math.min(...curve.filter((c) => best - c.score <= 2 * c.se).map((c) => c.k));
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
