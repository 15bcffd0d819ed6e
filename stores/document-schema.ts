/**
 * @module The MongoDB collections: their `$jsonSchema` validators and indexes. The same documents go
 * to a real MongoDB (`createCollection` / `collMod`, `createIndex`) and to the embedded store.
 */
import { DEFAULT_TIME_ZONE, STATE_TIME_ZONES } from "../domain/time-zones.ts";

export type JsonSchema = {
  bsonType?: string | string[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  additionalProperties?: boolean;
};

export type IndexSpec = { key: Record<string, 1 | -1>; name: string; unique?: boolean };

/** A change that brings documents an earlier version stored into line with today's validator (applied before it). */
export type DataUpgrade = { why: string; filter: Record<string, unknown>; update: Record<string, unknown> };

export type CollectionSpec = { validator: { $jsonSchema: JsonSchema }; indexes: IndexSpec[]; upgrades?: DataUpgrade[] };

const timestamps = { created_at: { bsonType: "date" }, updated_at: { bsonType: "date" } } as const;

/**
 * Workouts stored before zones were kept are true UTC instants (the API always wrote those): each is
 * taken to have happened in its state's zone, and marked changed so that the next ETL files it again.
 */
function* workoutZoneUpgrades(): Generator<DataUpgrade> {
  const why = "a workout is stored with the zone it happened in, so that the warehouse can file it under local time";
  const statesByZone = new Map<string, string[]>();
  for (const [state, zone] of Object.entries(STATE_TIME_ZONES)) statesByZone.set(zone, [...(statesByZone.get(zone) ?? []), state]);
  for (const [zone, states] of statesByZone) {
    yield { why, filter: { time_zone: { $exists: false }, state: { $in: states } }, update: { $set: { time_zone: zone }, $currentDate: { updated_at: true } } };
  }
  yield { why, filter: { time_zone: { $exists: false } }, update: { $set: { time_zone: DEFAULT_TIME_ZONE }, $currentDate: { updated_at: true } } };
}

export const COLLECTION_NAMES = ["products", "user_goals", "activity_logs"] as const;
export type CollectionName = (typeof COLLECTION_NAMES)[number];

export const COLLECTIONS: Record<CollectionName, CollectionSpec> = {
  products: {
    validator: {
      $jsonSchema: {
        bsonType: "object",
        required: ["_id", "name", "category", "price", "created_at", "updated_at"],
        properties: {
          _id: { bsonType: "string", pattern: "^P[0-9]{6}$" },
          name: { bsonType: "string", minLength: 1, maxLength: 200 },
          category: { enum: ["footwear", "apparel", "equipment", "accessories"] },
          subcategory: { bsonType: "string" },
          sport: { bsonType: "string" },
          vendor_id: { bsonType: ["int", "long"] },
          price: { bsonType: ["double", "int", "decimal"], minimum: 0 },
          // Every price the product has had, oldest first, each from its day on; the last is `price`.
          price_history: {
            bsonType: "array",
            items: {
              bsonType: "object",
              required: ["price", "valid_from"],
              properties: { price: { bsonType: ["double", "int", "decimal"], minimum: 0 }, valid_from: { bsonType: "date" } },
            },
          },
          color: { bsonType: "string" },
          attributes: { bsonType: "object" },
          ...timestamps,
        },
      },
    },
    indexes: [
      { key: { category: 1, sport: 1 }, name: "category_sport" },
      { key: { updated_at: 1, _id: 1 }, name: "updated" },
    ],
  },
  user_goals: {
    validator: {
      $jsonSchema: {
        bsonType: "object",
        required: ["_id", "user_id", "goal_type", "target_workouts_per_week", "notifications", "created_at", "updated_at"],
        properties: {
          _id: { bsonType: ["int", "long"] },
          user_id: { bsonType: ["int", "long"], minimum: 1 },
          goal_type: { enum: ["lose_weight", "build_strength", "improve_endurance", "reduce_stress", "improve_performance", "stay_active"] },
          target_workouts_per_week: { bsonType: "int", minimum: 0, maximum: 21 },
          preferred_activities: { bsonType: "array", items: { bsonType: "string" } },
          notifications: {
            bsonType: "object",
            required: ["channel", "time_zone"],
            properties: {
              channel: { enum: ["email", "sms", "none"] },
              quiet_hours: {
                bsonType: "object",
                properties: { start: { bsonType: "int", minimum: 0, maximum: 23 }, end: { bsonType: "int", minimum: 0, maximum: 23 } },
              },
              preferred_hour: { bsonType: ["int", "null"], minimum: 0, maximum: 23 },
              time_zone: { bsonType: "string", minLength: 3 },
            },
          },
          ...timestamps,
        },
      },
    },
    indexes: [
      { key: { user_id: 1 }, name: "user", unique: true },
      { key: { updated_at: 1, _id: 1 }, name: "updated" },
    ],
    upgrades: [
      {
        why: "push was once accepted, yet nothing delivered it: such goals meant no messages, and now say so",
        filter: { "notifications.channel": "push" },
        update: { $set: { "notifications.channel": "none" } },
      },
    ],
  },
  activity_logs: {
    validator: {
      $jsonSchema: {
        bsonType: "object",
        required: ["_id", "user_id", "activity_type", "started_at", "time_zone", "duration_min", "created_at", "updated_at"],
        properties: {
          _id: { bsonType: ["int", "long", "string", "objectId"] },
          user_id: { bsonType: ["int", "long"], minimum: 1 },
          activity_type: { bsonType: "string", minLength: 1, maxLength: 32 },
          started_at: { bsonType: "date" },
          time_zone: { bsonType: "string", minLength: 3, maxLength: 64 },
          duration_min: { bsonType: ["int", "double"], minimum: 1, maximum: 1440 },
          distance_km: { bsonType: ["double", "int", "null"], minimum: 0 },
          calories: { bsonType: ["int", "null"], minimum: 0 },
          avg_heart_rate: { bsonType: ["int", "null"], minimum: 30, maximum: 230 },
          city: { bsonType: ["string", "null"] },
          state: { bsonType: ["string", "null"] },
          ...timestamps,
        },
      },
    },
    upgrades: [...workoutZoneUpgrades()],
    indexes: [
      { key: { user_id: 1, started_at: -1 }, name: "user_started" },
      { key: { updated_at: 1, _id: 1 }, name: "updated" },
    ],
  },
};
