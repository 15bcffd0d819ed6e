import { describe, expect, it } from "vitest";
import { escapeHtml, html, raw } from "./html.ts";

const HOSTILE = `<img src=x onerror="alert(1)"> & 'it'`;

describe("html", () => {
  it("escapes every value, in text and in attributes", () => {
    expect(html`<p title="${HOSTILE}">${HOSTILE}</p>`.toString()).toBe(
      `<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;it&#39;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;it&#39;</p>`,
    );
  });
  it("keeps markup from html and raw as it is, joins lists, prints numbers and nothing for false, null and undefined", () => {
    const items = ["a<b", "c"].map((s) => html`<li>${s}</li>`);
    expect(html`<ul>${items}</ul>${raw("<hr>")}${3}${false}${null}${undefined}`.toString()).toBe("<ul><li>a&lt;b</li><li>c</li></ul><hr>3");
  });
  it("gives a plain string for files and mailers", () => {
    expect(typeof html`<p>${"x"}</p>`.toString()).toBe("string");
  });
  it("escapes one text alone the same way", () => {
    expect(escapeHtml(HOSTILE)).toBe("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;it&#39;");
    expect(typeof escapeHtml(HOSTILE)).toBe("string");
  });
});
