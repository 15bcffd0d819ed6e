import { describe, expect, it } from "vitest";
import type { Model } from "./index.ts";
import { compiledChecks, compiledSql, loadProject, plan, type ModelSource } from "./project.ts";
import type { Seed } from "./seeds.ts";
import type { Relation } from "./sources.ts";
import type { ModelSpec } from "./spec.ts";

const SOURCES: Record<string, Relation> = { users: { description: "users", columns: {} } };
const SEEDS: Record<string, Seed> = { goal_types: { description: "goals", columns: {}, rows: [] } };

/** A model with inline SQL; names starting stg_ are staging, others marts with a key. */
function model(name: string, sql: string, spec: Partial<ModelSpec> = {}, extra: Partial<Model> = {}): ModelSource {
  const staging = name.startsWith("stg_");
  return {
    name, layer: staging ? "staging" : "marts", ...(staging ? {} : { key: "id" }), ...extra, sql,
    spec: { description: name, columns: {}, examples: [{ description: "e", given: {}, expect: [] }], ...spec },
  };
}
const order = (models: ModelSource[]) => plan(models, SOURCES, SEEDS).models.map((m) => m.name);

describe("dependencies derived from refs", () => {
  it("the warehouse's models: each runs after what its SQL and its checks read", async () => {
    const project = await loadProject();
    const deps = Object.fromEntries(project.models.map((m) => [m.name, [...m.deps].sort()]));
    expect(deps).toEqual({
      stg_states: [], stg_users: [], stg_user_goals: [], stg_activity_logs: [], stg_sessions: [],
      stg_orders: [], stg_order_items: [], stg_store_sales: [], stg_inventory_snapshots: [], stg_inbound_shipments: [],
      stg_stores: [], stg_vendors: [], stg_products: [], stg_product_prices: [],
      dim_date: [], dim_time: [], dim_fitness_goal: [],
      dim_activity: ["stg_activity_logs"],
      dim_location: ["stg_activity_logs", "stg_orders", "stg_states", "stg_stores", "stg_users"],
      dim_store: ["dim_location", "stg_stores"],
      dim_vendor: ["stg_vendors"],
      dim_product: ["dim_vendor", "stg_product_prices", "stg_products"],
      dim_user: ["dim_fitness_goal", "dim_location", "stg_states", "stg_user_goals", "stg_users"],
      fact_activity: ["dim_activity", "dim_date", "dim_fitness_goal", "dim_location", "dim_time", "dim_user", "stg_activity_logs"],
      fact_app_session: ["dim_date", "dim_time", "dim_user", "stg_sessions"],
      fact_order_line: ["dim_date", "dim_location", "dim_product", "dim_store", "dim_user", "stg_order_items", "stg_orders"],
      fact_store_sale: ["dim_date", "dim_location", "dim_product", "dim_store", "dim_user", "stg_store_sales"],
      fact_inventory_snapshot: ["dim_date", "dim_product", "dim_store", "stg_inventory_snapshots"],
      fact_inbound_shipment: ["dim_date", "dim_product", "dim_store", "dim_vendor", "stg_inbound_shipments"],
    });
    const names = project.models.map((m) => m.name);
    for (const m of project.models) for (const d of m.deps) expect(names.indexOf(d), `${d} before ${m.name}`).toBeLessThan(names.indexOf(m.name));
    expect(project.models.find((m) => m.name === "stg_users")!.reads).toEqual([{ kind: "source", name: "users" }]);
  });

  it("orders models by their refs, whatever order they are listed in", () => {
    expect(order([
      model("fact_c", "select * from {{ ref('dim_b') }} join {{ ref('stg_a') }} using (id)"),
      model("dim_b", "select * from {{ ref('stg_a') }}"),
      model("stg_a", "select * from {{ source('users') }}"),
    ])).toEqual(["stg_a", "dim_b", "fact_c"]);
  });

  it("a relationship check's target runs before the model it checks", () => {
    expect(order([
      model("fact_c", "select 1 as id", { relationships: [{ column: "id", to: "{{ ref('dim_b') }}", field: "id" }] }),
      model("dim_b", "select 1 as id"),
    ])).toEqual(["dim_b", "fact_c"]);
  });

  it("a cycle is an error naming the models in it", () => {
    expect(() => order([
      model("dim_a", "select * from {{ ref('dim_b') }}"),
      model("dim_b", "select * from {{ ref('dim_c') }}"),
      model("dim_c", "select * from {{ ref('dim_a') }}"),
    ])).toThrow("model dependency cycle: dim_a → dim_b → dim_c → dim_a");
    // through a check, too
    expect(() => order([
      model("dim_a", "select * from {{ ref('dim_b') }}"),
      model("dim_b", "select 1 as id", { relationships: [{ column: "id", to: "{{ ref('dim_a') }}", field: "id" }] }),
    ])).toThrow("model dependency cycle: dim_a → dim_b → dim_a");
  });

  it("an unknown model, source or marker is an error naming the model", () => {
    expect(() => order([model("dim_b", "select * from {{ ref('stg_missing') }}")])).toThrow("model dim_b reads unknown model stg_missing");
    expect(() => order([model("stg_a", "select * from {{ source('nowhere') }}")])).toThrow("model stg_a reads unknown source nowhere");
    expect(() => order([model("dim_b", "select * from {{ config('x') }}")])).toThrow("dim_b.sql: {{ config('x') }} is not a marker");
    expect(() => order([model("dim_b", "select * from {{ ref('dim_b') }}")])).toThrow("model dim_b reads itself");
    expect(() => order([model("stg_a", "select * from {{ this }}")])).toThrow("model stg_a reads {{ this }}, which only a mart");
  });

  it("a relation named without a marker is an error, so no dependency goes unseen", () => {
    const stg = model("stg_a", "select * from {{ source('users') }}");
    expect(() => order([stg, model("dim_b", "select * from stg_a")])).toThrow("model dim_b names stg_a directly");
    expect(() => order([stg, model("dim_b", "select * from src_users")])).toThrow("model dim_b names src_users directly");
    expect(() => order([stg, model("dim_b", "select * from {{ ref('stg_a') }}"), model("fact_c", "select * from cur_dim_b")])).toThrow("model fact_c names cur_dim_b directly");
    expect(() => order([model("dim_b", "select 1 as id", { model_expressions: ["(select count(*) from lake_dim_b) >= 0"] })])).toThrow("model dim_b names lake_dim_b directly");
    // comments and string literals do not count
    expect(order([stg, model("dim_b", "-- one row per stg_a\nselect 'stg_a' as name from {{ ref('stg_a') }}")])).toEqual(["stg_a", "dim_b"]);
  });
});

describe("markers bound to relations", () => {
  it("a staging model and a seed by name, a mart as the warehouse after this run, this as the warehouse before it, a source as its staged file", () => {
    const project = plan([
      model("stg_a", "select * from {{ source('users') }}"),
      model("dim_c", "select 1 as id"),
      model("dim_b", "select * from {{ ref('stg_a') }}, {{ ref('dim_c') }}, {{ ref('goal_types') }}, {{this}} where id not in (select id from {{ this }})", {
        relationships: [{ column: "id", to: "{{ ref('dim_c') }}", field: "id" }],
        model_expressions: ["(select count(*) from {{ ref('dim_b') }}) > 0"],
      }),
    ], SOURCES, SEEDS);
    const [stg, , dim] = project.models;
    expect(compiledSql(project, stg)).toBe("select * from src_users");
    expect(compiledSql(project, dim)).toBe("select * from stg_a, cur_dim_c, goal_types, lake_dim_b where id not in (select id from lake_dim_b)");
    const checks = compiledChecks(project, dim);
    expect(checks.relationships).toEqual([{ column: "id", to: "cur_dim_c", field: "id" }]);
    expect(checks.model_expressions).toEqual(["(select count(*) from cur_dim_b) > 0"]);
  });
});
