// The timeline view (GET /timeline): the stories matching a query on a date axis drawn as inline SVG (nothing
// loaded from elsewhere), each point a report that opens its article at the quoted sentence; under the axis the
// same information as a list, with the first report and what changed since the report before.

import {el, svg} from "./dom.js";

const WIDEST = 960; // the drawing's width in CSS pixels at most; narrower columns get a narrower drawing
const NARROWEST = 300;
const PAD = 48; // room for the end labels
const UNDATED = 70; // the zone right of the axis for stories without a date
const STEP = 16; // vertical distance between reports stacked on one day
const R = 6;
const DAY = 86_400_000;

/** The date a story sits at: its first report's (the API orders by it), else the quoted copy's. */
export function storyDate(p) {
  return p.first_report?.published_date ?? p.published_date ?? null;
}

function dayOf(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return Date.UTC(y, m - 1, d) / DAY;
}

function isoOf(day) {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** Tick days and labels over [min, max]: both ends as full dates, and between them up to three ticks at the
 *  start of a month (spans up to three years) or of a year, so a label stands where its date is. */
function ticks(min, max) {
  if (min === max) return [[min, isoOf(min)]];
  const span = max - min;
  const out = [[min, isoOf(min)]];
  for (let i = 1; i <= 3 && span > 62; i++) {
    const [y, m] = isoOf(Math.round(min + (span * i) / 4)).split("-").map(Number);
    const years = span > 3 * 366;
    const day = Date.UTC(y, years ? 0 : m - 1, 1) / DAY;
    const label = years ? String(y) : `${y}-${String(m).padStart(2, "0")}`;
    const room = span / 10; // keep labels off the ends and off one another
    if (day - min > room && max - day > room && !out.some(([d]) => Math.abs(d - day) < room)) out.push([day, label]);
  }
  out.push([max, isoOf(max)]);
  return out;
}

/** x for each point, and a stack level so reports on (nearly) the same day stand above one another. */
function layout(points, width) {
  const dated = points.map(storyDate).filter(Boolean).map(dayOf);
  const min = Math.min(...dated), max = Math.max(...dated);
  const hasUndated = dated.length < points.length;
  const right = width - PAD - (hasUndated ? UNDATED : 0);
  const undatedX = width - PAD / 2 - UNDATED / 2; // where undated stories stand
  const placed = [];
  for (const p of points) {
    const date = storyDate(p);
    let x;
    if (!date) x = undatedX;
    else if (min === max) x = (PAD + right) / 2;
    else x = PAD + ((dayOf(date) - min) / (max - min)) * (right - PAD);
    let level = 0;
    while (placed.some((q) => q.level === level && Math.abs(q.x - x) < 2 * R + 2)) level++;
    placed.push({p, x, level, date});
  }
  return {placed, min, max, right, hasUndated, undatedX, width, dated: dated.length > 0};
}

function describe(n, item) {
  const p = item.p;
  return `Report ${n}: ${item.date ?? "undated"}, ${p.source ?? "unknown outlet"}: “${p.quote}”` +
    (p.changed?.length ? ` Changed: ${p.changed.join("; ")}.` : "");
}

/** The SVG axis; `open(point)` opens a point's article at its quote. */
function axis(query, {placed, min, max, right, hasUndated, undatedX, width, dated}, open) {
  const levels = Math.max(0, ...placed.map((i) => i.level));
  const axisY = 24 + levels * STEP + 20;
  const height = axisY + 40;
  const first = placed.find((i) => i.date), last = [...placed].reverse().find((i) => i.date);
  const span = dated ? (first.date === last.date ? `all on ${first.date}` : `from ${first.date} to ${last.date}`)
                     : "none dated";
  const drawing = svg("svg", {class: "timeline-axis", viewBox: `0 0 ${width} ${height}`, width, height,
                              "aria-labelledby": "timeline-svg-title timeline-svg-desc"},
    svg("title", {id: "timeline-svg-title"}, `Timeline of “${query}”`),
    svg("desc", {id: "timeline-svg-desc"},
        `${placed.length} report${placed.length === 1 ? "" : "s"} ${span}, oldest on the left; `,
        "each point opens its article at the quoted sentence. The same reports are listed below."));
  if (dated) {
    drawing.append(svg("line", {class: "axis-line", x1: PAD, x2: right, y1: axisY, y2: axisY}));
    for (const [day, label] of ticks(min, max)) {
      const x = min === max ? (PAD + right) / 2 : PAD + ((day - min) / (max - min)) * (right - PAD);
      drawing.append(svg("line", {class: "tick", x1: x, x2: x, y1: axisY, y2: axisY + 6}),
                     svg("text", {class: "tick-label", x, y: axisY + 22, "text-anchor": "middle"}, label));
    }
  }
  if (hasUndated) {
    const x = undatedX;
    drawing.append(svg("line", {class: "axis-line undated", x1: x - UNDATED / 2 + 8, x2: x + UNDATED / 2 - 8,
                                y1: axisY, y2: axisY}),
                   svg("text", {class: "tick-label", x, y: axisY + 22, "text-anchor": "middle"}, "undated"));
  }
  placed.forEach((item, i) => {
    const n = i + 1;
    const y = axisY - 14 - item.level * STEP;
    const classes = ["point", i === 0 ? "first" : "", item.p.changed?.length ? "changed" : ""].filter(Boolean);
    const label = describe(n, item);
    drawing.append(svg("g", {class: classes.join(" "), tabindex: 0, role: "button", "aria-label": label,
                             "data-n": n, "data-date": item.date ?? "", "data-article": item.p.article_id,
                             "data-x": item.x.toFixed(1),
                             onclick: () => open(item.p, n),
                             onkeydown: (event) => {
                               if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(item.p, n); }
                             }},
      svg("title", {}, label),
      item.level === 0 ? svg("line", {class: "stem", x1: item.x, x2: item.x, y1: axisY, y2: y + R}) : null,
      svg("circle", {cx: item.x, cy: y, r: R})));
  });
  return drawing;
}

function dated(date) {
  return date ? el("time", {datetime: date}, date) : "undated";
}

/** One report in the list: the same facts as its point, plus its first report and what changed. */
function reportItem(p, n, date, open, metaLine) {
  const show = () => open(p, n);
  const first = p.first_report;
  const copied = first && first.article_id !== p.article_id;
  const item = el("li", {class: `hit report${p.changed?.length ? " changed" : ""}`, "data-n": n,
                         "data-article": p.article_id},
    el("h3", {}, el("span", {class: "when"}, dated(date)), " ",
       el("button", {type: "button", class: "title", onclick: show}, p.title || "(untitled)")),
    metaLine(p),
    el("blockquote", {}, p.quote),
    copied ? el("p", {class: "first-report"}, "First reported by ", first.source ?? "another outlet", " on ",
                dated(first.published_date), "; quoted from this copy.") : null,
    p.changed?.length ? el("p", {class: "what-changed"}, el("strong", {}, "What changed since the report before: "),
                           p.changed.join("; ")) : null);
  item.addEventListener("click", (event) => {
    if (!event.target.closest("a, button") && !window.getSelection()?.toString()) show();
  });
  return item;
}

/**
 * The timeline as page sections. `open(articleId, options)` opens an article at offsets (the page's reader);
 * `metaLine(item)` is the page's outlet/authors/dates line; `notes` are extra notes from the page; `width` is
 * the room the drawing has (CSS pixels), so its labels keep their size on a phone.
 */
export function renderTimeline(data, {open, metaLine, notes = [], width = WIDEST}) {
  const points = data.points;
  const heading = el("h2", {id: "timeline-h"}, `Timeline of “${data.query}”`);
  const allNotes = [...notes, ...(data.notes || [])].map((note) => el("p", {class: "note"}, note));
  const asOf = data.as_of ? ` as of ${data.as_of}` : "";
  if (!points.length) {
    return el("section", {class: "timeline", "aria-labelledby": "timeline-h"}, heading,
              el("p", {}, `No story matched${asOf}.`), allNotes);
  }
  const openPoint = (p, n) => open(p.article_id, {start: p.start, end: p.end, expect: p.quote, revision: p.revision,
                                                  label: `Report ${n} on the timeline`, cls: "hl"});
  const laid = layout(points, Math.round(Math.max(NARROWEST, Math.min(WIDEST, width))));
  const first = laid.placed[0];
  const changes = points.filter((p) => p.changed?.length).length;
  return el("section", {class: "timeline", "aria-labelledby": "timeline-h"},
    heading,
    el("p", {class: "count-line"}, `${points.length} report${points.length === 1 ? "" : "s"}${asOf}, oldest first`,
       changes ? ` · ${changes} with a change since the report before` : "",
       ". Open a point or a report to read its sentence in the article."),
    allNotes,
    el("figure", {class: "timeline-figure"}, axis(data.query, laid, openPoint),
       el("figcaption", {class: "legend hint"},
          el("span", {class: "swatch first", "aria-hidden": "true"}), " first report ",
          el("span", {class: "swatch", "aria-hidden": "true"}), " later report ",
          el("span", {class: "swatch changed", "aria-hidden": "true"}), " a value changed")),
    el("p", {class: "first-report summary"}, el("strong", {}, "First report: "), dated(first.date), ", ",
       first.p.first_report?.source ?? first.p.source ?? "unknown outlet", ": ",
       el("button", {type: "button", class: "link quote", onclick: () => openPoint(first.p, 1)}, `“${first.p.quote}”`)),
    el("ol", {class: "hits timeline-list"}, laid.placed.map((item, i) => reportItem(item.p, i + 1, item.date,
                                                                                      openPoint, metaLine))));
}
