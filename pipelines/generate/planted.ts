/** @module What the generator planted, written beside the data so that insights can be checked against it. */
import { ACTIVITIES } from "../../domain/vocabulary.ts";
import type { Scale } from "../../lib/scale.ts";
import {
  ACTIVITY_SEASONS, AGE_BAND_MULTIPLIER, APP_USER_SHARE, HISTORY, historyWindow, SEGMENTS, STATE_MULTIPLIER, WEEKDAY_WEIGHT, hourWeights, monthWeight,
} from "./model.ts";

const normalise = (w: number[]) => {
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
};
const topIndices = (w: number[], n: number) => w.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).slice(0, n).map(([, i]) => i);

export function plantedTruth({ seed, scale, until }: { seed: number; scale: Scale; until: string }) {
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
  };
}
