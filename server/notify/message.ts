/** @module The inspiration as a message: e-mail subject, HTML and text bodies, or an SMS line. */
import { html } from "../../lib/html.ts";
import type { Inspiration } from "../inspiration/choose.ts";

export function inspirationEmail(firstName: string, inspiration: Inspiration) {
  const { workout, quote, why } = inspiration;
  const subject = `Today: ${workout.duration_min} min of ${workout.activity}`;
  const text = [
    `Hi ${firstName},`,
    `Today's workout: ${workout.duration_min} minutes of ${workout.activity} at ${workout.intensity} intensity.`,
    quote ? `"${quote.text}" — ${quote.author}` : "",
    `Why: ${why.join(" ")}`,
    "Change your goals or notification settings in the Inspire app.",
  ].filter(Boolean).join("\n\n");
  const body = html`<!doctype html><html lang="en"><body style="margin:0;background:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:16px;">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#fff;font:15px/1.5 Arial,Helvetica,sans-serif;color:#111827;">
<tr><td style="padding:20px 24px;background:#111827;color:#fff;font-weight:bold;font-size:18px;">Inspire · ${inspiration.date}</td></tr>
<tr><td style="padding:20px 24px;"><p style="margin:0 0 12px;">Hi ${firstName},</p>
<p style="margin:0 0 12px;font-size:18px;"><strong>${workout.duration_min} minutes of ${workout.activity}</strong> at ${workout.intensity} intensity.</p>
${quote ? html`<blockquote style="margin:0 0 12px;padding:8px 16px;border-left:4px solid #ea580c;color:#374151;">“${quote.text}” — ${quote.author}</blockquote>` : ""}
<p style="margin:0;color:#4b5563;font-size:13px;">${why.join(" ")}</p></td></tr>
</table></td></tr></table></body></html>`;
  return { subject, text, html: body.toString() };
}

export function inspirationSms(inspiration: Inspiration): string {
  const { workout, quote } = inspiration;
  const line = `Inspire: ${workout.duration_min} min of ${workout.activity} (${workout.intensity}) today.`;
  return quote ? `${line} "${quote.text}" — ${quote.author}` : line;
}

/** To the owner of an address someone tried to sign up with: nothing to do unless it was not them. */
export function signUpAttemptEmail(firstName: string) {
  const subject = "Someone tried to create an Inspire account with your e-mail";
  const text = [
    `Hi ${firstName},`,
    "Someone just tried to create a new Inspire account with this e-mail address. You already have an account, so nothing was created and nothing changed.",
    "If it was you, log in with your existing password. If it was not, you can ignore this message.",
  ].join("\n\n");
  const body = html`<!doctype html><html lang="en"><body style="font:15px/1.5 Arial,Helvetica,sans-serif;color:#111827;">${text.split("\n\n").map((p) => html`<p>${p}</p>`)}</body></html>`;
  return { subject, text, html: body.toString() };
}
