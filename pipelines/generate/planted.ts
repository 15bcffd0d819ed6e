/** @module What the generator planted, written beside the data so that insights can be checked against it. */
import { ACTIVITIES } from "../../domain/vocabulary.ts";
import type { Scale } from "../../lib/scale.ts";
import {
  ACTIVITY_SEASONS, AGE_BAND_MULTIPLIER, APP_USER_SHARE, HISTORY, historyWindow, PURCHASE_BASELINE, SEGMENT_PURCHASES, SEGMENTS, STATE_MULTIPLIER, WEEKDAY_WEIGHT,
  hourWeights, LATE_VENDORS, monthMiddleDay, monthWeight, SALES_LEAD_WEEKS,
} from "./model.ts";

const normalise = (w: number[]) => {
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
};
const topIndices = (w: number[], n: number) => w.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).slice(0, n).map(([, i]) => i);

/** A vendor by id and name, as the vendors table has it. */
export type NamedVendor = { vendor_id: number; name: string };

export function plantedTruth({ seed, scale, until, vendors = [] }: { seed: number; scale: Scale; until: string; vendors?: NamedVendor[] }) {
  const weekdayShare = WEEKDAY_WEIGHT.slice(0, 5).reduce((a, b) => a + b, 0) / WEEKDAY_WEIGHT.reduce((a, b) => a + b, 0);
  const segmentHours = SEGMENTS.map((s) => {
    const weekday = normalise(hourWeights(s.hours.weekday));
    const weekend = normalise(hourWeights(s.hours.weekend));
    return { segment: s.name, hours: weekday.map((w, h) => weekdayShare * w + (1 - weekdayShare) * weekend[h]) };
  });
  const overall = normalise(
    Array.from({ length: 24 }, (_, h) => SEGMENTS.reduce((sum, s, i) => sum + s.share * s.workoutsPerWeek * segmentHours[i].hours[h], 0)),
  );
  const states = Object.entries(STATE_MULTIPLIER).sort((a, b) => b[1] - a[1]);
  return {
    seed,
    scale: scale.name,
    history: { ...historyWindow(until), yearly_growth: HISTORY.yearlyGrowth },
    /** Of all customers, the share who use the app; each app user logs at their segment's weekly rate. */
    app_user_share: APP_USER_SHARE,
    segments: SEGMENTS.map((s, i) => ({
      name: s.name, share: s.share, workouts_per_week: s.workoutsPerWeek, activity_mix: s.mix, goals: s.goals,
      preferred_hours: s.hours, best_hour: topIndices(segmentHours[i].hours, 1)[0],
    })),
    activities: ACTIVITIES.map(({ name, category }) => ({
      activity: name, category, peak_month: ACTIVITY_SEASONS[name].peakMonth,
      month_weights: Array.from({ length: 12 }, (_, m) => Number(monthWeight(ACTIVITY_SEASONS[name].peakMonth, ACTIVITY_SEASONS[name].kappa, m + 1).toFixed(4))),
    })),
    peak_hours: topIndices(overall, 3),
    hour_weights: overall.map((w) => Number(w.toFixed(5))),
    weekday_weights: WEEKDAY_WEIGHT,
    state_multipliers: STATE_MULTIPLIER,
    top_states: states.filter(([, m]) => m > 1).map(([s]) => s),
    bottom_states: states.filter(([, m]) => m < 1).map(([s]) => s).reverse(),
    age_band_multipliers: AGE_BAND_MULTIPLIER,
    /** What each segment buys; the category is the catalog's `sport` (its product line). Lift is over the average customer's share of order lines. */
    purchases: purchaseTruth(),
    /** Each sport's products sell most `lead_weeks` before its activity peaks (the middle of `activity_peak_month`), with the same concentration. */
    category_seasons: ACTIVITIES.map(({ name }) => {
      const peakDay = (monthMiddleDay(ACTIVITY_SEASONS[name].peakMonth) - 7 * SALES_LEAD_WEEKS[name] + 365.25) % 365.25;
      return {
        category: name, activity_peak_month: ACTIVITY_SEASONS[name].peakMonth, lead_weeks: SALES_LEAD_WEEKS[name],
        sales_peak_day_of_year: Math.round(peakDay), sales_peak_month: 1 + Math.floor((peakDay * 12) / 365.25),
      };
    }),
    /** Vendors that deliver late (after the promised day) at `late_rate`; every other vendor at `other_late_rate`. */
    late_vendors: {
      vendors: LATE_VENDORS.vendorIds.map((id) => ({ vendor_id: id, name: vendors.find((v) => v.vendor_id === id)?.name ?? null })),
      late_rate: LATE_VENDORS.lateRate,
      other_late_rate: LATE_VENDORS.otherLateRate,
    },
  };
}

/** Mean lines per order at a spend level: 1 + floor(u² · 4 · spend) for a uniform u. */
export const meanLines = (spend: number) => {
  let mean = 1;
  for (let k = 1; k <= 4 * spend; k++) mean += 1 - Math.sqrt(k / (4 * spend));
  return mean;
};

/** Each segment's share of each sport's order lines, and its lift over the average customer's share. */
export function purchaseTruth() {
  const sports = ACTIVITIES.map((a) => a.name);
  const mixes = SEGMENTS.map((s) => normalise(sports.map((sport) => (SEGMENT_PURCHASES[s.name].sports[sport] ?? 0) + PURCHASE_BASELINE)));
  const lines = SEGMENTS.map((s) => s.share * meanLines(SEGMENT_PURCHASES[s.name].spend));
  const overall = normalise(sports.map((_, c) => mixes.reduce((sum, mix, s) => sum + lines[s] * mix[c], 0)));
  return SEGMENTS.map((s, i) => {
    const lift = mixes[i].map((share, c) => share / overall[c]);
    return {
      segment: s.name,
      spend: SEGMENT_PURCHASES[s.name].spend,
      mean_lines_per_order: Number(meanLines(SEGMENT_PURCHASES[s.name].spend).toFixed(3)),
      channels: SEGMENT_PURCHASES[s.name].channels,
      category_share: Object.fromEntries(sports.map((sport, c) => [sport, Number(mixes[i][c].toFixed(4))])),
      category_lift: Object.fromEntries(sports.map((sport, c) => [sport, Number(lift[c].toFixed(3))])),
      top_categories: topIndices(lift, 3).map((c) => sports[c]),
    };
  });
}
