/**
 * @module The workforce: departments, roles with their salary bands, employees (each at a store),
 * monthly payroll and yearly performance reviews.
 */
import type { DuckDB } from "../../lib/duckdb.ts";

/** The departments and roles; migration 0003 holds the same rows, so that employees it found keep their role. */
export const DEPARTMENTS = [
  { department_id: 1, name: "Retail Stores" },
  { department_id: 2, name: "Athlete Services" },
  { department_id: 3, name: "Store Operations" },
] as const;
export const ROLES = [
  { role_id: 1, title: "Store Manager", department_id: 1, description: "Runs a store: its team, stock and results", min_salary: 62000, max_salary: 98000 },
  { role_id: 2, title: "Sales Associate", department_id: 1, description: "Serves customers on the floor and at the till", min_salary: 31000, max_salary: 42000 },
  { role_id: 3, title: "Athlete Coach", department_id: 2, description: "Fits shoes, leads run clubs and training sessions", min_salary: 36000, max_salary: 52000 },
  { role_id: 4, title: "Stock Lead", department_id: 3, description: "Receives inbound shipments and keeps the stockroom", min_salary: 38000, max_salary: 55000 },
] as const;

const REVIEW_COMMENTS = [
  [1, "Did not meet the role's expectations; improvement plan agreed."],
  [3, "Below expectations on several goals; coaching in place."],
  [5, "Meets some expectations; needs more consistency."],
  [7, "Meets expectations; reliable with customers and the team."],
  [9, "Exceeds expectations; a role model on the floor."],
  [10, "Outstanding year; ready for the next role."],
] as const;

/** Creates `employees_g`: employee e works at store ((e - 1) mod stores) + 1, so employee s is the first hire of store s, its manager. */
export async function generateWorkforce(db: DuckDB, employees: number): Promise<void> {
  await db.table("roles_g", ROLES.map((r) => ({ ...r })));
  await db.table("review_comments", REVIEW_COMMENTS.map(([up_to, text]) => ({ up_to, text })));
  await db.run(`
    CREATE OR REPLACE TABLE employees_g AS
    WITH n AS (SELECT count(*) AS stores FROM stores_g)
    SELECT e AS employee_id, fn.name AS first_name, ln.name AS last_name,
      fn.email_part || '.' || ln.email_part || e || '@nike.example' AS email,
      CASE WHEN e <= n.stores THEN 1 WHEN rnd(e, 'role') < 0.7 THEN 2 WHEN rnd(e, 'role') < 0.9 THEN 3 ELSE 4 END AS role_id,
      ((e - 1) % n.stores + 1)::INT AS store_id,
      TIMESTAMP '2016-01-01' + to_days(floor(rnd(e, 'hired') * 3000)::INT) AS hired_at
    FROM range(1, ${employees} + 1) r(e), n
    JOIN first_names fn ON fn.sex = CASE WHEN rnd(e, 'esex') < 0.5 THEN 'female' ELSE 'male' END AND fn.i = floor(rnd(e, 'efirst') * 1000)::INT
    JOIN last_names ln ON ln.i = floor(rnd(e, 'elast') * 1000)::INT
    ORDER BY e`);
}

export const WORKFORCE_TABLES = {
  // Each department is led by its first employee in one of its roles.
  departments: `
    SELECT d.department_id, d.name, (SELECT min(e.employee_id) FROM employees_g e JOIN roles_g r USING (role_id) WHERE r.department_id = d.department_id)::INT AS manager_employee_id
    FROM (VALUES ${DEPARTMENTS.map((d) => `(${d.department_id}, '${d.name}')`).join(", ")}) d(department_id, name)
    ORDER BY d.department_id`,
  roles: `SELECT role_id::INT AS role_id, title, department_id::INT AS department_id, description, min_salary::DECIMAL(10, 2) AS min_salary, max_salary::DECIMAL(10, 2) AS max_salary FROM roles_g ORDER BY role_id`,
  employees: `
    SELECT employee_id, first_name, last_name, email, role_id::INT AS role_id, store_id, hired_at,
      TIMESTAMP '2016-01-01' AS created_at, TIMESTAMP '2016-01-01' AS updated_at
    FROM employees_g ORDER BY employee_id`,
  // One payslip per employee and calendar month of the history they were employed in, paid on the month's last day.
  payroll: `
    WITH months AS (
      SELECT row_number() OVER (ORDER BY m)::INT AS month_no, m::DATE AS period_start, (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS period_end
      FROM range(getvariable('history_start')::TIMESTAMP, getvariable('until')::TIMESTAMP, INTERVAL 1 MONTH) t(m)
      WHERE m + INTERVAL 1 MONTH <= getvariable('until')::TIMESTAMP
    ),
    pay AS (
      SELECT e.employee_id, m.month_no, m.period_start, m.period_end,
        ((r.min_salary + rnd(e.employee_id, 'salary') * (r.max_salary - r.min_salary)) / 12)::DECIMAL(10, 2) AS gross_pay
      FROM employees_g e JOIN roles_g r USING (role_id), months m
      WHERE e.hired_at < m.period_start
    )
    SELECT employee_id::BIGINT * 1000 + month_no AS payroll_id, employee_id, period_start, period_end, gross_pay,
      (gross_pay * (0.18 + 0.06 * rnd(employee_id, 'tax'))::DECIMAL(4, 3))::DECIMAL(10, 2) AS tax_withheld, period_end AS paid_on
    FROM pay ORDER BY employee_id, period_start`,
  // A review every December for each year of the history the employee worked through, by their store's manager (managers have none).
  performance_reviews: `
    WITH years AS (
      SELECT DISTINCT year(d)::INT AS y FROM range(getvariable('history_start')::TIMESTAMP, getvariable('until')::TIMESTAMP, INTERVAL 1 DAY) t(d)
      WHERE make_date(year(d)::INT, 12, 20) < getvariable('until')
    ),
    r AS (
      SELECT e.employee_id, y, e.store_id, e.role_id, make_date(y, 12, 1) + (floor(rnd(e.employee_id * 10000 + y, 'rday') * 20))::INT AS reviewed_on,
        greatest(1, least(10, round(7 + 1.6 * nrm(e.employee_id * 10000 + y, 'score'))))::TINYINT AS score
      FROM employees_g e, years WHERE e.hired_at < make_date(y, 6, 1)
    )
    SELECT employee_id::BIGINT * 10000 + y AS review_id, employee_id, CASE WHEN role_id = 1 THEN NULL ELSE store_id END AS reviewer_employee_id,
      reviewed_on, score, (SELECT text FROM review_comments c WHERE c.up_to >= score ORDER BY c.up_to LIMIT 1) AS comments
    FROM r ORDER BY employee_id, reviewed_on`,
} as const;
