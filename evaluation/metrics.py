"""Retrieval and answer metrics, with SQuAD's answer normalisation."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower-case, drop punctuation and a/an/the, collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def contains_answer(text: str | None, golds: Sequence[str]) -> bool:
    """Whether a (long) answer holds any gold answer, compared after normalisation, on word boundaries."""
    if not text:
        return False
    haystack = f" {normalize_answer(text)} "
    return any(f" {normalize_answer(g)} " in haystack for g in golds if normalize_answer(g))


def first_hit_rank(ranked: Sequence[str], gold: str) -> int | None:
    """1-based rank of the first item equal to gold, or None."""
    for rank, item in enumerate(ranked, start=1):
        if item == gold:
            return rank
    return None


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mrr_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 / r for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0
