/**
 * @module The morning digest for stakeholders: an e-mail-client-safe HTML body (tables and inline
 * styles, no scripts) with the headline figures and each insight's lead chart as an inline PNG
 * (`cid:`) linking to the full page, plus a plain-text part.
 */
import type { Mail } from "../lib/mail.ts";
import { html, type Html } from "../lib/html.ts";
import type { InsightsReport } from "./insights/index.ts";
import { chartSvg, svgToPng } from "./render.ts";
import { headline } from "./site.ts";

/** `filter`: a page's hash (`filterHash`), put on every link so that readers open the pages filtered. */
export async function digest(run: InsightsReport, { to, siteUrl, dataAsOf, filter = "" }: { to: string[]; siteUrl: string; dataAsOf: string; filter?: string }): Promise<Mail> {
  const base = siteUrl.endsWith("/") ? siteUrl : `${siteUrl}/`;
  const figures = headline(run);
  const attachments: NonNullable<Mail["attachments"]> = [];
  const sections: Html[] = [];
  const textSections: string[] = [];
  for (const insight of run.all) {
    const chart = insight.charts[0];
    const cid = `${insight.id}-${chart.id}@nike-workbench`;
    attachments.push({ filename: `${insight.id}-${chart.id}.png`, content: svgToPng(await chartSvg(chart.spec), 1.5), cid, contentType: "image/png" });
    const link = `${base}${insight.id}.html${filter}`;
    sections.push(html`<tr><td style="padding:16px 24px;border-top:1px solid #e5e7eb;">
<h2 style="margin:0 0 8px;font:bold 18px Arial,Helvetica,sans-serif;color:#111827;"><a href="${link}" style="color:#111827;text-decoration:none;">${insight.title}</a></h2>
${insight.narrative.slice(0, 2).map((n) => html`<p style="margin:0 0 8px;font:14px/1.5 Arial,Helvetica,sans-serif;color:#374151;">${n}</p>`)}
<a href="${link}"><img src="cid:${cid}" width="552" alt="${chart.title}" style="display:block;width:100%;max-width:552px;height:auto;border:0;"></a>
<p style="margin:8px 0 0;font:13px Arial,Helvetica,sans-serif;"><a href="${link}" style="color:#9a3412;">Open the full ${insight.title.toLowerCase()} report →</a></p>
</td></tr>
`);
    textSections.push(`${insight.title.toUpperCase()}\n${insight.narrative.slice(0, 2).join("\n")}\nFull report: ${link}`);
  }
  const cells = figures.map((f) => html`<td style="padding:8px;width:25%;vertical-align:top;font:12px Arial,Helvetica,sans-serif;color:#4b5563;"><span style="display:block;font:bold 18px Arial,Helvetica,sans-serif;color:#111827;">${f.value}</span>${f.label}</td>`);
  const figureRows = Array.from({ length: Math.ceil(cells.length / 4) }, (_, r) => html`<tr>${cells.slice(r * 4, r * 4 + 4)}</tr>`);
  const date = run.generatedAt.slice(0, 10);
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Nike insights digest ${date}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:16px 8px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;background:#ffffff;">
<tr><td style="padding:20px 24px;background:#111827;color:#ffffff;font:bold 20px Arial,Helvetica,sans-serif;">Nike insights — morning digest<br><span style="font:13px Arial,Helvetica,sans-serif;color:#fed7aa;">${date} · data as of ${dataAsOf}</span></td></tr>
<tr><td style="padding:8px 16px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0">${figureRows}</table></td></tr>
${sections}<tr><td style="padding:16px 24px;border-top:1px solid #e5e7eb;font:12px Arial,Helvetica,sans-serif;color:#6b7280;">Full site: <a href="${base}index.html${filter}" style="color:#9a3412;">${base}index.html${filter}</a>. Sent by <code>nike report --email</code>.</td></tr>
</table></td></tr></table>
</body></html>`;
  const text = [
    `NIKE INSIGHTS — MORNING DIGEST (${date}, data as of ${dataAsOf})`,
    figures.map((f) => `${f.label}: ${f.value}`).join("\n"),
    ...textSections,
    `Full site: ${base}index.html${filter}`,
  ].join("\n\n");
  const figure = (label: string) => figures.find((f) => f.label === label)?.value ?? "—";
  return { to, subject: `Nike insights digest ${date}: ${figure("Workouts logged")} workouts, peak hour ${figure("Peak workout hour")}`, text, html: body.toString(), attachments };
}
