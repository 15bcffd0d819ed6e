import { describe, expect, it } from "vitest";
import type { Inspiration } from "../inspiration/choose.ts";
import { inspirationEmail, inspirationSms, signUpAttemptEmail } from "./message.ts";

const HOSTILE = `<script>alert("x")</script> & 'co'`;
const ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;";
const inspiration: Inspiration = {
  date: "2024-05-01",
  workout: { activity: "running", duration_min: 30, intensity: "moderate" },
  quote: { id: 1, text: `Quote ${HOSTILE}`, author: `Author ${HOSTILE}`, tone: "calm" },
  why: [`Because ${HOSTILE}.`, "And more."],
};

describe("messages", () => {
  it("puts a user's name, the quote and the reasons into the e-mail's HTML as text, never as markup", () => {
    const { subject, text, html } = inspirationEmail(`Ann ${HOSTILE}`, inspiration);
    expect(subject).toBe("Today: 30 min of running");
    expect(html).not.toContain("<script>");
    expect(html).toContain(`Hi Ann ${ESCAPED},`);
    expect(html).toContain(`“Quote ${ESCAPED}” — Author ${ESCAPED}`);
    expect(html).toContain(`Because ${ESCAPED}. And more.`);
    expect(text).toContain(`Hi Ann ${HOSTILE},`);
  });
  it("leaves the quote out when there is none", () => {
    expect(inspirationEmail("Ann", { ...inspiration, quote: null }).html).not.toContain("<blockquote");
    expect(inspirationSms({ ...inspiration, quote: null })).toBe("Inspire: 30 min of running (moderate) today.");
  });
  it("escapes the name in the sign-up notice too", () => {
    const { html } = signUpAttemptEmail(HOSTILE);
    expect(html).not.toContain("<script>");
    expect(html).toContain(`<p>Hi ${ESCAPED},</p>`);
    expect(html.match(/<p>/g)).toHaveLength(3);
  });
});
