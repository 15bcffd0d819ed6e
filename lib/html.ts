/**
 * @module HTML text: what every page, e-mail and document the project writes uses to put text into
 * markup. Templates are `html` tagged templates (Hono's `hono/html`): every value is escaped unless it
 * is itself markup from `html` or, for trusted text such as a page's own CSS or script, `raw`.
 */
import { html as honoHtml, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/**
 * Markup: text escaped by `html`, or trusted by `raw`. At run time it is a `String` object: a finished
 * page or message leaves the templates as `markup.toString()`, a plain string for files, mailers and tests.
 */
export type Html = HtmlEscapedString;

/** What a template may hold: text and numbers (escaped), markup, lists of either; `false`, `null` and `undefined` print nothing. */
export type HtmlValue = string | number | boolean | null | undefined | Html | readonly HtmlValue[];

/**
 * A template whose values are escaped, as `hono/html`'s `html`, typed for this project's use: every
 * value is synchronous, so the result is markup now, never a promise.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  const markup = honoHtml(strings, ...values);
  if (markup instanceof Promise) throw new TypeError("An HTML template was given a promise: render it before putting it into markup.");
  return markup;
}

export { raw };

/** One text escaped as `html` escapes it, for markup still built as a plain string rather than a template. */
export const escapeHtml = (s: string) => html`${s}`.toString();
