// Offsets and marking. The API's start/end count Unicode code points (Python string indices);
// JavaScript strings count UTF-16 units, so an emoji before a quote would shift a naive slice.

import {el} from "./dom.js";

/** UTF-16 index in `text` of code point number `cp` (clamped to the text's end). */
export function unitIndex(text, cp) {
  let units = 0;
  for (let seen = 0; seen < cp && units < text.length; seen++) {
    const code = text.charCodeAt(units);
    const pair = code >= 0xd800 && code <= 0xdbff && units + 1 < text.length
      && (text.charCodeAt(units + 1) & 0xfc00) === 0xdc00;
    units += pair ? 2 : 1;
  }
  return units;
}

/** Code-point offsets [start, end) in `text` → UTF-16 offsets, for String.slice. */
export function toUnits(text, start, end) {
  const from = unitIndex(text, start);
  return [from, from + unitIndex(text.slice(from), end - start)];
}

/** Paragraphs as [startUnit, endUnit) ranges: every non-blank line of the body is one. */
export function paragraphs(text) {
  const ranges = [];
  const re = /[^\n]+/g;
  let m;
  while ((m = re.exec(text))) {
    if (m[0].trim()) ranges.push([m.index, m.index + m[0].length]);
  }
  return ranges;
}

/**
 * Paragraph <p>s of `text` with the spans in `marks` ([fromUnit, toUnit, className]) wrapped in <mark>.
 * A span crossing paragraphs becomes one <mark> per paragraph, all with the same class.
 */
export function renderBody(text, marks) {
  return paragraphs(text).map(([ps, pe]) => {
    const p = el("p");
    const cuts = marks
      .map(([s, e, cls]) => [Math.max(s, ps), Math.min(e, pe), cls])
      .filter(([s, e]) => s < e)
      .sort((a, b) => a[0] - b[0]);
    let at = ps;
    for (const [s, e, cls] of cuts) {
      if (s < at) continue; // overlapping spans: the earlier one wins
      if (s > at) p.append(text.slice(at, s));
      p.append(el("mark", {class: cls}, text.slice(s, e)));
      at = e;
    }
    if (at < pe) p.append(text.slice(at, pe));
    return p;
  });
}

const STOP = new Set(("a an and are as at be but by did do does for from had has have how in is it its of on or " +
  "that the their this to was were what when where which who whom why will with").split(" "));

/** Query words worth marking: no stop words, a crude stem so "meetings" marks "meeting". */
export function queryTerms(query) {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const stems = words.filter((w) => !STOP.has(w) && w.length > 1)
    .map((w) => (w.length > 4 ? w.replace(/(ing|ed|es|s)$/u, "") : w));
  return [...new Set(stems)].sort((a, b) => b.length - a.length);
}

/** Nodes for `text` with words starting with a query term wrapped in <mark>. */
export function markTerms(text, terms) {
  if (!terms.length) return [text];
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join("|")})[\\p{L}\\p{N}]*`, "giu");
  const out = [];
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push(el("mark", {class: "term"}, m[0]));
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
