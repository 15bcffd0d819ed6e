/**
 * @module Orders and what hangs off them: customers' addresses, discount codes, orders with their
 * lines, payments, shipments and status history. Who orders what, where and when follows the planted
 * purchases: an order is placed for one sport, drawn from the buyer's segment mix, on a day in that
 * sport's sales season, through a channel drawn from the segment's channel mix; most of its lines are
 * that sport's products, the rest drawn from the mix. Amounts are DECIMAL throughout, so an order's
 * total is exactly the sum of its lines' net amounts.
 */
import type { Faker } from "@faker-js/faker";
import type { DuckDB } from "../../lib/duckdb.ts";
import { B, DAY_B } from "./lookups.ts";
import { ORDER_FOCUS_SHARE } from "./model.ts";
import { STREET_POOL } from "./pools.ts";
import { productOf } from "./retail.ts";

/** Share of customers with a second address (work, family) that some orders ship to. */
const SECOND_ADDRESS_SHARE = 0.2;
/** Share of the orders placed while a discount code runs that use it. */
const DISCOUNT_USE = 0.3;

/** A customer's home address is `2 × user_id − 1`, their second one (if any) `2 × user_id`. */
const HOME = (user: string) => `(2 * ${user} - 1)`;
const hasSecond = (user: string) => `(rnd(${user}, 'addr2') < ${SECOND_ADDRESS_SHARE})`;

/** One promotion a month, running one to two weeks from a day in its first third; never two at once. */
export function discountCodes(faker: Faker, history: { start: string; end: string }) {
  const codes = [];
  const [y0, m0] = history.start.split("-").map(Number);
  for (let k = 0; ; k++) {
    const first = new Date(Date.UTC(y0, m0 - 1 + k, 1));
    const starts = new Date(first.getTime() + faker.number.int({ min: 0, max: 9 }) * 86_400_000);
    const ends = new Date(starts.getTime() + faker.number.int({ min: 6, max: 14 }) * 86_400_000);
    if (starts.toISOString().slice(0, 10) > history.end) break;
    const percent = faker.helpers.arrayElement([10, 15, 20, 25, 30]);
    const theme = faker.helpers.arrayElement(["MEMBER", "SEASON", "FLASH", "MOVE", "TEAM"]);
    const month = first.toISOString().slice(0, 7).replace("-", "");
    codes.push({
      discount_id: k + 1,
      code: `${theme}${percent}-${month}`,
      description: `${percent}% off every item, ${theme.toLowerCase()} promotion`,
      percent_off: percent,
      starts_on: starts.toISOString().slice(0, 10),
      ends_on: ends.toISOString().slice(0, 10),
    });
  }
  return codes;
}

/** Creates `discounts_g`, `orders_g` (one row per order, with its sport and segment) and `order_lines_g` (priced lines). */
export async function generateOrders(db: DuckDB, faker: Faker, orders: number, users: number, history: { start: string; end: string }): Promise<void> {
  await db.table("discounts_pool", discountCodes(faker, history));
  await db.run(`
    CREATE OR REPLACE TABLE discounts_g AS
    SELECT discount_id::INT AS discount_id, code, description, percent_off::DECIMAL(5, 2) AS percent_off, starts_on::DATE AS starts_on, ends_on::DATE AS ends_on FROM discounts_pool`);
  await db.run(`
    CREATE OR REPLACE TABLE orders_g AS
    WITH o AS (
      SELECT id AS order_id, 1 + floor(rnd(id, 'buyer') * ${users})::INT AS user_id FROM range(1, ${orders} + 1) r(id)
    ),
    placed AS (
      SELECT o.order_id, o.user_id, u.segment_id, u.city_id, sb.value AS sport_id, cn.channel, days.day
      FROM o
      JOIN users_g u USING (user_id)
      JOIN sport_bucket sb ON sb.segment_id = u.segment_id AND sb.b = floor(rnd(o.order_id, 'focus') * ${B})::INT
      JOIN order_day_bucket db ON db.activity_id = sb.value AND db.b = floor(rnd(o.order_id, 'day') * ${DAY_B})::INT
      JOIN days ON days.day_idx = db.value
      JOIN channel_bucket cb ON cb.segment_id = u.segment_id AND cb.b = floor(rnd(o.order_id, 'channel') * ${B})::INT
      JOIN channel_names cn ON cn.id = cb.value
    ),
    online AS (SELECT max(store_id) AS last_store FROM stores_g)
    SELECT p.order_id, p.user_id, p.segment_id, p.sport_id,
      -- In store: the store in the buyer's city; on the web: Nike.com; in an app: the Nike App, or SNKRS for some.
      CASE p.channel WHEN 'in-store' THEN p.city_id WHEN 'web' THEN online.last_store - 2
        ELSE online.last_store - CASE WHEN rnd(p.order_id, 'snkrs') < 0.3 THEN 0 ELSE 1 END END::INT AS store_id,
      p.day + to_seconds(floor(rnd(p.order_id, 'sec') * 86400)::INT) AS ordered_at,
      CASE WHEN rnd(p.order_id, 'usecode') < ${DISCOUNT_USE} THEN d.discount_id END AS discount_id,
      ${HOME("p.user_id")} AS billing_address_id,
      CASE WHEN ${hasSecond("p.user_id")} AND rnd(p.order_id, 'shipto') < 0.3 THEN 2 * p.user_id ELSE ${HOME("p.user_id")} END AS shipping_address_id
    FROM placed p CROSS JOIN online
    LEFT JOIN discounts_g d ON p.day BETWEEN d.starts_on AND d.ends_on
    ORDER BY p.order_id`);
  await db.run(`
    CREATE OR REPLACE TABLE order_lines_g AS
    WITH l AS (
      SELECT o.order_id, o.segment_id, o.sport_id, o.ordered_at, o.discount_id,
        unnest(range(1 + floor(rnd(o.order_id, 'lines') ^ 2 * 4 * s.spend)::INT)) AS k
      FROM orders_g o JOIN segment_spend s USING (segment_id)
    ),
    drawn AS (
      SELECT l.*, l.order_id * 8 + l.k AS line_key,
        CASE WHEN rnd(l.order_id * 8 + l.k, 'same') < ${ORDER_FOCUS_SHARE} THEN l.sport_id ELSE sb.value END AS line_sport
      FROM l JOIN sport_bucket sb ON sb.segment_id = l.segment_id AND sb.b = floor(rnd(l.order_id * 8 + l.k, 'isport') * ${B})::INT
    ),
    priced AS (
      SELECT d.order_id, (d.k + 1)::INT AS line_no, sp.product_id, 1 + floor(rnd(d.line_key, 'iq') ^ 4 * 3)::INT AS quantity, pp.price AS unit_price,
        coalesce(dc.percent_off, 0) AS percent_off
      FROM drawn d
      ${productOf("d.line_sport", "rnd(d.line_key, 'ip')")}
      JOIN product_prices pp ON pp.product_id = sp.product_id AND d.ordered_at >= pp.valid_from AND d.ordered_at < pp.valid_to
      LEFT JOIN discounts_g dc ON dc.discount_id = d.discount_id
    ),
    discounted AS (
      SELECT *, (quantity * unit_price)::DECIMAL(12, 2) AS gross, (quantity * unit_price * percent_off * 0.01)::DECIMAL(10, 2) AS discount_amount FROM priced
    )
    SELECT order_id, line_no, product_id, quantity, unit_price, discount_amount, (gross - discount_amount)::DECIMAL(12, 2) AS net_amount
    FROM discounted ORDER BY order_id, line_no`);
}

export const ORDER_TABLES = {
  addresses: `
    WITH a AS (
      SELECT user_id, ${HOME("user_id")} AS address_id, city_id, created_at FROM users_g
      UNION ALL
      SELECT u.user_id, 2 * u.user_id, CASE WHEN rnd(u.user_id, 'addr2city') < 0.6 THEN u.city_id ELSE c.city_id END, u.created_at + INTERVAL 200 DAY
      FROM users_g u JOIN city_bucket c ON c.b = floor(rnd(u.user_id, 'addr2b') * 4096)::INT
      WHERE ${hasSecond("u.user_id")}
    )
    SELECT address_id, user_id, (1 + floor(rnd(address_id, 'house') * 9899))::INT || ' ' || s.street AS line1,
      CASE WHEN rnd(address_id, 'apt') < 0.3 THEN 'Apt ' || (1 + floor(rnd(address_id, 'aptno') * 40))::INT END AS line2,
      city_id, lpad(floor(rnd(city_id, 'zip') * 90000 + 10000 + rnd(address_id, 'zipx') * 90)::INT::VARCHAR, 5, '0') AS postal_code,
      created_at, created_at AS updated_at
    FROM a JOIN streets s ON s.i = floor(rnd(address_id, 'street') * ${STREET_POOL})::INT
    ORDER BY address_id`,
  discounts: "SELECT * FROM discounts_g ORDER BY discount_id",
  orders: `
    WITH totals AS (SELECT order_id, sum(net_amount)::DECIMAL(12, 2) AS total_amount FROM order_lines_g GROUP BY order_id)
    SELECT o.order_id, o.user_id, o.store_id,
      CASE WHEN r < 0.85 THEN 'delivered' WHEN r < 0.9 THEN 'shipped' WHEN r < 0.93 THEN 'processing' WHEN r < 0.97 THEN 'cancelled' ELSE 'returned' END AS status,
      o.discount_id, o.billing_address_id, o.shipping_address_id, t.total_amount,
      o.ordered_at, o.ordered_at AS created_at, least(o.ordered_at + to_days(CASE WHEN r < 0.93 THEN 5 ELSE 12 END), getvariable('until')::TIMESTAMP - INTERVAL 1 SECOND) AS updated_at
    FROM (SELECT *, rnd(order_id, 'status') AS r FROM orders_g) o JOIN totals t USING (order_id)
    ORDER BY o.order_id`,
  order_items: "SELECT * FROM order_lines_g ORDER BY order_id, line_no",
  payments: `
    SELECT order_id AS payment_id, order_id,
      CASE floor(rnd(order_id, 'pay') * 4)::INT WHEN 0 THEN 'card' WHEN 1 THEN 'paypal' WHEN 2 THEN 'apple_pay' ELSE 'gift_card' END AS method,
      total_amount AS amount,
      CASE status WHEN 'cancelled' THEN 'refunded' WHEN 'returned' THEN 'refunded' ELSE 'captured' END AS status,
      ordered_at + INTERVAL 2 MINUTE AS paid_at
    FROM orders_out ORDER BY order_id`,
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
