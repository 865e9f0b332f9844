// The claim-check view (POST /check): the verdict first, in words a reader can act on, then the sentences
// that decided it, supporting and contradicting, each dated and opening its article at the quote.

import {el} from "./dom.js";

/** Each verdict's name on the page and what it means, in plain words. */
export const VERDICTS = {
  supported: ["Supported",
    "At least one article states the claim's numbers, dates and names as the claim gives them, and none found " +
    "gives other values or says the opposite."],
  contradicted: ["Contradicted",
    "Articles give another value than the claim (a different number, date or name) or say the opposite, and none " +
    "found states the claim as given."],
  mixed: ["Mixed",
    "Some articles state the claim as given and others give another value or say the opposite. Read both sides " +
    "below: the newest reports come first, and a later report may correct an earlier one."],
  not_enough_evidence: ["Not enough evidence",
    "No article found states the claim's numbers, dates and names, or contradicts them. This does not mean the " +
    "claim is false: the indexed articles may not cover it."],
};

/**
 * The check result as page sections. `open(articleId, options)` opens an article at offsets (the page's reader);
 * `metaLine(item)` is the page's outlet/authors/dates line.
 */
export function renderCheck(data, {open, metaLine}) {
  const [name, meaning] = VERDICTS[data.verdict] ?? [data.verdict, ""];
  const out = [el("section", {class: `check verdict-${data.verdict}`, "aria-labelledby": "check-h"},
    el("h2", {id: "check-h"}, "Claim check"),
    el("p", {class: "claim-text"}, el("q", {}, data.claim)),
    el("p", {class: "verdict", id: "verdict", "data-verdict": data.verdict}, name),
    el("p", {class: "verdict-meaning"}, meaning),
    el("p", {class: "hint"}, `Checked against the articles as of ${data.as_of}; `,
       "every quote is the article's own sentence: open it to read it in place."),
    ...(data.notes || []).map((note) => el("p", {class: "note"}, note)))];
  out.push(quoteSection("supporting", "Supporting", data.supporting, open, metaLine));
  out.push(quoteSection("contradicting", "Contradicting", data.contradicting, open, metaLine));
  return out;
}

function quoteSection(kind, heading, quotes, open, metaLine) {
  const id = `${kind}-h`;
  return el("section", {class: `quotes ${kind}`, "aria-labelledby": id},
    el("h2", {id}, `${heading} (${quotes.length})`),
    quotes.length
      ? el("ol", {class: "cards"}, quotes.map((q) => quoteCard(q, kind, heading, open, metaLine)))
      : el("p", {class: "hint"}, `No ${heading.toLowerCase()} sentence found.`));
}

function quoteCard(q, kind, heading, open, metaLine) {
  const show = () => open(q.article_id, {start: q.start, end: q.end, expect: q.quote, revision: q.revision,
                                         label: `${heading} the claim`,
                                         cls: kind === "contradicting" ? "hl conflicting" : "hl"});
  const card = el("li", {class: `card quote-card ${kind}`, "data-article": q.article_id},
    el("h3", {}, el("button", {type: "button", class: "title", onclick: show}, q.title || "(untitled)")),
    metaLine(q),
    el("blockquote", {}, q.quote),
    el("p", {class: "why"}, `Why: ${q.reason}.`));
  card.addEventListener("click", (event) => {
    if (!event.target.closest("a, button") && !window.getSelection()?.toString()) show();
  });
  return card;
}
