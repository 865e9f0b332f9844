"""Other stories that state a quoted fact (corroboration) or state another value for it (conflict).

Precision first: a wrong "corroborated" is worse than none. A sentence from another story
corroborates a quote when the two say nearly the same thing (high embedding similarity) and it
carries every number and date of the quote; it conflicts when it matches the quote's wording
but gives a different number or date. Copies of the same story never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from index import ArticleMeta, BatchedSearch, Filters, IndexReader
from qa.settings import CorroborationSettings

NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:\s?%| per ?cent)?")
MONTH_OR_DAY = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                          r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
WORD = re.compile(r"[a-z]{3,}")
FUNCTION_WORDS = frozenset("""the and that with from this have has had was were are for its their they them
    been will would said says which who what when where than then into over after before about also other""".split())


@dataclass
class Evidence:
    """A sentence of another story, verbatim, with its article and offsets."""

    article: ArticleMeta
    start: int
    end: int
    quote: str
    similarity: float


def facts(text: str) -> set[str]:
    """Numbers and calendar words of a sentence: the values a conflict is about."""
    numbers = {n.replace(",", "").replace(" ", "").replace("percent", "%") for n in NUMBER.findall(text)}
    return numbers | {m.lower() for m in MONTH_OR_DAY.findall(text)}


def content_words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in FUNCTION_WORDS}


class Corroborator:
    def __init__(self, settings: CorroborationSettings) -> None:
        self.settings = settings

    def check(self, quote: str, vector: np.ndarray, article: ArticleMeta, index: IndexReader,
              as_of) -> tuple[list[Evidence], list[Evidence]]:
        """(corroborated_by, conflicting) for one quoted sentence; each lists one sentence per story."""
        hits = index.similar_sentences(vector, self.settings.corroboration_candidates, Filters(as_of=as_of))
        return self.judge(quote, hits, article)

    def check_many(self, quotes: list[tuple[str, np.ndarray, ArticleMeta]], index: IndexReader,
                   as_of) -> list[tuple[list[Evidence], list[Evidence]]]:
        """``check`` for several quotes, their similar sentences found in one call to the index."""
        if not quotes:
            return []
        if not isinstance(index, BatchedSearch):
            return [self.check(quote, vector, article, index, as_of) for quote, vector, article in quotes]
        found = index.similar_sentences_many(np.stack([vector for _, vector, _ in quotes]),
                                             self.settings.corroboration_candidates, Filters(as_of=as_of))
        return [self.judge(quote, hits, article) for (quote, _, article), hits in zip(quotes, found)]

    def judge(self, quote: str, hits: list, article: ArticleMeta) -> tuple[list[Evidence], list[Evidence]]:
        """(corroborated_by, conflicting) among sentences similar to ``quote``, one per story."""
        s = self.settings
        quote_facts, quote_words = facts(quote), content_words(quote)
        corroborated: dict[str, Evidence] = {}
        conflicting: dict[str, Evidence] = {}
        for hit in hits:
            story = hit.article.story_id or hit.article.article_id
            if story == (article.story_id or article.article_id) or hit.score < s.conflict_min_similarity:
                continue
            evidence = Evidence(hit.article, hit.start, hit.end, hit.text, round(hit.score, 4))
            hit_facts = facts(hit.text)
            if hit.score >= s.corroborate_min_similarity and quote_facts <= hit_facts and (
                    quote_facts or hit.score >= s.corroborate_min_similarity_without_facts):
                corroborated.setdefault(story, evidence)
            elif quote_facts and hit_facts and quote_facts - hit_facts and hit_facts - quote_facts and _overlap(
                    quote_words, content_words(hit.text)) >= s.conflict_min_word_overlap:
                conflicting.setdefault(story, evidence)
        newest_first = sorted(conflicting.values(), key=lambda e: e.article.effective_date or date.min, reverse=True)
        return list(corroborated.values())[: s.max_evidence], newest_first[: s.max_evidence]


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
