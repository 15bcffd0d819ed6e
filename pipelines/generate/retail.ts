/** @module The retail side: vendors, employees, stores, the product catalog, inventory, in-store sales and online orders. */
import type { Faker } from "@faker-js/faker";
import type { DuckDB } from "../../lib/duckdb.ts";
import { ACTIVITIES } from "../../domain/vocabulary.ts";

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

/** The catalog, built in JS (it is small): free-form attributes differ per category, as in MongoDB. */
export function catalog(faker: Faker, sizes: RetailSizes) {
  const sports = ACTIVITIES.map((a) => a.name);
  return Array.from({ length: sizes.products }, (_, i) => {
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
    return {
      product_id: `P${String(i + 1).padStart(6, "0")}`,
      name: `Nike ${faker.helpers.arrayElement(LINES)} ${kind}`,
      category,
      subcategory: kind,
      sport,
      vendor_id: 1 + (i % sizes.vendors),
      price: Number(faker.commerce.price({ min: 15, max: 220, dec: 2 })),
      color: faker.color.human(),
      attributes: JSON.stringify(attributes),
      created_at: "2020-06-01 00:00:00",
    };
  });
}

/** Creates the retail working tables; physical stores are one per city plus three online ones. */
export async function generateRetail(db: DuckDB, faker: Faker, sizes: RetailSizes): Promise<void> {
  await db.table("products_g", catalog(faker, sizes));
  await db.table("vendors_pool", Array.from({ length: sizes.vendors }, (_, i) => ({ vendor_id: i + 1, name: faker.company.name(), country: faker.helpers.arrayElement(["Vietnam", "Indonesia", "China", "India", "Thailand", "Mexico", "United States", "Brazil", "Turkey"]), contact_email: faker.internet.email({ provider: "supplier.example" }).toLowerCase() })));
  await db.run(`
    CREATE OR REPLACE TABLE stores_g AS
    SELECT city_id AS store_id, 'Nike ' || city || CASE WHEN state IN ('NY','CA','TX') THEN ' Flagship' ELSE '' END AS name, 'physical' AS store_type, city_id,
      TIMESTAMP '2015-01-01' + to_days(floor(rnd(city_id, 'opened') * 2500)::INT) AS opened_at
    FROM cities
    UNION ALL
    SELECT (SELECT count(*) FROM cities) + i AS store_id, name, 'online', NULL, TIMESTAMP '2012-01-01'
    FROM (VALUES (1, 'Nike.com US'), (2, 'Nike App'), (3, 'SNKRS')) v(i, name)
    ORDER BY store_id`);
}

export const RETAIL_TABLES = {
  vendors: `SELECT vendor_id, name, country, contact_email, TIMESTAMP '2019-01-01' AS created_at, TIMESTAMP '2019-01-01' AS updated_at FROM vendors_pool ORDER BY vendor_id`,
  // Employee e works at store ((e - 1) mod stores) + 1, so employee s is the first hire of store s: its manager.
  employees: `
    WITH n AS (SELECT count(*) AS stores FROM stores_g)
    SELECT e AS employee_id, fn.name AS first_name, ln.name AS last_name,
      fn.email_part || '.' || ln.email_part || e || '@nike.example' AS email,
      CASE WHEN e <= n.stores THEN 'Store Manager' WHEN rnd(e, 'role') < 0.7 THEN 'Sales Associate' WHEN rnd(e, 'role') < 0.9 THEN 'Athlete Coach' ELSE 'Stock Lead' END AS role,
      ((e - 1) % n.stores + 1)::INT AS store_id,
      TIMESTAMP '2016-01-01' + to_days(floor(rnd(e, 'hired') * 3000)::INT) AS hired_at,
      TIMESTAMP '2016-01-01' AS created_at, TIMESTAMP '2016-01-01' AS updated_at
    FROM range(1, %employees% + 1) r(e), n
    JOIN first_names fn ON fn.sex = CASE WHEN rnd(e, 'esex') < 0.5 THEN 'female' ELSE 'male' END AND fn.i = floor(rnd(e, 'efirst') * 1000)::INT
    JOIN last_names ln ON ln.i = floor(rnd(e, 'elast') * 1000)::INT
    ORDER BY e`,
  stores: `SELECT store_id, name, store_type, city_id, store_id AS manager_employee_id, opened_at, opened_at AS created_at, opened_at AS updated_at FROM stores_g ORDER BY store_id`,
  products: `SELECT product_id, name, category, subcategory, sport, vendor_id, price, color, attributes, created_at::TIMESTAMP AS created_at, created_at::TIMESTAMP AS updated_at FROM products_g ORDER BY product_id`,
  inventory: `
    SELECT s.store_id, p.product_id, floor(rnd(hash(s.store_id, p.product_id), 'qty') * 120)::INT AS quantity, getvariable('until')::TIMESTAMP AS updated_at
    FROM stores_g s, products_g p
    WHERE rnd(hash(s.store_id, p.product_id), 'stock') < CASE WHEN s.store_type = 'online' THEN 0.9 ELSE 0.2 END
    ORDER BY s.store_id, p.product_id`,
  sales: `
    WITH n AS (SELECT count(*) FILTER (WHERE store_type = 'physical') AS physical, count(*) AS stores FROM stores_g),
    p AS (SELECT row_number() OVER (ORDER BY product_id) - 1 AS i, product_id, price FROM products_g),
    s AS (
      SELECT id AS sale_id, 1 + floor(rnd(id, 'store') * n.physical)::INT AS store_id, n.stores,
        CASE WHEN rnd(id, 'member') < 0.6 THEN 1 + floor(rnd(id, 'buyer') * %users%)::INT END AS user_id,
        floor(rnd(id, 'prod') * %products%)::INT AS pi
      FROM range(1, %sales% + 1) r(id), n
    )
    SELECT sale_id, store_id, (store_id + n_stores * floor(rnd(sale_id, 'clerk') * (%employees% // n_stores))::INT)::INT AS employee_id,
      user_id, p.product_id, 1 + floor(rnd(sale_id, 'q') ^ 3 * 3)::INT AS quantity, p.price AS unit_price,
      getvariable('history_start')::TIMESTAMP + to_seconds(floor(rnd(sale_id, 'when') * %history_days% * 86400)::BIGINT) AS sold_at
    FROM (SELECT *, stores AS n_stores FROM s) s JOIN p ON p.i = s.pi
    ORDER BY sale_id`,
  // Orders stop two weeks before the end of the history, so that their shipping and delivery are in the past too.
  orders: `
    SELECT id AS order_id, 1 + floor(rnd(id, 'buyer') * %users%)::INT AS user_id,
      (SELECT max(store_id) FROM stores_g) - floor(rnd(id, 'channel') * 3)::INT AS store_id,
      CASE WHEN r < 0.85 THEN 'delivered' WHEN r < 0.9 THEN 'shipped' WHEN r < 0.93 THEN 'processing' WHEN r < 0.97 THEN 'cancelled' ELSE 'returned' END AS status,
      ordered_at, ordered_at AS created_at, ordered_at + to_days(CASE WHEN r < 0.93 THEN 5 ELSE 12 END) AS updated_at
    FROM (SELECT id, rnd(id, 'status') AS r, getvariable('history_start')::TIMESTAMP + to_seconds(floor(rnd(id, 'when') * (%history_days% - 14) * 86400)::BIGINT) AS ordered_at FROM range(1, %orders% + 1) r(id))
    ORDER BY order_id`,
  order_items: `
    WITH p AS (SELECT row_number() OVER (ORDER BY product_id) - 1 AS i, product_id, price FROM products_g)
    SELECT o.order_id, (k + 1)::INT AS line_no, p.product_id, 1 + floor(rnd(o.order_id * 8 + k, 'iq') ^ 4 * 3)::INT AS quantity, p.price AS unit_price
    FROM (SELECT order_id, unnest(range(1 + floor(rnd(order_id, 'lines') ^ 2 * 4)::INT)) AS k FROM orders_out) o
    JOIN p ON p.i = floor(rnd(o.order_id * 8 + k, 'ip') * %products%)::INT
    ORDER BY o.order_id, line_no`,
  payments: `
    SELECT o.order_id AS payment_id, o.order_id,
      CASE floor(rnd(o.order_id, 'pay') * 4)::INT WHEN 0 THEN 'card' WHEN 1 THEN 'paypal' WHEN 2 THEN 'apple_pay' ELSE 'gift_card' END AS method,
      round(sum(i.quantity * i.unit_price), 2) AS amount,
      CASE o.status WHEN 'cancelled' THEN 'refunded' WHEN 'returned' THEN 'refunded' ELSE 'captured' END AS status,
      o.ordered_at + INTERVAL 2 MINUTE AS paid_at
    FROM orders_out o JOIN order_items_out i USING (order_id)
    GROUP BY ALL ORDER BY o.order_id`,
  shipments: `
    SELECT order_id AS shipment_id, order_id,
      CASE floor(rnd(order_id, 'carrier') * 3)::INT WHEN 0 THEN 'UPS' WHEN 1 THEN 'FedEx' ELSE 'USPS' END AS carrier,
      '1Z' || upper(substr(md5(order_id::VARCHAR || getvariable('seed')), 1, 16)) AS tracking_number,
      ordered_at + INTERVAL 1 DAY AS shipped_at,
      CASE WHEN status IN ('delivered', 'returned') THEN ordered_at + to_days(2 + floor(rnd(order_id, 'transit') * 4)::INT) END AS delivered_at
    FROM orders_out WHERE status IN ('shipped', 'delivered', 'returned')
    ORDER BY order_id`,
  order_status_history: `
    WITH flows AS (
      SELECT order_id, ordered_at, CASE status
        WHEN 'cancelled' THEN ['placed', 'cancelled']
        WHEN 'processing' THEN ['placed', 'paid']
        WHEN 'shipped' THEN ['placed', 'paid', 'shipped']
        WHEN 'delivered' THEN ['placed', 'paid', 'shipped', 'delivered']
        ELSE ['placed', 'paid', 'shipped', 'delivered', 'returned'] END AS flow
      FROM orders_out
    )
    SELECT order_id, seq::INT AS seq, flow[seq] AS status, ordered_at + to_hours((seq - 1) * 30) AS changed_at
    FROM (SELECT order_id, ordered_at, flow, unnest(range(1, len(flow) + 1)) AS seq FROM flows)
    ORDER BY order_id, seq`,
} as const;
