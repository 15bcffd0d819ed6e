/**
 * @module The retail side: vendors, stores and their events, the product catalog with its price history,
 * inventory (current, and snapshots at quarter ends) and in-store sales. What shoppers buy, and when, follows the
 * planted purchases (`model.ts`): a segment's sport mix, and each sport's sales season.
 */
import type { Faker } from "@faker-js/faker";
import type { DuckDB } from "../../lib/duckdb.ts";
import { ACTIVITIES } from "../../domain/vocabulary.ts";
import { B, DAY_B } from "./lookups.ts";

export type RetailSizes = { vendors: number; employees: number; products: number; sales: number; orders: number };

export function retailSizes(users: number): RetailSizes {
  return {
    vendors: Math.max(20, Math.min(400, Math.round(users / 2500))),
    employees: Math.max(200, Math.round(users / 50)),
    products: Math.max(300, Math.min(5000, Math.round(users / 20))),
    sales: Math.round(users / 2),
    orders: users,
  };
}

const CATEGORIES = {
  footwear: ["Running Shoe", "Training Shoe", "Basketball Shoe", "Trail Shoe", "Football Boot", "Tennis Shoe", "Slide"],
  apparel: ["Tee", "Hoodie", "Tight", "Short", "Jacket", "Sports Bra", "Track Pant"],
  equipment: ["Yoga Mat", "Basketball", "Soccer Ball", "Resistance Band", "Swim Goggles", "Kettlebell"],
  accessories: ["Water Bottle", "Backpack", "Cap", "Headband", "Sock Pack", "Gym Bag"],
} as const;
const LINES = ["Pegasus", "Vomero", "Air Zoom", "Metcon", "Invincible", "Dri-FIT", "Tech Fleece", "Pro", "Air Max", "React", "Revolution", "Club"];
const SPORT_OF: Record<string, string> = {
  "Running Shoe": "running", "Training Shoe": "training", "Basketball Shoe": "basketball", "Trail Shoe": "hiking",
  "Football Boot": "soccer", "Tennis Shoe": "tennis", "Yoga Mat": "yoga", Basketball: "basketball", "Soccer Ball": "soccer",
  "Resistance Band": "pilates", "Swim Goggles": "swimming", Kettlebell: "hiit", "Sports Bra": "training", Tight: "running",
};

/** A price and the moment it took effect (`YYYY-MM-DD hh:mm:ss`). */
type PricePoint = { price: number; valid_from: string };

/** A product's prices: its launch price, then up to three changes within the history (`start`..`end`, YYYY-MM-DD), each a markdown or a rise. */
function priceHistory(faker: Faker, launchPrice: number, launched: string, start: string, end: string): PricePoint[] {
  const history: PricePoint[] = [{ price: launchPrice, valid_from: launched }];
  const from = Date.parse(`${start}T00:00:00Z`);
  const span = Date.parse(`${end}T00:00:00Z`) - from;
  const changes = Array.from({ length: faker.helpers.weightedArrayElement([{ value: 0, weight: 3 }, { value: 1, weight: 4 }, { value: 2, weight: 2 }, { value: 3, weight: 1 }]) }, () =>
    new Date(from + Math.floor(faker.number.float({ min: 0, max: 1 }) * (span / 86_400_000)) * 86_400_000).toISOString().slice(0, 10),
  ).sort();
  for (const day of new Set(changes)) {
    const previous = history[history.length - 1].price;
    const next = Math.max(9.99, Math.round(previous * faker.number.float({ min: 0.75, max: 1.15 }) * 100) / 100);
    if (next !== previous) history.push({ price: next, valid_from: `${day} 00:00:00` });
  }
  return history;
}

/**
 * The catalog, built in JS (it is small): free-form attributes differ per category, as in MongoDB.
 * Every product has a sport (one of the activities): the line whose season it sells in.
 */
export function catalog(faker: Faker, sizes: RetailSizes, history: { start: string; end: string }) {
  const sports = ACTIVITIES.map((a) => a.name);
  const products = Array.from({ length: sizes.products }, (_, i) => {
    const category = faker.helpers.objectKey(CATEGORIES);
    const kind = faker.helpers.arrayElement(CATEGORIES[category]);
    const sport = SPORT_OF[kind] ?? faker.helpers.arrayElement(sports);
    const attributes =
      category === "footwear"
        ? { sizes: [7, 8, 9, 10, 11, 12], drop_mm: faker.helpers.arrayElement([4, 8, 10, 12]), cushioning: faker.helpers.arrayElement(["firm", "balanced", "plush"]), surface: faker.helpers.arrayElement(["road", "trail", "court", "gym", "grass"]) }
        : category === "apparel"
          ? { sizes: ["XS", "S", "M", "L", "XL"], fabric: faker.helpers.arrayElement(["Dri-FIT", "cotton blend", "fleece", "recycled polyester"]), fit: faker.helpers.arrayElement(["slim", "standard", "oversized"]) }
          : category === "equipment"
            ? { weight_kg: faker.number.float({ min: 0.2, max: 16, fractionDigits: 1 }), material: faker.helpers.arrayElement(["rubber", "TPE", "steel", "silicone", "synthetic leather"]) }
            : { color: faker.color.human(), capacity_l: faker.helpers.arrayElement([0.5, 0.75, 1, 20, 30]) };
    const launched = "2020-06-01 00:00:00";
    const prices = priceHistory(faker, Number(faker.commerce.price({ min: 15, max: 220, dec: 2 })), launched, history.start, history.end);
    const current = prices[prices.length - 1];
    return {
      product_id: `P${String(i + 1).padStart(6, "0")}`,
      name: `Nike ${faker.helpers.arrayElement(LINES)} ${kind}`,
      category,
      subcategory: kind,
      sport,
      vendor_id: 1 + (i % sizes.vendors),
      price: current.price,
      price_history: JSON.stringify(prices),
      color: faker.color.human(),
      attributes: JSON.stringify(attributes),
      created_at: launched,
      updated_at: current.valid_from,
    };
  });
  const missing = sports.filter((sport) => !products.some((p) => p.sport === sport));
  if (missing.length) throw new Error(`The catalog of ${sizes.products} products has none for ${missing.join(", ")}: purchases need every sport.`);
  return products;
}

/**
 * Creates the retail working tables: the catalog (`products_g`; `product_prices` its prices with
 * their validity; `sport_products` the products of each sport, numbered), vendors, and the stores:
 * one physical store per city (selling in store) plus three online ones (web and apps).
 */
export async function generateRetail(db: DuckDB, faker: Faker, sizes: RetailSizes, history: { start: string; end: string }): Promise<void> {
  const products = catalog(faker, sizes, history);
  await db.table("products_g", products);
  await db.table("price_points", products.flatMap((p) => (JSON.parse(p.price_history) as PricePoint[]).map((h) => ({ product_id: p.product_id, ...h }))));
  await db.run(`
    CREATE OR REPLACE TABLE product_prices AS
    SELECT product_id, valid_from::TIMESTAMP AS valid_from,
      lead(valid_from::TIMESTAMP, 1, TIMESTAMP '9999-12-31') OVER (PARTITION BY product_id ORDER BY valid_from::TIMESTAMP) AS valid_to,
      price::DECIMAL(10, 2) AS price
    FROM price_points`);
  await db.run(`
    CREATE OR REPLACE TABLE sport_products AS
    SELECT a.activity_id, (row_number() OVER (PARTITION BY a.activity_id ORDER BY p.product_id) - 1)::INT AS j, count(*) OVER (PARTITION BY a.activity_id) AS n, p.product_id
    FROM products_g p JOIN activities a ON a.activity = p.sport`);
  await db.table("vendors_pool", Array.from({ length: sizes.vendors }, (_, i) => ({ vendor_id: i + 1, name: faker.company.name(), country: faker.helpers.arrayElement(["Vietnam", "Indonesia", "China", "India", "Thailand", "Mexico", "United States", "Brazil", "Turkey"]), contact_email: faker.internet.email({ provider: "supplier.example" }).toLowerCase() })));
  await db.run(`
    CREATE OR REPLACE TABLE stores_g AS
    SELECT city_id AS store_id, 'Nike ' || city || CASE WHEN state IN ('NY','CA','TX') THEN ' Flagship' ELSE '' END AS name, 'physical' AS store_type, 'in-store' AS channel, city_id,
      TIMESTAMP '2015-01-01' + to_days(floor(rnd(city_id, 'opened') * 2500)::INT) AS opened_at
    FROM cities
    UNION ALL
    SELECT (SELECT count(*) FROM cities) + i AS store_id, name, 'online', channel, NULL, TIMESTAMP '2012-01-01'
    FROM (VALUES (1, 'Nike.com US', 'web'), (2, 'Nike App', 'app'), (3, 'SNKRS', 'app')) v(i, name, channel)
    ORDER BY store_id`);
}

/**
 * Joins that draw a product of a sport by a uniform `u` in [0, 1): `sz` gives the sport's product
 * count, `sp` the product (`sp.product_id`).
 */
export const productOf = (sport: string, u: string) => `
    JOIN (SELECT DISTINCT activity_id, n FROM sport_products) sz ON sz.activity_id = ${sport}
    JOIN sport_products sp ON sp.activity_id = ${sport} AND sp.j = floor(${u} * sz.n)::INT`;

export const RETAIL_TABLES = {
  vendors: `SELECT vendor_id, name, country, contact_email, TIMESTAMP '2019-01-01' AS created_at, TIMESTAMP '2019-01-01' AS updated_at FROM vendors_pool ORDER BY vendor_id`,
  stores: `SELECT store_id, name, store_type, channel, city_id, store_id AS manager_employee_id, opened_at, opened_at AS created_at, opened_at AS updated_at FROM stores_g ORDER BY store_id`,
  // About one event a month per physical store: launches ahead of a sport's season, run clubs, sessions, community days and sales.
  store_events: `
    WITH months AS (
      SELECT row_number() OVER (ORDER BY m) AS month_no, m::DATE AS month_start
      FROM range(date_trunc('month', getvariable('history_start'))::TIMESTAMP, getvariable('until')::TIMESTAMP - INTERVAL 7 DAY, INTERVAL 1 MONTH) t(m)
    ),
    e AS (
      SELECT s.store_id, s.name AS store, m.month_no, m.month_start, s.store_id * 1000 + m.month_no AS event_id, rnd(s.store_id * 1000 + m.month_no, 'etype') AS r,
        a.activity AS sport
      FROM stores_g s, months m
      JOIN activities a ON a.activity_id = floor(rnd(m.month_no, 'esport') * 12)::INT
      WHERE s.store_type = 'physical' AND rnd(s.store_id * 1000 + m.month_no, 'event') < 0.85
    ),
    typed AS (
      SELECT *, CASE WHEN r < 0.3 THEN 'product launch' WHEN r < 0.55 THEN 'run club' WHEN r < 0.75 THEN 'training session' WHEN r < 0.9 THEN 'community event' ELSE 'sale' END AS event_type,
        month_start + to_days(floor(rnd(event_id, 'eday') * 25)::INT) + to_hours(CASE WHEN rnd(event_id, 'emorning') < 0.4 THEN 9 ELSE 18 END) AS starts_at
      FROM e
    )
    SELECT event_id::INT AS event_id, store_id,
      CASE event_type WHEN 'product launch' THEN 'Launch: new ' || sport || ' collection' WHEN 'run club' THEN store || ' Run Club'
        WHEN 'training session' THEN sport || ' session with a Nike coach' WHEN 'community event' THEN store || ' community day' ELSE store || ' members'' sale' END AS name,
      event_type, CASE WHEN event_type = 'run club' THEN 'running' WHEN event_type IN ('product launch', 'training session') THEN sport END AS sport,
      starts_at, starts_at + to_hours(CASE event_type WHEN 'sale' THEN 48 WHEN 'community event' THEN 4 ELSE 2 END) AS ends_at
    FROM typed ORDER BY event_id`,
  products: `SELECT product_id, name, category, subcategory, sport, vendor_id, price::DECIMAL(10, 2) AS price, price_history, color, attributes, created_at::TIMESTAMP AS created_at, updated_at::TIMESTAMP AS updated_at FROM products_g ORDER BY product_id`,
  inventory: `
    SELECT s.store_id, p.product_id, floor(rnd(hash(s.store_id, p.product_id), 'qty') * 120)::INT AS quantity, getvariable('until')::TIMESTAMP - INTERVAL 1 SECOND AS updated_at
    FROM stores_g s, products_g p
    WHERE rnd(hash(s.store_id, p.product_id), 'stock') < CASE WHEN s.store_type = 'online' THEN 0.9 ELSE 0.2 END
    ORDER BY s.store_id, p.product_id`,
  // Stock at the end of each quarter of the history (months would be 2 million rows from the medium scale up): around each pair's level.
  inventory_snapshots: `
    WITH month_ends AS (
      SELECT (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS snapshot_date
      FROM range(getvariable('history_start')::TIMESTAMP, getvariable('until')::TIMESTAMP, INTERVAL 1 MONTH) t(m)
      WHERE m + INTERVAL 1 MONTH <= getvariable('until')::TIMESTAMP AND month(m) % 3 = 0
    )
    SELECT i.store_id, i.product_id, m.snapshot_date,
      floor(rnd(hash(i.store_id, i.product_id), 'level') * 150 * (0.4 + rnd(hash(i.store_id, i.product_id, m.snapshot_date), 'snap') * 1.2))::INT AS quantity
    FROM inventory_out i, month_ends m
    ORDER BY i.store_id, i.product_id, m.snapshot_date`,
  // In-store sales: a member buys from their segment's mix, anyone else from the population's, on a day in their sport's sales season.
  sales: `
    WITH n AS (SELECT count(*) FILTER (WHERE store_type = 'physical') AS physical, count(*) AS stores FROM stores_g),
    s AS (
      SELECT id AS sale_id, 1 + floor(rnd(id, 'store') * n.physical)::INT AS store_id, n.stores AS n_stores,
        CASE WHEN rnd(id, 'member') < 0.6 THEN 1 + floor(rnd(id, 'buyer') * %users%)::INT END AS user_id
      FROM range(1, %sales% + 1) r(id), n
    ),
    shopper AS (SELECT s.*, coalesce(u.segment_id, -1) AS segment_id FROM s LEFT JOIN users_g u USING (user_id)),
    drawn AS (
      SELECT sh.*, sb.value AS sport_id, days.day + to_seconds(floor(rnd(sale_id, 'sec') * 86400)::INT) AS sold_at
      FROM shopper sh
      JOIN sport_bucket sb ON sb.segment_id = sh.segment_id AND sb.b = floor(rnd(sale_id, 'sport') * ${B})::INT
      JOIN sale_day_bucket db ON db.activity_id = sb.value AND db.b = floor(rnd(sale_id, 'day') * ${DAY_B})::INT
      JOIN days ON days.day_idx = db.value
    )
    SELECT d.sale_id, d.store_id, (d.store_id + d.n_stores * floor(rnd(d.sale_id, 'clerk') * (%employees% // d.n_stores))::INT)::INT AS employee_id,
      d.user_id, sp.product_id, 1 + floor(rnd(d.sale_id, 'q') ^ 3 * 3)::INT AS quantity, pp.price AS unit_price, d.sold_at
    FROM drawn d
    ${productOf("d.sport_id", "rnd(d.sale_id, 'prod')")}
    JOIN product_prices pp ON pp.product_id = sp.product_id AND d.sold_at >= pp.valid_from AND d.sold_at < pp.valid_to
    ORDER BY d.sale_id`,
} as const;
