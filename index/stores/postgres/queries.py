"""The statements that answer a question in few round trips.

``hybrid``: any of the dense, sentence and keyword searches as CTEs of one statement, with the filters
inside each (so they apply before the cut to k), plus each hit's article date (for recency) and the
question's stem frequencies (for the answerer's IDF); the reader sends the vector searches and the
keyword search as two such statements at once. ``passages``: chunks by id with their sentences'
vectors and their stories' members. With corroboration's nearest sentences, an answer waits on three
round trips instead of about fifteen.
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
        found.append("SELECT 'sentence' AS kind, chunk, article_row, score FROM sentence")
    if "keyword" in kinds:
        ctes.append(keyword(where))
        found.append("SELECT 'keyword' AS kind, chunk, article_row, score FROM keyword")
    ctes.append(f"found AS ({' UNION ALL '.join(found)})")
    # Each hit's date by its article's key (an index probe per hit): a join let the planner hash all of
    # articles (a sequential scan, 2.5 ms at 10,000 articles) for some 600 hits.
    statement = f"""WITH {', '.join(ctes)}
        SELECT f.kind, f.chunk, f.score::float8,
               (SELECT a.effective_date FROM {S}.articles a WHERE a.row_id = f.article_row), NULL::text AS stem
        FROM found f"""
    if "keyword" in kinds:
        statement += " UNION ALL SELECT 'df', NULL, df::float8, NULL, stem FROM idf"
    return statement


def passages(meta: list[str], vectors: bool = True) -> str:
    """Rows of two kinds for chunks ``%(ids)s``: ``'chunk'`` (the chunk, its text, the start offsets of the
    stored sentences inside it and, with ``vectors``, their vectors as one bytea (pgvector's binary form, one
    after another: one buffer to decode per chunk, not one per sentence), the dates its text mentions, its
    article's row and metadata) and ``'member'`` (another article of one of their stories: the chunks' own
    articles are not sent twice, the reader adds them). ``meta``: the article columns, unqualified."""
    picked = ", ".join(f"a.{m}" for m in meta)
    chunk_meta = ", ".join(f"p.{m}" for m in meta)
    member_meta = ", ".join(f"m.{m}" for m in meta)
    sentences = f"""LEFT JOIN LATERAL (
            SELECT array_agg(s.start ORDER BY s.start) AS starts,
                   string_agg(vector_send(s.embedding), ''::bytea ORDER BY s.start) AS vectors
            FROM {S}.sentences s
            WHERE s.article_row = p.article_row AND s.start >= p.start AND s.start < p."end" AND {visible('s')}) v
            ON true""" if vectors else "CROSS JOIN (SELECT NULL::int4[] AS starts, NULL::bytea AS vectors) v"
    return f"""WITH picked AS (
            SELECT c.id, c.chunk_id, c.position, c.start, c."end", c.sentences, c.article_row,
                   substr(a.body, c.start + 1, c."end" - c.start) AS text, {picked}
            FROM {S}.chunks c JOIN {S}.articles a ON a.row_id = c.article_row
            WHERE c.id = ANY(%(ids)s) AND {visible('c')})
        SELECT 'chunk', p.id, p.chunk_id, p.position, p.start, p."end", p.sentences, p.text, v.starts, v.vectors,
               d.starts, d.ends, d.firsts, d.lasts, p.article_row, {chunk_meta}
        FROM picked p {sentences}
        LEFT JOIN LATERAL (
            SELECT array_agg(m.start ORDER BY m.start) AS starts, array_agg(m."end" ORDER BY m.start) AS ends,
                   array_agg(m.first_day ORDER BY m.start) AS firsts, array_agg(m.last_day ORDER BY m.start) AS lasts
            FROM {S}.date_mentions m
            WHERE m.article_row = p.article_row AND m.start >= p.start AND m."end" <= p."end") d ON true
        UNION ALL
        SELECT 'member', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               {member_meta}
        FROM {S}.articles m
        WHERE m.story_id IN (SELECT story_id FROM picked) AND m.row_id NOT IN (SELECT article_row FROM picked)
              AND {visible('m')}"""
