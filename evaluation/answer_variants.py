"""Splits by article and the near-miss variants of a question's retrieved passages (see answer_data).

Kept free of the answer code so the same variants can be fed to an older answerer for comparison.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from evaluation.metrics import contains_answer

SPLITS = ("train", "validation", "test")
VARIANTS = ("full", "removed", "other_paragraphs", "off_topic", "swapped_name")
RETRIEVE_DEPTH = 40  # passages retrieved once per question, so variants can drop some and still keep 5


def split_of(key: str) -> str:
    """train (60%), validation (20%) or test (20%), from a stable hash of the article key."""
    bucket = int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if bucket < 6 else "validation" if bucket < 8 else "test"


def blank_sentences(passage, drop: set[int]):
    """The passage with the sentences starting at ``drop`` replaced by spaces and no longer listed."""
    text = list(passage.text)
    for start, end in passage.sentences:
        if start in drop:
            text[start - passage.start:end - passage.start] = " " * (end - start)
    return replace(passage, text="".join(text), sentences=[s for s in passage.sentences if s[0] not in drop])


def variants(passages, is_gold, same_article, answers, depth: int,
             with_off_topic: bool) -> dict[str, list]:
    """The passage lists of each variant, each cut to ``depth``."""
    top = passages[:depth]
    out = {"full": top}
    gold_top = [p for p in top if is_gold(p)]
    if gold_top:
        removed = []
        for p in top:
            if is_gold(p):
                drop = {s for s, e in p.sentences if contains_answer(p.text[s - p.start:e - p.start], answers)}
                p = blank_sentences(p, drop)
            removed.append(p)
        out["removed"] = removed
    others = [p for p in passages if not is_gold(p)][:depth]
    if others:
        out["other_paragraphs"] = others
    if with_off_topic:
        off = [p for p in passages if not same_article(p)][:depth]
        if off:
            out["off_topic"] = off
    return out




def swap_name(question: str, names: list[str], absent_names: list[str], key: str) -> str | None:
    """The question with its first name replaced by one the corpus never mentions (chosen by a hash of
    ``key``), or None when it names nothing: SQuAD 2.0's entity-swap construction of an unanswerable
    question, the shape of "How many were killed in the Mumbai attacks?" asked of a corpus without Mumbai."""
    import re

    for name in names:
        match = re.search(rf"\b{re.escape(name)}", question, re.IGNORECASE)
        if match:
            pick = absent_names[int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % len(absent_names)]
            return question[:match.start()] + pick + question[match.end():]
    return None
