"""Sentence-aware chunking with exact character offsets into the article body.

Sentences come from pysbd (rule-based, handles "Mr.", "Vladimir V. Putin", "U.S.",
quotations) run paragraph by paragraph, so no sentence spans a paragraph break.
Chunks are packed from whole sentences up to a token budget measured with the
model's own tokenizer; a sentence longer than the window is cut at word boundaries.
A title longer than half the window is cut too, so it can never crowd the text out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

import pysbd

from index.types import Article, Chunk

PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*")  # runs of non-blank lines
WORD = re.compile(r"\S+")

TokenCounter = Callable[[Sequence[str]], list[int]]


class _PatternCache:
    """``re`` as pysbd sees it, with a cache large enough for pysbd's patterns.

    pysbd builds a pattern per abbreviation it meets, more than ``re``'s 512-entry cache holds, so
    every article recompiled them (over half of its time; scripts/bench_split.py).
    """

    def __init__(self, size: int = 8192) -> None:
        self._compile = functools.lru_cache(maxsize=size)(re.compile)

    def __getattr__(self, name: str):
        return getattr(re, name)

    def compile(self, pattern, flags=0):
        return self._compile(pattern, flags)

    def sub(self, pattern, repl, string, count=0, flags=0):
        return self._compile(pattern, flags).sub(repl, string, count)

    def search(self, pattern, string, flags=0):
        return self._compile(pattern, flags).search(string)

    def match(self, pattern, string, flags=0):
        return self._compile(pattern, flags).match(string)

    def findall(self, pattern, string, flags=0):
        return self._compile(pattern, flags).findall(string)

    def finditer(self, pattern, string, flags=0):
        return self._compile(pattern, flags).finditer(string)

    def split(self, pattern, string, maxsplit=0, flags=0):
        return self._compile(pattern, flags).split(string, maxsplit)


@functools.cache
def _cache_pysbd_patterns() -> None:
    import sys

    cache = _PatternCache()
    for name, module in list(sys.modules.items()):
        if (name == "pysbd" or name.startswith("pysbd.")) and getattr(module, "re", None) is re:
            module.re = cache


class SentenceSplitter:
    def __init__(self, language: str = "en", cache_patterns: bool = True) -> None:
        self._segmenter = pysbd.Segmenter(language=language, clean=False, char_span=False)
        if cache_patterns:
            _cache_pysbd_patterns()

    def _sentences(self, text: str) -> list[str]:
        """pysbd's sentences, without ``segment``'s own search for each in the text (a fresh regex per
        sentence, a third of its time): ``spans`` finds them itself."""
        return self._segmenter.processor(text).process()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each sentence, whitespace trimmed, so ``text[start:end]`` is the sentence."""
        spans: list[tuple[int, int]] = []
        for para in PARAGRAPH.finditer(text):
            cursor = para.start()
            for piece in self._sentences(para.group()):
                piece = piece.strip()
                if not piece:
                    continue
                start = text.find(piece, cursor, para.end())
                if start < 0:  # pysbd altered the text; fall back to the paragraph remainder
                    rest = text[cursor:para.end()]
                    stripped = rest.strip()
                    if stripped:
                        start = cursor + rest.index(stripped)
                        spans.append((start, start + len(stripped)))
                    cursor = para.end()
                    break
                spans.append((start, start + len(piece)))
                cursor = start + len(piece)
        return spans


class Chunker:
    """Packs sentences into chunks that fit the model window, title prefix included."""

    def __init__(
        self,
        count_tokens: TokenCounter,
        chunk_tokens: int,
        max_seq_tokens: int,
        overlap_sentences: int = 1,
        title_in_embedding: bool = True,
        splitter: SentenceSplitter | None = None,
    ) -> None:
        self.count_tokens = count_tokens
        self.window = max_seq_tokens - 2  # [CLS] and [SEP]
        self.chunk_tokens = min(chunk_tokens, self.window)
        self.overlap = overlap_sentences
        self.title_in_embedding = title_in_embedding
        self.splitter = splitter or SentenceSplitter()
        self.title_cap = self.window // 2  # the most a title may cost, its separator included
        # embedding_text runs for every chunk and sentence of an article: shorten each title once.
        self._shortened = functools.lru_cache(maxsize=1024)(self._shorten_title)

    def embedding_text(self, title: str, text: str) -> str:
        """What the model sees: the title helps retrieval without touching stored text or offsets."""
        prefix = self.title_prefix(title)
        return f"{prefix}\n{text}" if prefix else text

    def title_prefix(self, title: str) -> str:
        """The title as embedded: whole, or cut at a word to the cap ``chunk`` budgets for.

        Prefixing more than was budgeted made the model truncate the body away, so every
        chunk and sentence of a long-titled article got the same vector.
        """
        if not (self.title_in_embedding and title):
            return ""
        return self._shortened(title)

    def chunk(self, article: Article) -> list[Chunk]:
        body = article.body
        prefix = self.title_prefix(article.title)
        title_cost = self.count_tokens([prefix])[0] + 1 if prefix else 0
        budget = max(8, self.chunk_tokens - title_cost)
        hard_limit = max(8, self.window - title_cost)
        sentences = self._fit(body, self.splitter.spans(body), hard_limit)
        if not sentences:
            return []
        costs = self.count_tokens([body[s:e] for s, e in sentences])

        groups: list[list[int]] = []
        i = 0
        while i < len(sentences):
            j, used = i, 0
            while j < len(sentences) and (j == i or used + costs[j] <= budget):
                used += costs[j]
                j += 1
            groups.append(list(range(i, j)))
            if j >= len(sentences):
                break
            # Step back by the overlap, but always move forward.
            i = max(i + 1, j - self.overlap)
        chunks = []
        for position, group in enumerate(groups):
            start, end = sentences[group[0]][0], sentences[group[-1]][1]
            chunks.append(
                Chunk(
                    chunk_id=f"{article.article_id}-{position:04d}",
                    article_id=article.article_id,
                    position=position,
                    start=start,
                    end=end,
                    text=body[start:end],
                    sentences=[sentences[k] for k in group],
                )
            )
        return chunks

    def _shorten_title(self, title: str) -> str:
        """The longest word-aligned start of the title within the cap (characters if one word is over)."""
        if self._title_fits(title):
            return title
        ends = [m.end() for m in WORD.finditer(title)]
        words = self._last_true(len(ends), lambda n: self._title_fits(title[:ends[n - 1]]))
        if words:
            return title[:ends[words - 1]]
        start = WORD.search(title).start()
        chars = self._last_true(ends[0] - start, lambda n: self._title_fits(title[start:start + n]))
        return title[start:start + chars]

    def _title_fits(self, title: str) -> bool:
        return self.count_tokens([title])[0] + 1 <= self.title_cap

    @staticmethod
    def _last_true(high: int, fits: Callable[[int], bool]) -> int:
        """Largest n in 1..high with fits(n), or 0; token counts only grow as text is added."""
        low = 0
        while low < high:
            middle = (low + high + 1) // 2
            if fits(middle):
                low = middle
            else:
                high = middle - 1
        return low

    def _fit(self, body: str, spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
        """Cut any sentence longer than the hard limit into word-aligned pieces that fit."""
        costs = self.count_tokens([body[s:e] for s, e in spans]) if spans else []
        fitted: list[tuple[int, int]] = []
        for (start, end), cost in zip(spans, costs):
            if cost <= limit:
                fitted.append((start, end))
                continue
            words = [(start + m.start(), start + m.end()) for m in WORD.finditer(body[start:end])]
            word_costs = self.count_tokens([body[s:e] for s, e in words])
            piece_start, used = words[0][0], 0
            piece_end = words[0][0]
            for (ws, we), wc in zip(words, word_costs):
                if used and used + wc > limit:
                    fitted.append((piece_start, piece_end))
                    piece_start, used = ws, 0
                if wc > limit:  # a single giant "word" (a URL, a run of symbols): cut by characters
                    fitted.extend(self._cut_word(body, ws, we, limit))
                    piece_start, used = we, 0
                    piece_end = we
                    continue
                used += wc
                piece_end = we
            if used:
                fitted.append((piece_start, piece_end))
        return [(s, e) for s, e in fitted if e > s]

    def _cut_word(self, body: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
        pieces, cursor = [], start
        step = max(1, limit)  # one character is at most one token for WordPiece after the first
        while cursor < end:
            stop = min(end, cursor + step)
            while stop > cursor + 1 and self.count_tokens([body[cursor:stop]])[0] > limit:
                stop = cursor + max(1, (stop - cursor) // 2)
            pieces.append((cursor, stop))
            cursor = stop
        return pieces
