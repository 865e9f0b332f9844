"""The statements that answer a question in few round trips.

``hybrid``: the dense, sentence and keyword searches as CTEs of one statement, with the filters
inside each (so they apply before the cut to k), plus each hit's article date (for recency) and the
question's stem frequencies (for the answerer's IDF). ``passages``: chunks by id with their
sentences' vectors and their stories' members. Together with the live-version check and
corroboration's nearest sentences, an answer takes four statements instead of about fifteen.
"""

from __future__ import annotations

from index.stores.postgres.schema import SCHEMA, visible

S = SCHEMA
#: BM25 as SQLite FTS5 computes it (fts5_aux.c), so both stores rank keywords alike.
K1, B = 1.2, 0.75
KINDS = ("dense", "sentence", "keyword")


def nearest(table: str, columns: str, where: str, join: bool = False) -> str:
    """Rows of ``table`` nearest to ``%(q)s`` with the filters, cut to ``%(k)s`` (pgvector's HNSW scan)."""
    join = join or bool(where)
    return f"""SELECT {columns}, 1 - (t.embedding <=> %(q)s::vector) AS score FROM {S}.{table} t
               {f"JOIN {S}.articles a ON a.row_id = t.article_row" if join else ""}
               WHERE {visible('t')} {"AND " + where if where else ""}
               ORDER BY t.embedding <=> %(q)s::vector LIMIT %(k)s"""


def keyword(where: str) -> str:
    """BM25 over the postings of ``%(terms)s`` (FTS5's formula: IDF floored at 1e-6, title weighted):
    the CTEs ``hits`` and ``idf`` (with each stem's document frequency ``df``), then the ranked chunks."""
    return f"""hits AS (
                   SELECT p.stem, p.chunk, %(title_weight)s * p.tf_title + p.tf_text AS f, p.tokens, p.article_row
                   FROM {S}.postings p
                   WHERE p.stem = ANY(%(terms)s) AND {visible('p')}),
               idf AS (
                   SELECT stem, count(*) AS df,
                          GREATEST(ln((0.5 + %(n)s::float8 - count(*)) / (0.5 + count(*))), 1e-6) AS idf
                   FROM hits GROUP BY stem),
               keyword AS (
                   SELECT h.chunk, h.article_row,
                          sum(idf.idf * h.f * {K1 + 1}::float8
                              / (h.f + {K1}::float8 * ({1 - B}::float8 + {B}::float8 * h.tokens / %(avgdl)s::float8)))
                          AS score
                   FROM hits h JOIN idf USING (stem)
                   {f"JOIN {S}.articles a ON a.row_id = h.article_row WHERE {where}" if where else ""}
                   GROUP BY h.chunk, h.article_row ORDER BY score DESC, h.chunk LIMIT %(k)s)"""


def hybrid(kinds: tuple[str, ...], where: str) -> str:
    """Rows ``(kind, chunk, score, effective date, stem)``: each search's hits with their article's date,
    and ``('df', NULL, document frequency, NULL, stem)`` per question stem when keywords are searched.
    Parameters: ``q``, ``k``, ``k_sentences`` and those of ``keyword`` and the filters."""
    ctes, found = [], []
    if "dense" in kinds:
        ctes.append(f"dense AS ({nearest('chunks', 't.id AS chunk, t.article_row', where)})")
        found.append("SELECT 'dense' AS kind, chunk, article_row, score FROM dense")
    if "sentence" in kinds:
        ctes.append(f"sentence AS ({nearest('sentences', 't.chunk AS chunk, t.article_row', where).replace('%(k)s', '%(k_sentences)s')})")
        found.append("SELECT 'sentence', chunk, article_row, score FROM sentence")
    if "keyword" in kinds:
        ctes.append(keyword(where))
        found.append("SELECT 'keyword', chunk, article_row, score FROM keyword")
    ctes.append(f"found AS ({' UNION ALL '.join(found)})")
    statement = f"""WITH {', '.join(ctes)}
        SELECT f.kind, f.chunk, f.score::float8, a.effective_date, NULL::text AS stem
        FROM found f JOIN {S}.articles a ON a.row_id = f.article_row"""
    if "keyword" in kinds:
        statement += " UNION ALL SELECT 'df', NULL, df::float8, NULL, stem FROM idf"
    return statement


def passages(meta: list[str]) -> str:
    """Rows of two kinds for chunks ``%(ids)s``: ``'chunk'`` (the chunk, its text, the start offsets and
    binary vectors of the stored sentences inside it, the dates its text mentions, its article's metadata)
    and ``'member'`` (an article of one of their stories). ``meta``: the article columns, unqualified."""
    picked = ", ".join(f"a.{m}" for m in meta)
    chunk_meta = ", ".join(f"p.{m}" for m in meta)
    member_meta = ", ".join(f"m.{m}" for m in meta)
    return f"""WITH picked AS (
            SELECT c.id, c.chunk_id, c.position, c.start, c."end", c.sentences, c.article_row,
                   substr(a.body, c.start + 1, c."end" - c.start) AS text, {picked}
            FROM {S}.chunks c JOIN {S}.articles a ON a.row_id = c.article_row
            WHERE c.id = ANY(%(ids)s) AND {visible('c')})
        SELECT 'chunk', p.id, p.chunk_id, p.position, p.start, p."end", p.sentences, p.text, v.starts, v.vectors,
               d.starts, d.ends, d.firsts, d.lasts, {chunk_meta}
        FROM picked p LEFT JOIN LATERAL (
            SELECT array_agg(s.start ORDER BY s.start) AS starts,
                   array_agg(vector_send(s.embedding) ORDER BY s.start) AS vectors
            FROM {S}.sentences s
            WHERE s.article_row = p.article_row AND s.start >= p.start AND s.start < p."end" AND {visible('s')}) v
            ON true
        LEFT JOIN LATERAL (
            SELECT array_agg(m.start ORDER BY m.start) AS starts, array_agg(m."end" ORDER BY m.start) AS ends,
                   array_agg(m.first_day ORDER BY m.start) AS firsts, array_agg(m.last_day ORDER BY m.start) AS lasts
            FROM {S}.date_mentions m
            WHERE m.article_row = p.article_row AND m.start >= p.start AND m."end" <= p."end") d ON true
        UNION ALL
        SELECT 'member', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, {member_meta}
        FROM {S}.articles m
        WHERE m.story_id IN (SELECT story_id FROM picked) AND {visible('m')}"""
