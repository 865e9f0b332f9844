import re

import pytest

from index.chunk import Chunker, SentenceSplitter
from index.formats import parse_record, read_records
from index.types import Article
from tests.support import SEED_FILE


@pytest.fixture(scope="module")
def chunker(encoder):
    return Chunker(encoder.count_tokens, chunk_tokens=128, max_seq_tokens=256, overlap_sentences=1)


def squad_articles(paragraphs, n=300):
    return [Article(article_id=f"sq{i}", path=f"sq{i}", content_sha="", title=p.title, body=p.text)
            for i, p in enumerate(paragraphs[:n])]


def seed_article():
    return parse_record(next(read_records(SEED_FILE, SEED_FILE.parent, 10**7)))


def check_chunks(chunker, encoder, article):
    chunks = chunker.chunk(article)
    assert chunks, article.path
    for chunk in chunks:
        assert article.body[chunk.start:chunk.end] == chunk.text
        for s, e in chunk.sentences:
            assert chunk.start <= s < e <= chunk.end
        embedded = chunker.embedding_text(article.title, chunk.text)
        assert encoder.count_tokens([embedded])[0] + 2 <= 256
    return chunks


def test_seed_chunks_are_exact_and_fit(chunker, encoder):
    chunks = check_chunks(chunker, encoder, seed_article())
    assert [c.chunk_id for c in chunks] == [f"{chunks[0].article_id}-{i:04d}" for i in range(len(chunks))]


def test_squad_chunks_are_exact_and_fit(chunker, encoder, squad_data):
    paragraphs, _ = squad_data
    for article in squad_articles(paragraphs):
        check_chunks(chunker, encoder, article)


def test_every_sentence_of_the_body_is_covered(chunker):
    article = seed_article()
    covered = {span for c in chunker.chunk(article) for span in c.sentences}
    text_covered = "".join(article.body[s:e] for s, e in sorted(covered))
    assert re.sub(r"\s", "", text_covered) == re.sub(r"\s", "", article.body)


def test_no_sentence_is_cut_after_honorifics_or_initials():
    body = seed_article().body
    spans = SentenceSplitter().spans(body)
    for s, e in spans:
        sentence = body[s:e]
        assert not re.search(r"\b(Mr|Mrs|Ms|Dr|V)\.$", sentence), sentence
    # "Mr. Putin" is never split across two sentences anywhere in the article.
    starts = {s for s, _ in spans}
    for match in re.finditer(r"Mr\. Putin", body):
        assert match.start() + 4 not in starts


def test_overlap_repeats_whole_sentences(chunker):
    chunks = chunker.chunk(seed_article())
    for prev, nxt in zip(chunks, chunks[1:]):
        assert prev.sentences[-1] == nxt.sentences[0]


def test_zero_overlap_partitions_sentences(encoder):
    chunker = Chunker(encoder.count_tokens, chunk_tokens=128, max_seq_tokens=256, overlap_sentences=0)
    chunks = chunker.chunk(seed_article())
    for prev, nxt in zip(chunks, chunks[1:]):
        assert prev.end <= nxt.start


def test_overlong_sentence_is_split_to_fit(encoder):
    chunker = Chunker(encoder.count_tokens, chunk_tokens=64, max_seq_tokens=64, overlap_sentences=0)
    body = "Start " + " ".join(f"word{i}" for i in range(400)) + " end. Short one."
    article = Article(article_id="x", path="x", content_sha="", title="T", body=body)
    chunks = chunker.chunk(article)
    assert len(chunks) > 3
    for chunk in chunks:
        assert body[chunk.start:chunk.end] == chunk.text
        assert encoder.count_tokens([chunker.embedding_text("T", chunk.text)])[0] + 2 <= 64
    assert "".join(c.text.replace(" ", "") for c in chunks) == body.replace(" ", "")


def test_long_title_is_cut_so_every_text_keeps_its_place_in_the_window(chunker, encoder):
    # D12: a ~400-token title used to fill the window, so the model never saw the body.
    title = " ".join(["Negotiators argue over the ceasefire terms as the deadline passes"] * 31)
    assert encoder.count_tokens([title])[0] > 380
    article = seed_article()
    article.title = title
    chunks = chunker.chunk(article)
    sentences = sorted({article.body[s:e] for c in chunks for s, e in c.sentences})
    assert len(chunks) > 1
    for texts in ([c.text for c in chunks], sentences):
        embedded = [chunker.embedding_text(title, text) for text in texts]
        assert len(set(embedded)) == len(texts)
        for text, shown in zip(texts, embedded):
            assert encoder.count_tokens([shown])[0] <= encoder.max_seq_tokens - 2
            prefix, _, rest = shown.partition("\n")
            assert rest == text
            assert title.startswith(prefix + " ") and len(prefix.split()) > 10


def test_short_title_is_prefixed_whole(chunker):
    assert chunker.embedding_text("Short title", "Body.") == "Short title\nBody."
