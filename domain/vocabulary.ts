/**
 * @module The business vocabulary every layer shares: the activities (and what a typical session of
 * each is), goals, notification channels, quote tones, shopping preferences, tiers and age bands.
 */

export const ACTIVITIES = [
  // name, category, intensity, typical minutes, km per hour (0 = no distance), MET
  { name: "running", category: "cardio", intensity: "high", minutes: 42, kmh: 10, met: 9.8 },
  { name: "yoga", category: "mind-body", intensity: "low", minutes: 55, kmh: 0, met: 2.5 },
  { name: "training", category: "strength", intensity: "moderate", minutes: 58, kmh: 0, met: 5.0 },
  { name: "cycling", category: "cardio", intensity: "moderate", minutes: 65, kmh: 22, met: 7.5 },
  { name: "swimming", category: "cardio", intensity: "moderate", minutes: 38, kmh: 2.4, met: 7.0 },
  { name: "basketball", category: "team sport", intensity: "high", minutes: 75, kmh: 0, met: 6.5 },
  { name: "soccer", category: "team sport", intensity: "high", minutes: 85, kmh: 0, met: 7.0 },
  { name: "tennis", category: "racket", intensity: "moderate", minutes: 70, kmh: 0, met: 7.3 },
  { name: "walking", category: "cardio", intensity: "low", minutes: 38, kmh: 5, met: 3.5 },
  { name: "hiit", category: "strength", intensity: "high", minutes: 30, kmh: 0, met: 8.0 },
  { name: "pilates", category: "mind-body", intensity: "low", minutes: 48, kmh: 0, met: 3.0 },
  { name: "hiking", category: "outdoor", intensity: "moderate", minutes: 140, kmh: 3.6, met: 6.0 },
] as const;

export type ActivityName = (typeof ACTIVITIES)[number]["name"];
/** The activity names, as a non-empty tuple for enums in request validation. */
export const ACTIVITY_NAMES = ACTIVITIES.map((a) => a.name) as [ActivityName, ...ActivityName[]];

export const GOALS = ["lose_weight", "build_strength", "improve_endurance", "reduce_stress", "improve_performance", "stay_active"] as const;
export type Goal = (typeof GOALS)[number];
/** How Inspire can send a user their daily inspiration (or not at all): only channels something delivers. */
export const CHANNELS = ["email", "sms", "none"] as const;
export const TONES = ["energetic", "calm", "tough-love", "reflective", "playful"] as const;
export const SHOPPING = ["In-Store", "Online", "Both"] as const;
export const TIERS = ["Silver", "Gold", "Platinum"] as const;
export const AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"] as const;
/** Where a customer buys: in a store, on the web or in an app (each store sells through one). */
export const SALES_CHANNELS = ["in-store", "web", "app"] as const;
export type SalesChannel = (typeof SALES_CHANNELS)[number];
