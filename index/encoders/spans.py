"""Vectors of character spans pooled from one forward pass over the text that holds them.

A chunk's forward pass already computes a contextual embedding for every token of every sentence
in it; the mean of a sentence's tokens is its vector ("late chunking"). Embedding each sentence again on
its own cost as much encoder time as the chunks did, and ranked SQuAD paragraphs by their best
sentence no better (400 paragraphs: R@5 .936 both ways, MRR@10 .823 pooled vs .822 separate;
pooling the title's tokens in as well was worse, .926 / .816).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Span = tuple[int, int]


def pool_spans(hidden: np.ndarray, offsets: np.ndarray, spans: Sequence[Span], lead: int = 0) -> np.ndarray:
    """Unit mean vectors of the tokens overlapping each span; a zero row where no token does
    (the span fell past the model window), for the caller to embed on its own.

    ``hidden`` is one text's token embeddings (tokens × dimension), ``offsets`` each token's
    character range in the text as tokenised (special tokens: an empty range), and ``lead`` the
    characters stripped from the text's start before tokenising.
    """
    out = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    if not len(spans):
        return out
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts
    for row, (start, end) in enumerate(spans):
        mask = real & (ends > start - lead) & (starts < end - lead)
        if mask.any():
            vector = hidden[mask].astype(np.float32).mean(axis=0)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                out[row] = vector / norm
    return out


def leading_space(text: str) -> int:
    """Characters the encoders strip from a text's start (sentence-transformers strips texts)."""
    return len(text) - len(text.lstrip())
