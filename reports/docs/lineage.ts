/**
 * @module The lineage graph: sources and seeds → staging models → marts → insights → the tables the
 * report writes back. Edges come from the models' `ref`/`source` markers and from what each insight
 * declares it reads (checked against its SQL); dagre lays the graph out and it is drawn as an SVG in
 * which every node is a link to its page or section of the docs.
 */
import dagre from "@dagrejs/dagre";
import { html, type Html } from "../../lib/html.ts";
import type { DocsCatalog } from "./catalog.ts";

export type NodeKind = "source" | "seed" | "staging" | "mart" | "insight" | "write-back";
export type LineageNode = { id: string; kind: NodeKind; label: string; href: string };
export type LineageEdge = { from: string; to: string };
export type Lineage = { nodes: LineageNode[]; edges: LineageEdge[] };

export const nodeId = (kind: NodeKind, name: string) => `${kind === "staging" || kind === "mart" || kind === "write-back" ? "table" : kind}:${name}`;

/** Where each kind of node links, relative to the docs folder. */
export const hrefOf = (kind: NodeKind, name: string) =>
  kind === "source" ? `index.html#source-${name}` : kind === "seed" ? `index.html#seed-${name}` : kind === "insight" ? `index.html#insight-${name}` : `${name}.html`;

/** The graph: a node per source, seed, model, insight and write-back table; an edge per ref and per declared read. */
export function lineageOf(catalog: DocsCatalog): Lineage {
  const nodes: LineageNode[] = [
    ...catalog.sources.map((s) => ({ id: nodeId("source", s.name), kind: "source" as const, label: s.name, href: hrefOf("source", s.name) })),
    ...catalog.seeds.map((s) => ({ id: nodeId("seed", s.name), kind: "seed" as const, label: s.name, href: hrefOf("seed", s.name) })),
    ...catalog.tables.map((t) => ({ id: nodeId(t.kind, t.name), kind: t.kind, label: t.name, href: hrefOf(t.kind, t.name) })),
    ...catalog.insights.map((i) => ({ id: nodeId("insight", i.id), kind: "insight" as const, label: i.title, href: hrefOf("insight", i.id) })),
  ];
  const seeds = new Set(catalog.seeds.map((s) => s.name));
  const edges = new Map<string, LineageEdge>();
  const edge = (from: string, to: string) => edges.set(`${from}→${to}`, { from, to });
  for (const t of catalog.tables) {
    for (const ref of t.reads) {
      if (ref.kind === "source") edge(nodeId("source", ref.name), nodeId(t.kind, t.name));
      else if (ref.kind === "ref") edge(seeds.has(ref.name) ? nodeId("seed", ref.name) : `table:${ref.name}`, nodeId(t.kind, t.name));
    }
  }
  for (const i of catalog.insights) {
    for (const mart of i.marts) edge(`table:${mart}`, nodeId("insight", i.id));
    for (const upstream of i.insights) edge(nodeId("insight", upstream), nodeId("insight", i.id));
  }
  for (const [table, insights] of Object.entries(catalog.writes)) for (const id of insights) edge(nodeId("insight", id), `table:${table}`);
  return { nodes, edges: [...edges.values()] };
}

const COLORS: Record<NodeKind, { fill: string; stroke: string }> = {
  source: { fill: "#e0f2fe", stroke: "#0369a1" },
  seed: { fill: "#f3f4f6", stroke: "#4b5563" },
  staging: { fill: "#ecfccb", stroke: "#4d7c0f" },
  mart: { fill: "#ffedd5", stroke: "#c2410c" },
  insight: { fill: "#ede9fe", stroke: "#6d28d9" },
  "write-back": { fill: "#fce7f3", stroke: "#be185d" },
};
export const KIND_LABELS: Record<NodeKind, string> = { source: "staged source", seed: "seed", staging: "staging model", mart: "mart", insight: "insight", "write-back": "written back by the report" };

const r = (v: number) => Math.round(v * 10) / 10;

/** A smooth path through dagre's edge points: a uniform B-spline (as d3's curveBasis draws it), ending on the node's border. */
export function basisPath(points: Array<{ x: number; y: number }>): string {
  const [first, ...rest] = points;
  if (rest.length < 2) return `M${r(first.x)},${r(first.y)} ${rest.map((p) => `L${r(p.x)},${r(p.y)}`).join(" ")}`;
  const out = [`M${r(first.x)},${r(first.y)}`];
  const all = [first, ...rest];
  out.push(`L${r((5 * all[0].x + all[1].x) / 6)},${r((5 * all[0].y + all[1].y) / 6)}`);
  const curve = (a: { x: number; y: number }, b: { x: number; y: number }, c: { x: number; y: number }) =>
    `C${r((2 * a.x + b.x) / 3)},${r((2 * a.y + b.y) / 3)} ${r((a.x + 2 * b.x) / 3)},${r((a.y + 2 * b.y) / 3)} ${r((a.x + 4 * b.x + c.x) / 6)},${r((a.y + 4 * b.y + c.y) / 6)}`;
  for (let i = 2; i < all.length; i++) out.push(curve(all[i - 2], all[i - 1], all[i]));
  const [a, b] = all.slice(-2);
  out.push(curve(a, b, b), `L${r(b.x)},${r(b.y)}`);
  return out.join(" ");
}

const NODE_HEIGHT = 30;
const FONT = 13;
/** A width the label fits in, in DejaVu Sans at 13px (about 0.6 em a character). */
const widthOf = (label: string) => Math.ceil(label.length * FONT * 0.62) + 24;

/** The graph laid out left to right by dagre and drawn as SVG markup; `id` names its title for assistive technology. */
export function lineageSvg(lineage: Lineage, options: { standalone?: boolean } = {}): Html {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 70, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of lineage.nodes) g.setNode(n.id, { width: widthOf(n.label), height: NODE_HEIGHT });
  for (const e of lineage.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  const legendY = Math.ceil(height) + 8;
  const kinds = Object.keys(KIND_LABELS) as NodeKind[];

  const edges = lineage.edges.map((e) => {
    const points: Array<{ x: number; y: number }> = g.edge(e.from, e.to).points;
    const d = basisPath(points);
    return html`<path class="edge" data-from="${e.from}" data-to="${e.to}" d="${d}" fill="none" stroke="#9ca3af" stroke-width="1.2" marker-end="url(#lineage-arrow)"/>`;
  });
  const nodes = lineage.nodes.map((n) => {
    const { x, y, width: w, height: h } = g.node(n.id);
    const c = COLORS[n.kind];
    return html`<a class="node node-${n.kind}" href="${n.href}" data-node="${n.id}"><title>${n.label} (${KIND_LABELS[n.kind]})</title><rect x="${r(x - w / 2)}" y="${r(y - h / 2)}" width="${w}" height="${h}" rx="6" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5"/><text x="${r(x)}" y="${r(y + FONT / 2 - 2)}" text-anchor="middle" font-size="${FONT}" font-family="DejaVu Sans, system-ui, sans-serif" fill="#111827">${n.label}</text></a>`;
  });
  const legend = kinds.map((k, i) => html`<g transform="translate(${12 + i * 170},${legendY})"><rect width="14" height="14" rx="3" fill="${COLORS[k].fill}" stroke="${COLORS[k].stroke}"/><text x="20" y="12" font-size="12" font-family="DejaVu Sans, system-ui, sans-serif" fill="#374151">${KIND_LABELS[k]}</text></g>`);
  const totalWidth = Math.max(Math.ceil(width), 12 + kinds.length * 170);
  const totalHeight = legendY + 24;
  return html`<svg${options.standalone ? html` xmlns="http://www.w3.org/2000/svg"` : ""} class="lineage" viewBox="0 0 ${totalWidth} ${totalHeight}" width="${totalWidth}" height="${totalHeight}" style="max-width: 100%; height: auto" role="img" aria-labelledby="lineage-title">
<title id="lineage-title">Lineage: sources and seeds, staging models, marts, insights and the tables the report writes back; each box links to its documentation</title>
<defs><marker id="lineage-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9ca3af"/></marker></defs>
<g class="edges">${edges}</g>
<g class="nodes">${nodes}</g>
<g class="legend">${legend}</g>
</svg>`;
}
