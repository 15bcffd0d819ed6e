/** Logs without personal data: a database error carries the statement with its values, and none of them may reach the log. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, type World } from "../test-support/world.ts";
import { startServer, type Running } from "./serve.ts";
import { client } from "../test-support/server.ts";

let world: World;
let server: Running;
const lines: string[] = [];

beforeAll(async () => {
  world = await createWorld();
  server = await startServer(world.config, { port: 0, reportsDir: join(world.dataDir, "site"), logLevel: "info", dispatcher: false, logDestination: { write: (line: string) => void lines.push(line) } });
  await server.ctx.mysql.query("INSERT INTO states (state_code, name, region, country) VALUES ('CO', 'Colorado', 'West', 'US')");
  await server.ctx.mysql.query("INSERT INTO cities (city_id, name, state_code) VALUES (1, 'Denver', 'CO')");
});
afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

describe("server log", () => {
  it("logs a database error by kind and code, with none of the personal data its statement carried", async () => {
    // The database refuses every new account, as a full disk or a broken replica would.
    await server.ctx.mysql.query("CREATE TRIGGER refuse_users BEFORE INSERT ON users FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'");
    const person = { name: "Quinn Privacy", email: "quinn.private@example.com", password: "a sound password", date_of_birth: "1979-04-13", city: "Denver", region: "CO", phone: "+13035550199", shopping_preference: "Both", consent: { email: true, sms: true } };
    const reply = await client(server.url)("POST", "/v1/users", { body: person });
    expect(reply.status).toBe(500);
    const log = lines.join("");
    expect(log).toMatch(/"msg":"unhandled error"/);
    expect(log).toMatch(/"sqlState":"45000"/);
    for (const value of ["Quinn", "Privacy", "quinn.private", "1979-04-13", "3035550199", "scrypt"]) expect(log).not.toContain(value);
  });
});
