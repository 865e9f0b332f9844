"""An answer with its provenance, in forms one pastes into a story note or a fact-check: Markdown for
reading, CSV for a spreadsheet, JSON for tools. Every quote carries its article, outlet, authors,
dates, URL, character offsets, the revision and hash of the text those offsets index, and the as-of date."""

from __future__ import annotations

import csv
import io

from qa.schemas import AskResponse, CitationOut

COLUMNS = ("n", "quote", "article_id", "title", "source", "authors", "published_date", "updated_date", "url", "start",
           "end", "content_sha", "revision")


def _cell(c: CitationOut, name: str) -> str:
    value = getattr(c, name)
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else str(value)


def as_markdown(answer: AskResponse) -> str:
    lines = [f"**Question:** {answer.question}", f"**As of:** {answer.as_of}", ""]
    if not answer.answerable:
        lines += [f"**No answer:** {answer.reason}"]
        return "\n".join(lines) + "\n"
    lines += [f"**Answer:** {answer.answer}", "", "**Sources**", ""]
    for c in answer.citations:
        byline = ", ".join(p for p in (c.source, "; ".join(c.authors) or None, str(c.published_date or "undated"))
                           if p)
        lines.append(f"{c.n}. > {c.quote}")
        lines.append(f"   — *{c.title}*, {byline}" + (f", <{c.url}>" if c.url else ""))
        lines.append(f"   article `{c.article_id}`, characters {c.start}–{c.end}, revision {c.revision}, "
                     f"text hash `{c.content_sha}`")
    return "\n".join(lines) + "\n"


def as_csv(answer: AskResponse) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("question", "as_of", *COLUMNS))
    for c in answer.citations:
        writer.writerow((answer.question, str(answer.as_of), *(_cell(c, name) for name in COLUMNS)))
    return out.getvalue()
