/** @module How the user segments are shown: why k, the largest and most active segments, their sizes, activity mix and the silhouette curve, and the product lines recommended to each by purchase lift. */
import { fmt, type Computed } from "../../warehouse/insights/insight.ts";
import { MIN_SUPPORT, type Segment, type SegmentFindings } from "../../warehouse/insights/segmentation.ts";
import { chart, type Chart, type Summary, type View } from "./view.ts";

/** Largest first (the table and the charts' order). */
const bySize = (segments: Segment[]) => [...segments].sort((a, b) => b.size - a.size);

/** Why there are k segments: the best silhouette, or a smaller k within noise of it. */
function choice({ k, silhouette }: SegmentFindings): string {
  const best = silhouette.reduce((a, b) => (b.score > a.score ? b : a));
  const chosen = silhouette.find((c) => c.k === k) as (typeof silhouette)[number];
  return k === best.k
    ? `the silhouette is highest at k = ${k} (${best.score.toFixed(2)}), so there are ${k} segments.`
    : `the silhouette is highest at k = ${best.k} (${best.score.toFixed(2)}), but k = ${k} (${chosen.score.toFixed(2)}) is within two standard errors of it (${chosen.se.toFixed(3)}) and the smaller k is taken, so there are ${k} segments.`;
}

const profileRows = (segments: Segment[]) =>
  bySize(segments).map((s) => ({
    segment: s.name, users: s.size, share: Number(s.share.toFixed(3)), workouts_per_week: s.workoutsPerWeek, mean_intensity: s.meanIntensity,
    median_age_band: s.medianAgeBand, top_goal: s.topGoal, shopping: s.topShopping, tier: s.topTier,
    recommended: s.recommended.map((r) => r.category).join(", "),
  }));

function summary(findings: SegmentFindings): Summary {
  const segments = bySize(findings.segments);
  const users = segments.reduce((n, s) => n + s.size, 0);
  const biggest = segments[0];
  const keenest = [...segments].sort((a, b) => b.workoutsPerWeek - a.workoutsPerWeek)[0];
  return {
    headline: [
      { label: "Segments", value: String(findings.k) },
      { label: "Largest segment", value: `${biggest.name} (${fmt.pct(biggest.share)})` },
    ],
    narrative: [
      `${fmt.int(users)} users with workouts clustered on ${findings.features.length} standardised features: ${choice(findings)}`,
      `${fmt.int(findings.usersWithoutWorkouts)} current users have no workouts, so nothing to segment them on.`,
      `Largest: ${biggest.name}, ${fmt.pct(biggest.share)} of users (${biggest.traits.join("; ")}).`,
      `Most active: ${keenest.name}, ${fmt.dec(keenest.workoutsPerWeek, 2)} workouts per week, mostly aiming to ${keenest.topGoal.replaceAll("_", " ")}.`,
      ...recommendationLines(segments),
    ],
    table: { caption: "Segment profiles", rows: profileRows(findings.segments) },
  };
}

function charts({ findings }: Computed<SegmentFindings>): Chart[] {
  const mixRows = bySize(findings.segments).flatMap((s) => Object.entries(s.activityMix).filter(([, v]) => v > 0).map(([activity, share]) => ({ segment: s.name, activity, share })));
  const sizes = chart("segment-sizes", "Segment size and training frequency", profileRows(findings.segments), {
    height: { step: 28 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "segment", type: "nominal", sort: "-x", title: null },
      x: { field: "users", type: "quantitative", title: "Users" },
      color: { field: "workouts_per_week", type: "quantitative", title: "Workouts/week", scale: { scheme: "greens" } },
      tooltip: [{ field: "segment" }, { field: "users", format: "," }, { field: "share", format: ".1%" }, { field: "workouts_per_week", format: ".2f" }, { field: "top_goal" }, { field: "recommended" }],
    },
  });
  const mix = chart("segment-mix", "Activity mix per segment", mixRows, {
    height: { step: 28 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "segment", type: "nominal", title: null },
      x: { field: "share", type: "quantitative", stack: "normalize", title: "Share of workouts", axis: { format: "%" } },
      color: { field: "activity", type: "nominal", title: "Activity", scale: { scheme: "tableau20" } },
      tooltip: [{ field: "segment" }, { field: "activity" }, { field: "share", format: ".1%" }],
    },
  });
  return [sizes, mix, silhouetteChart(findings), recommendationsChart(findings)];
}

const silhouetteChart = ({ k, silhouette }: SegmentFindings): Chart =>
  chart("silhouette", "Silhouette score by number of segments (k)", silhouette, {
    height: 220,
    layer: [
      { mark: { type: "line", point: true, tooltip: true }, encoding: { x: { field: "k", type: "ordinal", title: "k" }, y: { field: "score", type: "quantitative", title: "Mean silhouette", scale: { zero: false } } } },
      { transform: [{ filter: `datum.k == ${k}` }], mark: { type: "point", size: 160, color: "#dc2626", filled: true }, encoding: { x: { field: "k", type: "ordinal" }, y: { field: "score", type: "quantitative" } } },
    ],
  });

/** Recommendations: each segment's product lines by purchase lift, with the figures, and the rule they pass. */
function recommendationLines(segments: Segment[]): string[] {
  const lines = segments
    .filter((s) => s.recommended.length > 0)
    .map((s) => `For ${s.name}: ${s.recommended.map((r) => `${r.category} (lift ${fmt.dec(r.lift, 2)}×, ${fmt.int(r.support)} buyers, ${fmt.pct(r.share)} of their purchases)`).join("; ")}.`);
  return [`Recommended: the product lines a segment's members buy more of than the average customer (lift above 1), bought by at least ${MIN_SUPPORT} of them, highest lift first.`, ...lines];
}

function recommendationsChart(findings: SegmentFindings): Chart {
  const rows = bySize(findings.segments).flatMap((s) =>
    s.purchaseLift.map((l) => ({ segment: s.name, category: l.category, lift: l.lift, support: l.support, share: l.share, recommended: s.recommended.some((r) => r.category === l.category) })),
  );
  return chart("purchase-lift", "Purchase lift per segment and product line (● recommended)", rows, {
    height: { step: 28 },
    encoding: {
      x: { field: "category", type: "nominal", title: null },
      y: { field: "segment", type: "nominal", title: null, sort: bySize(findings.segments).map((s) => s.name) },
    },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          color: { field: "lift", type: "quantitative", title: "Lift", scale: { type: "log", scheme: "redblue", reverse: true, domainMid: 1 } },
          tooltip: [{ field: "segment" }, { field: "category", title: "Product line" }, { field: "lift", format: ".2f" }, { field: "support", format: ",", title: "Buyers" }, { field: "share", format: ".1%", title: "Share of purchases" }],
        },
      },
      { transform: [{ filter: "datum.recommended" }], mark: { type: "text", text: "●", fontSize: 12, color: "#111827" } },
    ],
  });
}

export const userSegmentationView: View<Computed<SegmentFindings>> = {
  id: "user-segmentation",
  title: "User segmentation",
  question: "Which kinds of users do we have, and what should we offer each?",
  summary,
  charts,
};
