/** `nike report` end to end on tiny data: the site's files, every page in headless Chromium (from file:// and over HTTP), the single file, the digest over real SMTP. */
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readFile, readdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { simpleParser, type ParsedMail } from "mailparser";
import type { Browser } from "playwright-core";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report, type ReportResult } from "../cli/report.ts";
import { launchBrowser, visitReportPage } from "../test-support/browser.ts";
import type { World } from "../test-support/world.ts";
import { publishedWorld } from "../test-support/published-world.ts";

const SCREENSHOTS = new URL("./screenshots/", import.meta.url).pathname;

let world: World;
let site: string;
let built: ReportResult;
let browser: Browser;

beforeAll(async () => {
  world = await publishedWorld(8, "tiny");
  site = join(world.dataDir, "site");
  built = await report({ out: site }, ["report", "--out", site], world.config);
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await world?.dispose();
});

const PAGES = ["index", "activity-by-location", "seasonal-trends", "user-segmentation", "age-engagement", "peak-workout-hours", "sales-and-seasons"];

const visit = (url: string, screenshot: string) => visitReportPage(browser, url, join(SCREENSHOTS, screenshot));

function serve(dir: string): Promise<Server> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".json": "application/json", ".csv": "text/csv", ".svg": "image/svg+xml", ".png": "image/png" };
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("nike report: the site", () => {
  it("writes every page, the Vega runtime, and each chart's CSV, SVG and PNG", async () => {
    expect(built.index).toBe(join(site, "index.html"));
    expect((await readdir(site)).filter((f) => f.endsWith(".html")).sort()).toEqual(PAGES.map((p) => `${p}.html`).sort());
    expect((await readdir(join(site, "assets"))).sort()).toEqual(["filters.js", "shared-data.js", "vega-embed.min.js", "vega-lite.min.js", "vega.min.js"]);
    const charts = built.run.all.flatMap((i) => i.charts.map((c) => `${i.id}-${c.id}`));
    expect(charts.length).toBeGreaterThanOrEqual(12);
    for (const chart of charts) {
      const png = await readFile(join(site, "charts", `${chart}.png`));
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect(await readFile(join(site, "charts", `${chart}.svg`), "utf8")).toMatch(/^<svg[^>]*>/);
      const csv = (await readFile(join(site, "data", `${chart}.csv`), "utf8")).trim().split("\r\n");
      const data = built.run.all.flatMap((i) => i.charts.map((c) => [`${i.id}-${c.id}`, c.data] as const)).find(([id]) => id === chart)?.[1] ?? [];
      expect(csv.length, chart).toBe(data.length + 1);
    }
  });

  it("never loads anything from outside the site, and names the data's date, row counts and the command", async () => {
    for (const p of PAGES) {
      const html = await readFile(join(site, `${p}.html`), "utf8");
      expect(html).not.toMatch(/<script[^>]+src="(https?:)?\/\//);
      expect(html).not.toMatch(/<link[^>]+href="(https?:)?\/\//);
      expect(html).toContain(`Data as of <strong>${built.run.overview.latestWorkout}</strong>`);
      expect(html).toContain(`workouts ${built.run.overview.workouts.toLocaleString("en-US")}`);
      expect(html).toContain(`nike report --out ${site}`);
    }
    const location = await readFile(join(site, "activity-by-location.html"), "utf8");
    for (const line of built.run.location.narrative) expect(location).toContain(line.replaceAll("&", "&amp;").replaceAll("'", "&#39;"));
  });

  it("renders every page's charts in headless Chromium from file://, with no console error or failed request", async () => {
    for (const p of PAGES) {
      const { charts, marks, problems } = await visit(pathToFileURL(join(site, `${p}.html`)).href, `file-${p}.png`);
      expect(problems, p).toEqual([]);
      expect(charts, p).toBeGreaterThan(0);
      expect(Math.min(...marks), p).toBeGreaterThan(0);
    }
  });

  it("renders the same pages when served over HTTP", async () => {
    const server = await serve(site);
    try {
      const { port } = server.address() as AddressInfo;
      for (const p of PAGES) {
        const { problems, marks } = await visit(`http://127.0.0.1:${port}/${p}.html`, `http-${p}.png`);
        expect(problems, p).toEqual([]);
        expect(Math.min(...marks), p).toBeGreaterThan(0);
      }
    } finally {
      server.close();
    }
  });
});

describe("nike report --single-file", () => {
  it("writes one self-contained file whose charts all render offline", async () => {
    const file = join(world.dataDir, "insights.html");
    const result = await report({ singleFile: file, out: site }, ["report", "--single-file", file], world.config);
    expect(result.singleFile).toBe(file);
    const html = await readFile(file, "utf8");
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, "<script></script>");
    expect(markup).not.toMatch(/<(script|img|link)[^>]+(src|href)="(?!data:|#)/);
    expect(markup.match(/<script>/g)?.length).toBeGreaterThanOrEqual(4);
    const { charts, marks, problems } = await visit(pathToFileURL(file).href, "single-file.png");
    expect(problems).toEqual([]);
    expect(charts).toBe(built.run.all.reduce((s, i) => s + i.charts.length, 0));
    expect(Math.min(...marks)).toBeGreaterThan(0);
  });
});

describe("nike report --email", () => {
  it("delivers the digest to a real SMTP server: text and HTML parts, one inline PNG per insight", async () => {
    const received: ParsedMail[] = [];
    const envelopes: string[][] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, session, callback) {
        envelopes.push(session.envelope.rcptTo.map((r) => r.address));
        simpleParser(stream, { skipImageLinks: true }).then((mail) => {
          received.push(mail);
          callback();
        }, callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = smtp.server.address() as AddressInfo;
      const config = { ...world.config, smtpUrl: `smtp://127.0.0.1:${port}` };
      const result = await report({ out: site, email: "ana@example.com, bo@example.com", siteUrl: "https://reports.example.com/nike" }, ["report"], config);
      expect(result.emailed).toEqual(["ana@example.com", "bo@example.com"]);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
    expect(received).toHaveLength(1);
    expect(envelopes[0].sort()).toEqual(["ana@example.com", "bo@example.com"]);
    const mail = received[0];
    expect(mail.subject).toMatch(/^Nike insights digest \d{4}-\d{2}-\d{2}: [\d,]+ workouts, peak hour \d\d:00$/);
    expect(mail.text).toContain("Workouts logged: ");
    expect(mail.text).toContain("https://reports.example.com/nike/user-segmentation.html");
    const html = String(mail.html);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<style/i);
    const images = mail.attachments.filter((a) => a.contentType === "image/png");
    expect(images).toHaveLength(6);
    for (const image of images) {
      expect(image.cid).toBeTruthy();
      expect(html).toContain(`cid:${image.cid}`);
      expect(image.content.subarray(1, 4).toString()).toBe("PNG");
    }
    for (const insight of built.run.all) expect(html).toContain(`https://reports.example.com/nike/${insight.id}.html`);
  });

  it("writes the digest to the outbox folder when SMTP_URL is unset", async () => {
    await report({ out: site, email: "ana@example.com" }, ["report"], { ...world.config, smtpUrl: undefined });
    const dir = join(world.dataDir, "outbox", "email");
    const files = (await readdir(dir)).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(await readFile(join(dir, files[0])));
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toBe("ana@example.com");
    expect(mail.attachments.filter((a) => a.contentType === "image/png")).toHaveLength(6);
  });

  it("refuses an invalid address before doing any work", async () => {
    await expect(report({ out: join(world.dataDir, "never"), email: "ana@example.com,not-an-address" }, ["report"], world.config)).rejects.toThrow(
      /--email needs comma-separated e-mail addresses; not valid: not-an-address/,
    );
    expect(existsSync(join(world.dataDir, "never"))).toBe(false);
  });
});
