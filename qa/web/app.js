// The reader's page: ask, search, check a claim or follow a story on a timeline, filter, and read each cited
// sentence highlighted in its article.
// State lives in the URL (/?q=…&mode=search&sort=newest&offset=10&source=…&article=…&at=start-end), so a
// link reproduces the answer (or the page of search results) and the article open beside it, its quoted
// passage highlighted.
// Untrusted text (everything from the API) is inserted with DOM text APIs only: see dom.js.

import {el, fill, safeLink} from "./dom.js";
import {markTerms, queryTerms, renderBody, toUnits} from "./text.js";
import {renderCheck} from "./claims.js";
import {renderTimeline} from "./timeline.js";

const $ = (id) => document.getElementById(id);
const form = $("ask-form");
const input = $("q");
const results = $("results");
const reader = $("reader");
const readerBody = $("reader-body");
const SINGLE = ["author", "section", "conflict", "published_after", "published_before", "as_of"];
const SELECTS = {author: $("f-author"), section: $("f-section"), conflict: $("f-conflict")};
const DATES = {published_after: $("f-after"), published_before: $("f-before"), as_of: $("f-as-of")};
const SORTS = ["relevance", "newest", "oldest"];
// Each mode of the box: its button, the label of the text box and an example.
const MODES = {
  ask: {go: "Ask", label: "Question", loading: "Finding an answer…",
        placeholder: "Ask a question, e.g. How long did the Moscow meeting with Putin last?"},
  search: {go: "Search", label: "Search text", loading: "Searching…", placeholder: "Search articles, e.g. peace plan"},
  check: {go: "Check", label: "Claim to check", loading: "Checking the claim…",
          placeholder: "Check a claim, e.g. Putin met Trump's envoys for two hours"},
  timeline: {go: "Show timeline", label: "Story to follow", loading: "Drawing the timeline…",
             placeholder: "Follow a story, e.g. Putin peace talks"},
};
const PAGE_SIZE = 10; // articles per page of search results
let generation = 0; // a newer query makes an older response stale
let reading = 0; // likewise for the article being opened
const articles = new Map(); // article_id -> Promise of the article

// ---------- state <-> URL <-> form ----------

/** The form's state; a new search starts at the first page unless `offset` says otherwise. */
function readForm({offset = 0} = {}) {
  const state = {q: input.value.trim(), mode: form.elements.mode.value, source: [], sort: $("sort").value, offset};
  for (const box of $("f-source").querySelectorAll("input[type=checkbox]:checked")) state.source.push(box.value);
  state.entity = [...$("f-entity").querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
  for (const [name, select] of Object.entries(SELECTS)) state[name] = select.value;
  for (const [name, date] of Object.entries(DATES)) state[name] = date.value;
  return state;
}

function readURL() {
  const params = new URLSearchParams(location.search);
  const offset = Number(params.get("offset"));
  const mode = params.get("mode");
  const state = {q: (params.get("q") ?? "").trim(), mode: Object.hasOwn(MODES, mode) ? mode : "ask",
                 source: params.getAll("source").filter(Boolean),
                 entity: params.getAll("entity").filter(Boolean),
                 sort: SORTS.includes(params.get("sort")) ? params.get("sort") : "relevance",
                 offset: Number.isInteger(offset) && offset > 0 ? offset : 0};
  for (const name of SINGLE) state[name] = params.get(name) ?? "";
  return state;
}

function toURL(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.mode !== "ask") params.set("mode", state.mode);
  if (state.mode === "search") {
    if (state.sort !== "relevance") params.set("sort", state.sort);
    if (state.offset) params.set("offset", String(state.offset));
  }
  for (const value of state.source) params.append("source", value);
  for (const value of state.entity) params.append("entity", value);
  for (const name of SINGLE) if (state[name]) params.set(name, state[name]);
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

/** The article the URL opens ({id, start, end}; offsets null when absent or malformed), or null. */
function linkedArticle() {
  const params = new URLSearchParams(location.search);
  const id = params.get("article");
  const at = /^(\d+)-(\d+)$/.exec(params.get("at") ?? "");
  return id ? {id, start: at ? Number(at[1]) : null, end: at ? Number(at[2]) : null} : null;
}

/** Put the open article (or none) in the URL in place: opening one adds no history entry to go Back through. */
function writeReaderURL(open) {
  const params = new URLSearchParams(location.search);
  params.delete("article");
  params.delete("at");
  if (open) {
    params.set("article", open.id);
    if (open.start !== null && open.end !== null) params.set("at", `${open.start}-${open.end}`);
  }
  const query = params.toString();
  const url = query ? `/?${query}` : "/";
  if (url !== location.pathname + location.search) history.replaceState(null, "", url);
}

function openLinkedArticle() {
  const linked = linkedArticle();
  if (linked) openArticle(linked.id, {start: linked.start, end: linked.end, label: "The linked passage"});
  else if (reader.open) reader.close();
}

function writeForm(state) {
  input.value = state.q;
  form.elements.mode.value = state.mode;
  $("sort").value = state.sort;
  for (const value of state.source) sourceBox(value, 0); // keep values the index no longer has
  for (const box of $("f-source").querySelectorAll("input[type=checkbox]")) box.checked = state.source.includes(box.value);
  for (const value of state.entity) entityBox(value);
  for (const box of $("f-entity").querySelectorAll("input[type=checkbox]")) box.checked = state.entity.includes(box.value);
  for (const [name, select] of Object.entries(SELECTS)) {
    if (state[name]) option(select, state[name], state[name]);
    select.value = state[name];
  }
  for (const [name, date] of Object.entries(DATES)) date.value = state[name];
  modeChanged();
  countFilters(state);
}

function countFilters(state) {
  const n = state.source.length + state.entity.length + SINGLE.filter((name) => state[name]).length;
  $("filter-count").textContent = n ? `(${n} on)` : "";
}

function modeChanged() {
  const mode = MODES[form.elements.mode.value] ?? MODES.ask;
  $("go").textContent = mode.go;
  $("q-label").textContent = mode.label;
  $("sort-box").hidden = form.elements.mode.value !== "search";
  input.placeholder = mode.placeholder;
}

// ---------- API ----------

async function api(path, options = {}) {
  return parsed(await fetch(path, {...options, headers: {"accept": "application/json", ...(options.headers ?? {})}}));
}

/** A JSON response's body, or an Error carrying the service's reason. */
async function parsed(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) {
    const detail = body?.detail;
    const message = Array.isArray(detail)
      ? detail.map((d) => `${(d.loc ?? []).filter((p) => p !== "body").join(".")}: ${d.msg}`).join("; ")
      : (detail ?? `${response.status} ${response.statusText}`);
    throw new Error(message);
  }
  return body;
}

function filtersOf(state) {
  const filters = {};
  if (state.source.length) filters.source = state.source;
  if (state.entity.length) filters.entity = state.entity;
  for (const name of ["author", "section", "conflict", "published_after", "published_before"]) {
    if (state[name]) filters[name] = name.startsWith("published") ? state[name] : [state[name]];
  }
  return filters;
}

function askBody(state) {
  const body = {question: state.q, filters: filtersOf(state)};
  if (state.as_of) body.as_of = state.as_of; // only when filled: services without it would refuse the field
  return JSON.stringify(body);
}

function askRequest(state) {
  return api("/ask", {method: "POST", headers: {"content-type": "application/json"}, body: askBody(state)});
}

/** POST /ask as server-sent events (EventSource cannot POST): `onEvent(name, data)` hears the plan and each
 *  citation as it is chosen; resolves with the whole answer (the `answer` event), or with the JSON a service
 *  that does not stream sends instead. */
async function askStreamed(state, onEvent) {
  const response = await fetch("/ask", {method: "POST", body: askBody(state),
                                        headers: {"content-type": "application/json", "accept": "text/event-stream"}});
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream") || !response.body) {
    return parsed(response); // a service that does not stream answered (or refused) in JSON
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split("\n").map((line) => [line.slice(0, line.indexOf(": ")),
                                                                         line.slice(line.indexOf(": ") + 2)]));
      const data = JSON.parse(fields.data ?? "null");
      if (fields.event === "answer") return data;
      if (fields.event === "error") throw new Error(data?.detail ?? "the answer stream failed");
      onEvent(fields.event, data);
    }
  }
  throw new Error("the answer stream ended without an answer");
}

/** What a streamed answer shows before it is complete: the time reading, then each quote as it arrives. */
function progress() {
  const list = el("ol", {class: "streaming"});
  const box = el("div", {class: "answer streaming", "aria-live": "polite"}, el("p", {class: "loading"},
                                                                               "Finding an answer…"), list);
  return {box, onEvent(name, data) {
    if (name === "plan") box.firstChild.textContent = `Reading the articles as of ${data.as_of}…`;
    if (name === "citation") list.append(el("li", {}, data.text));
  }};
}

function searchRequest(state) {
  const params = new URLSearchParams({q: state.q, top_k: String(PAGE_SIZE), sort: state.sort,
                                      offset: String(state.offset)});
  for (const [name, value] of Object.entries(filtersOf(state))) {
    for (const v of [value].flat()) params.append(name, v);
  }
  if (state.as_of) params.set("as_of", state.as_of);
  return api(`/search?${params}`);
}

function checkRequest(state) {
  const body = {claim: state.q, filters: filtersOf(state)};
  if (state.as_of) body.as_of = state.as_of;
  return api("/check", {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
}

/** GET /timeline takes the query, an as-of date and entities only: the other filters do not narrow it. */
function timelineRequest(state) {
  const params = new URLSearchParams({q: state.q});
  if (state.as_of) params.set("as_of", state.as_of);
  for (const value of state.entity) params.append("entity", value);
  return api(`/timeline?${params}`);
}

/** An article's text: its latest revision, or the revision a quote was taken from (offsets index into it). */
function getArticle(id, revision = null) {
  const key = revision ? `${id}@${revision}` : id;
  if (!articles.has(key)) {
    const pending = api(`/articles/${encodeURIComponent(id)}${revision ? `?revision=${revision}` : ""}`);
    pending.catch(() => articles.delete(key));
    articles.set(key, pending);
  }
  return articles.get(key);
}

// ---------- running a query ----------

async function run(state) {
  const mine = ++generation;
  articles.clear(); // a rebuild may have changed them; answers and articles are read from the same index
  document.title = state.q ? `${state.q} — News QA` : "News QA";
  if (!state.q) {
    fill(results, el("p", {class: "intro"}, "Type a question and press Enter."));
    return;
  }
  results.setAttribute("aria-busy", "true");
  fill(results, el("p", {class: "loading"}, (MODES[state.mode] ?? MODES.ask).loading));
  try {
    let data;
    if (state.mode === "search") {
      data = await searchRequest(state);
    } else if (state.mode === "check") {
      data = await checkRequest(state);
    } else if (state.mode === "timeline") {
      data = await timelineRequest(state);
    } else {
      const shown = progress();
      data = await askStreamed(state, (name, event) => {
        if (mine !== generation) return;
        if (!shown.box.isConnected) fill(results, shown.box);
        shown.onEvent(name, event);
      });
    }
    if (mine !== generation) return;
    if (state.mode === "check") {
      fill(results, renderCheck(data, {open: openArticle, metaLine}));
    } else if (state.mode === "timeline") {
      fill(results, renderTimeline(data, {open: openArticle, metaLine, notes: unused(state),
                                          width: results.clientWidth - 48})); // inside the section's padding
    } else {
      fill(results, state.mode === "search" ? renderSearch(data) : renderAnswer(data), watchButton(state));
    }
  } catch (error) {
    if (mine !== generation) return;
    fill(results, el("div", {class: "error", role: "alert"}, el("h2", {}, "The service could not answer"),
                     el("p", {}, error.message)));
  } finally {
    if (mine === generation) results.setAttribute("aria-busy", "false");
  }
  refreshHealth();
}

/** A note on the filters a timeline does not apply (GET /timeline narrows by as_of and entities only). */
function unused(state) {
  const off = state.source.length + ["author", "section", "conflict", "published_after", "published_before"]
    .filter((name) => state[name]).length;
  return off ? [`Timelines apply the As of date and the entities only; the other ${off === 1 ? "filter is" : "filters are"} `
                + "not used."] : [];
}

function submit({push = true, offset = 0} = {}) {
  const state = readForm({offset});
  countFilters(state);
  const url = toURL(state);
  if (push && url !== location.pathname + location.search) history.pushState(null, "", url);
  run(state);
}

// ---------- rendering: answers ----------

function metaLine(item) {
  const parts = [];
  if (item.source) parts.push(el("span", {class: "outlet"}, item.source));
  if (item.authors?.length) parts.push(el("span", {}, `by ${item.authors.join(", ")}`));
  if (item.published_date) {
    parts.push(el("span", {}, "published ", el("time", {datetime: item.published_date}, item.published_date)));
  }
  if (item.updated_date && item.updated_date !== item.published_date) {
    parts.push(el("span", {}, "updated ", el("time", {datetime: item.updated_date}, item.updated_date)));
  }
  if (item.section) parts.push(el("span", {}, item.section));
  if (item.conflict) parts.push(el("span", {}, item.conflict));
  const line = el("p", {class: "meta"});
  parts.forEach((part, i) => line.append(...(i ? [" · ", part] : [part])));
  return line;
}

function citeButton(citation) {
  return el("button", {type: "button", class: "cite", "aria-label": `Source ${citation.n}: ${citation.title}`,
                       "data-n": citation.n, onclick: () => openCitation(citation)}, `[${citation.n}]`);
}

/** Text holding citation c's quote, with the quote's short answer span (if any) in bold. */
function withSpan(text, c) {
  const span = c.answer_span;
  const at = span ? text.lastIndexOf(c.quote) : -1;
  if (at < 0) return [text];
  const from = at + span.start - c.start, to = at + span.end - c.start;
  return [text.slice(0, from), el("strong", {class: "short-answer"}, text.slice(from, to)), text.slice(to)];
}

/** The answer text with each [n] made a button that opens citation n, and short answers in bold. */
function answerText(answer, citations) {
  const byN = new Map(citations.map((c) => [String(c.n), c]));
  const out = [];
  let at = 0;
  for (const m of answer.matchAll(/\[(\d+)\]/g)) {
    const citation = byN.get(m[1]);
    if (!citation) continue;
    if (m.index > at) out.push(...withSpan(answer.slice(at, m.index), citation));
    out.push(citeButton(citation));
    at = m.index + m[0].length;
  }
  if (at < answer.length) out.push(answer.slice(at));
  return out;
}

function openCitation(c) {
  openArticle(c.article_id, {start: c.start, end: c.end, expect: c.quote, revision: c.revision,
                             label: `Cited as [${c.n}]`, cls: "hl"});
}

/** Links to GET /ask?format=md|csv: the same answer as a note or rows, each quote with its provenance. */
function exportLinks(data) {
  const params = new URLSearchParams({q: data.question});
  if (data.as_of) params.set("as_of", data.as_of);
  for (const name of new URLSearchParams(location.search).getAll("entity")) params.append("entity", name);
  const link = (format, label) => {
    params.set("format", format);
    return el("a", {href: `/ask?${params}`, class: `export-${format}`, download: `answer.${format}`}, label);
  };
  return el("p", {class: "hint export"}, "Export with provenance: ", link("md", "Markdown note"), " · ",
            link("csv", "CSV"));
}

function renderAnswer(data) {
  const out = [];
  const notes = [];
  if (data.as_of) notes.push(el("p", {class: "note"}, `Answered as of ${data.as_of}: later articles are left out.`));
  if (data.time_window) {
    const w = data.time_window;
    notes.push(el("p", {class: "note"}, `Reading ${w.phrase ? `“${w.phrase}”` : "the question"} as `,
                  `${w.start ?? "…"} to ${w.end ?? "…"}.`));
  }
  if (data.freshness_note) notes.push(el("p", {class: "note"}, data.freshness_note));
  for (const note of data.notes || []) notes.push(el("p", {class: "note"}, note));

  if (data.answerable && data.answer) {
    out.push(el("section", {class: "answer", "aria-labelledby": "answer-h"},
      el("h2", {id: "answer-h"}, "Answer"),
      el("p", {class: "answer-text"}, answerText(data.answer, data.citations)),
      el("p", {class: "hint"}, data.method === "generated"
        ? "Written by a language model from the numbered sources; every sentence carries its marker."
        : "Quoted verbatim from the sources below; open a marker to read the sentence in its article.",
        data.confidence != null ? ` Probability that the best quote answers: ${data.confidence.toFixed(2)}.` : ""),
      exportLinks(data),
      notes));
  } else {
    out.push(el("section", {class: "answer declined", "aria-labelledby": "answer-h"},
      el("h2", {id: "answer-h"}, "Not answered"),
      el("p", {class: "reason"}, data.reason ?? "The indexed articles do not say."),
      notes));
  }
  out.push(mentions(data.entities));
  if (data.citations.length) {
    out.push(el("section", {class: "sources", "aria-labelledby": "sources-h"},
      el("h2", {id: "sources-h"}, "Sources"),
      el("ol", {class: "cards"}, data.citations.map(sourceCard))));
  }
  const cited = new Set(data.citations.map((c) => c.chunk_id));
  const rest = data.passages.filter((p) => !cited.has(p.chunk_id));
  if (!data.answerable) {
    out.push(el("section", {class: "passages", "aria-labelledby": "passages-h"},
      el("h2", {id: "passages-h"}, "Closest passages"),
      rest.length ? el("ol", {class: "hits"}, rest.map((p) => passageItem(p, queryTerms(data.question))))
                  : el("p", {}, "No passage matched.")));
  } else if (rest.length) {
    out.push(el("details", {class: "passages"},
      el("summary", {}, `Other passages retrieved (${rest.length})`),
      el("ol", {class: "hits"}, rest.map((p) => passageItem(p, queryTerms(data.question))))));
  }
  return out;
}

/** The people, organisations and places the sources mention; each button keeps only articles mentioning it. */
function mentions(entities) {
  if (!entities?.length) return null;
  const shown = entities.slice(0, 12);
  return el("section", {class: "mentions", "aria-labelledby": "mentions-h"},
    el("h2", {id: "mentions-h"}, "Mentioned in the sources"),
    el("ul", {}, shown.map((e) => el("li", {},
      el("button", {type: "button", class: `entity ${e.kind}`, title: `Only articles mentioning ${e.name} (${e.kind})`,
                    onclick: () => { entityBox(e.name).checked = true; submit(); }}, e.name)))));
}

function sourceCard(c) {
  const open = () => openCitation(c);
  const card = el("li", {class: "card", id: `source-${c.n}`},
    el("h3", {}, el("span", {class: "n"}, `[${c.n}]`), " ",
       el("button", {type: "button", class: "title", onclick: open}, c.title || "(untitled)")),
    metaLine(c),
    el("blockquote", {}, withSpan(c.quote, c)),
    c.url ? el("p", {class: "url"}, safeLink(c.url) ?? el("span", {}, c.url)) : null,
    alsoIn(c.also_in),
    evidence("Corroborated by", "corroborated", c.corroborated_by),
    evidence("Conflicting reports", "conflicting", c.conflicting));
  // The whole card opens the article; links and buttons inside keep their own action.
  card.addEventListener("click", (event) => {
    if (!event.target.closest("a, button") && !window.getSelection()?.toString()) open();
  });
  return card;
}

function alsoIn(items) {
  if (!items?.length) return null;
  const line = el("p", {class: "also"}, "Also carried by ");
  items.forEach((item, i) => {
    if (i) line.append(i === items.length - 1 ? " and " : ", ");
    line.append(el("button", {type: "button", class: "link",
      "aria-label": `${item.source ?? "another outlet"}: ${item.title ?? ""}`,
      onclick: () => openArticle(item.article_id, {label: `Also carried by ${item.source ?? "another outlet"}`})},
      item.source ?? item.title ?? item.article_id),
      item.published_date ? ` (${item.published_date})` : "");
  });
  line.append(".");
  return line;
}

function evidence(heading, cls, items) {
  if (!items?.length) return null;
  return el("div", {class: `evidence ${cls}`},
    el("h4", {}, heading),
    el("ul", {}, items.map((item) => el("li", {},
      el("q", {}, item.quote), " — ",
      el("button", {type: "button", class: "link",
        onclick: () => openArticle(item.article_id, {start: item.start, end: item.end, expect: item.quote,
                                                     label: heading, cls: `hl ${cls}`})},
        [item.source, item.published_date].filter(Boolean).join(", ") || item.title || "read")))));
}

// ---------- rendering: search ----------

function passageItem(p, terms) {
  const open = () => openArticle(p.article_id, {start: p.start, end: p.end, expect: p.text, revision: p.revision,
                                                label: "Passage", cls: "hl passage"});
  const item = el("li", {class: "hit"},
    el("h3", {}, el("button", {type: "button", class: "title", onclick: open}, p.title || "(untitled)")),
    metaLine(p),
    el("p", {class: "passage-text"}, markTerms(p.text, terms)));
  item.addEventListener("click", (event) => {
    if (!event.target.closest("a, button") && !window.getSelection()?.toString()) open();
  });
  return item;
}

function renderSearch(data) {
  const terms = queryTerms(data.query);
  const first = data.offset + 1;
  const last = data.offset + data.results.length;
  const about = data.total_exact ? "" : "about ";
  const summary = data.results.length
    ? `${first}–${last} of ${about}${data.total} article${data.total === 1 ? "" : "s"}`
    : (data.offset ? `No more articles (${about}${data.total} in all).` : "No article matched.");
  return el("section", {class: "search", "aria-labelledby": "search-h"},
    el("h2", {id: "search-h"}, `Articles for “${data.query}”`),
    el("p", {class: "count-line", id: "result-count"}, summary,
       data.results.length ? ` · ${data.sort === "relevance" ? "most relevant first" : `${data.sort} first`}` : ""),
    data.as_of ? el("p", {class: "note"}, `As of ${data.as_of}.`) : null,
    ...(data.notes || []).map((note) => el("p", {class: "note"}, note)),
    data.results.length ? el("ol", {class: "hits", start: first}, data.results.map((a) => articleItem(a, terms))) : null,
    pager(data));
}

/** One card per article: title, outlet and dates, the snippet with query words marked, its other passages. */
function articleItem(a, terms) {
  const s = a.snippet;
  const open = () => openArticle(a.article_id, {start: s.start, end: s.end, expect: s.text, revision: a.revision,
                                                label: "The matching sentences", cls: "hl"});
  const item = el("li", {class: "hit article-hit", "data-article": a.article_id},
    el("h3", {}, el("button", {type: "button", class: "title", onclick: open}, a.title || "(untitled)")),
    metaLine(a),
    el("p", {class: "snippet"}, markTerms(s.text, terms), s.truncated ? " …" : ""),
    alsoIn(a.also_in),
    a.more_count ? morePassages(a, terms) : null);
  item.addEventListener("click", (event) => {
    if (!event.target.closest("a, button, details") && !window.getSelection()?.toString()) open();
  });
  return item;
}

/** "N more passages in this article", expanding in place; each opens the article at that passage. */
function morePassages(a, terms) {
  const n = a.more_count;
  return el("details", {class: "more"},
    el("summary", {}, `${n} more passage${n === 1 ? "" : "s"} in this article`),
    el("ol", {class: "more-passages"}, a.more_passages.map((p) => el("li", {},
      el("p", {class: "passage-text"}, markTerms(p.text, terms)),
      el("button", {type: "button", class: "link",
        onclick: () => openArticle(a.article_id, {start: p.start, end: p.end, expect: p.text, revision: a.revision,
                                                  label: "Passage", cls: "hl passage"})},
        "Read it in the article")))));
}

function pager(data) {
  const previous = data.offset > 0;
  const next = data.total !== null && data.offset + data.results.length < data.total
    && data.results.length === data.top_k;
  if (!previous && !next) return null;
  const go = (offset) => { submit({offset}); results.focus(); };
  return el("nav", {class: "pager", "aria-label": "Pages of results"},
    previous ? el("button", {type: "button", class: "secondary", id: "prev-page",
                             onclick: () => go(Math.max(0, data.offset - data.top_k))}, "← Previous page") : null,
    next ? el("button", {type: "button", class: "secondary", id: "next-page",
                         onclick: () => go(data.offset + data.top_k)}, "Next page →") : null);
}

// ---------- the article reader ----------

async function openArticle(id, {start = null, end = null, expect = null, revision = null, label = "",
                                cls = "hl"} = {}) {
  const mine = ++reading;
  $("reader-title").textContent = "Loading the article…";
  readerBody.replaceChildren();
  if (!reader.open) reader.showModal();
  writeReaderURL({id, start, end});
  let article;
  try {
    article = await getArticle(id, revision);
  } catch (error) {
    if (mine !== reading) return;
    $("reader-title").textContent = "Article unavailable";
    fill(readerBody, el("p", {role: "alert"}, error.message));
    return;
  }
  if (mine !== reading) return;
  const text = article.text;
  const marks = [];
  let note = null;
  if (start !== null && end !== null) {
    let [s, e] = toUnits(text, start, end);
    if (expect !== null && text.slice(s, e) !== expect) {
      // The article was edited after this answer: offsets may have moved. Find the quote by its words instead.
      const found = text.indexOf(expect);
      note = found >= 0 ? "The article changed since this answer; the quote was found by its words."
                        : "The article changed since this answer; the quoted text is no longer in it.";
      [s, e] = found >= 0 ? [found, found + expect.length] : [0, 0];
    }
    if (s < e) marks.push([s, e, cls]);
  }
  $("reader-title").textContent = article.title || "(untitled)";
  fill(readerBody,
    metaLine(article),
    article.reported_from ? el("p", {class: "meta"}, `Reported from ${article.reported_from}`) : null,
    article.url ? el("p", {class: "url"}, safeLink(article.url) ?? el("span", {}, article.url)) : null,
    label && marks.length ? el("p", {class: "hint"}, `${label}: highlighted below.`) : null,
    note ? el("p", {class: "note", role: "status"}, note) : null,
    el("div", {class: "article-text"}, renderBody(text, marks)));
  const first = readerBody.querySelector("mark");
  if (first) {
    first.id = "highlight";
    first.scrollIntoView({block: "center"});
  } else {
    readerBody.scrollTop = 0;
  }
}

$("reader-close").addEventListener("click", () => reader.close());
reader.addEventListener("close", () => writeReaderURL(null)); // the close button, Escape or the backdrop
reader.addEventListener("click", (event) => { if (event.target === reader) reader.close(); }); // the backdrop

// ---------- filters (from /facets) and the footer (from /health) ----------

/** The outlet checkbox for `value`, added if missing; a count (from /facets) is shown beside it. */
function sourceBox(value, count) {
  const box = $("f-source");
  let checkbox = [...box.querySelectorAll("input")].find((i) => i.value === value);
  if (!checkbox) {
    $("f-source-empty")?.remove();
    checkbox = el("input", {type: "checkbox", name: "source", value});
    box.append(el("label", {class: "check"}, checkbox, ` ${value}`, el("span", {class: "count"})));
  }
  if (count) checkbox.parentElement.querySelector(".count").textContent = ` (${count})`;
  return checkbox;
}

/** The checkbox of an entity filter (under "Mentioning"), added if missing; unchecking it drops the filter. */
function entityBox(value) {
  const box = $("f-entity");
  let checkbox = [...box.querySelectorAll("input")].find((i) => i.value === value);
  if (!checkbox) {
    checkbox = el("input", {type: "checkbox", name: "entity", value});
    box.append(el("label", {class: "check"}, checkbox, ` ${value}`));
  }
  box.hidden = false;
  return checkbox;
}

/** The <option> for `value` in `select`, added if missing, labelled `label`. */
function option(select, value, label) {
  let found = [...select.options].find((o) => o.value === value);
  if (!found) select.append(found = el("option", {value}));
  found.textContent = label;
  return found;
}

async function loadFacets() {
  try {
    const facets = await api("/facets");
    for (const {value, articles: n} of facets.source) sourceBox(value, n);
    if (!facets.source.length && $("f-source-empty")) $("f-source-empty").textContent = "No outlets in the index.";
    for (const [name, select] of Object.entries(SELECTS)) {
      for (const {value, articles: n} of facets[name]) option(select, value, `${value} (${n})`);
    }
    for (const input of [DATES.published_after, DATES.published_before]) {
      if (facets.published_min) input.min = facets.published_min;
      if (facets.published_max) input.max = facets.published_max;
    }
  } catch (error) {
    const hint = $("f-source-empty");
    if (hint) hint.textContent = `Filter values unavailable: ${error.message}`;
  }
}

function age(seconds) {
  if (seconds == null) return "";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

async function refreshHealth() {
  const footer = $("status");
  try {
    const h = await api("/health");
    const parts = [];
    if (h.status === "ok") {
      parts.push(`Index: ${h.articles} article${h.articles === 1 ? "" : "s"}, ${h.chunks} passages`);
      if (h.built_at) {
        const when = h.built_at.replace("T", " ").replace(/\.\d+/, "").replace("+00:00", " UTC");
        parts.push(`last built ${when}` + (h.index_age_seconds != null ? ` (${age(h.index_age_seconds)} ago)` : ""));
      }
    } else {
      parts.push(h.status === "building" ? "Index: the first build is running" : "Index: none loaded");
    }
    if (h.rebuilding) parts.push("a rebuild is running");
    if (h.last_build?.status === "failed") parts.push(`last build failed: ${h.last_build.error}`);
    if (h.message) parts.push(h.message);
    for (const f of h.feeds ?? []) {  // qa serve --feeds: each feed's last poll, error and next poll
      const state = f.last_error ? `error: ${f.last_error}` : (f.last_poll ? `polled ${f.last_poll}` : "not polled yet");
      parts.push(`feed ${f.feed}: ${state}` + (f.next_poll ? `, next ${f.next_poll}` : ""));
    }
    footer.textContent = parts.join(" · ");
    footer.dataset.status = h.status;
  } catch (error) {
    footer.textContent = `Index state unavailable: ${error.message}`;
  }
}

// ---------- wiring ----------

form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
for (const radio of form.elements.mode) {
  radio.addEventListener("change", () => { modeChanged(); if (input.value.trim()) submit(); });
}
$("sort").addEventListener("change", () => { if (input.value.trim()) submit(); });
$("filters").addEventListener("change", () => { if (input.value.trim()) submit(); else countFilters(readForm()); });
$("clear-filters").addEventListener("click", () => {
  writeForm({...readForm(), source: [], entity: [], ...Object.fromEntries(SINGLE.map((n) => [n, ""]))});
  if (input.value.trim()) submit(); else countFilters(readForm());
});
window.addEventListener("popstate", () => {
  const state = readURL();
  writeForm(state);
  run(state);
  openLinkedArticle();
});

// ---------- watched searches ----------

/** "Watch this query": saved with the current filters; only articles that arrive later are reported. */
function watchButton(state) {
  const status = el("span", {class: "hint", role: "status"});
  const button = el("button", {type: "button", class: "secondary watch-add", onclick: async () => {
    button.disabled = true;
    try {
      await api("/watches", {method: "POST", headers: {"content-type": "application/json"},
                             body: JSON.stringify({query: state.q, filters: filtersOf(state)})});
      status.textContent = "Watching: new matching articles will be listed under Watches.";
      loadWatches();
    } catch (error) {
      status.textContent = `Not watched: ${error.message}`;
      button.disabled = false;
    }
  }}, "Watch this query");
  return el("p", {class: "watch"}, button, " ", status);
}

async function loadWatches() {
  const list = $("watch-list");
  let watches;
  try { watches = await api("/watches"); } catch (error) {
    fill(list, el("li", {class: "hint"}, `Watches unavailable: ${error.message}`));
    return;
  }
  fill(list, watches.length ? watches.map(watchItem) : el("li", {class: "hint"}, "No watches yet."));
}

function watchItem(w) {
  const found = el("ul", {class: "watch-new"});
  const show = el("button", {type: "button", class: "secondary", onclick: async () => {
    try {
      const data = await api(`/watches/${encodeURIComponent(w.id)}/new`);
      fill(found, data.articles.length ? data.articles.map(alertItem) : el("li", {class: "hint"}, "Nothing new."));
    } catch (error) {
      fill(found, el("li", {class: "hint"}, error.message));
    }
  }}, "New articles");
  return el("li", {"data-watch": w.id}, el("span", {class: "watch-query"}, `“${w.query}”`), " ", show, found);
}

/** A new match: its best sentence, opening the article at it. */
function alertItem(a) {
  const open = () => openArticle(a.article_id, {start: a.start, end: a.end, label: "The matching sentence"});
  return el("li", {}, el("button", {type: "button", class: "quote", onclick: open}, `“${a.quote}”`),
            el("span", {class: "meta"}, ` ${a.title} — ${a.source ?? "unknown outlet"} · ${a.published_date ?? "undated"}`));
}

async function start() {
  if (window.matchMedia("(min-width: 900px)").matches) $("filters").open = true;
  // The URL's state first (so a shared link runs at once); the filter values then fill in around it.
  const state = readURL();
  writeForm(state);
  if (state.q) run(state);
  else input.focus();
  openLinkedArticle();
  refreshHealth();
  setInterval(refreshHealth, 60_000); // keeps the index's age current
  loadWatches();
  await loadFacets();
}

start();
