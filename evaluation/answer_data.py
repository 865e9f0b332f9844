"""Training and evaluation rows for the sentence scorer, made honestly from SQuAD v1.1 dev and the dated
Wikinews dev set.

Both sets are split **by article** (a hash of the SQuAD title / the Wikinews gold article id) into
train / validation / test, so no evaluation question shares an article with a training one. Each question
goes through the service's own retrieval; its answer candidates are the sentences of the top passages,
in up to four variants:

- ``full``: as retrieved; the sentence of the gold paragraph (article) holding a gold answer is positive;
- ``removed``: the gold paragraph with its answer sentence(s) taken out (blanked, so offsets stay): a near
  miss, every candidate negative (SQuAD v2's construction);
- ``other_paragraphs``: without the gold paragraph, so the best remaining sentence is from another
  paragraph of the same article: negative;
- ``off_topic`` (SQuAD only): without any paragraph of the gold article, as if the corpus lacked it.

Sentences holding a gold answer outside the gold paragraph are left out of training (they may or may not
answer); they still count as answering in the containment figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evaluation.answer_variants import RETRIEVE_DEPTH, SPLITS, VARIANTS, split_of, variants  # noqa: F401
from evaluation.metrics import contains_answer
from qa.answering import candidates as gathering
from qa.answering.features import extract


@dataclass
class Group:
    """One question in one variant: its candidates' features and labels (1 answers, 0 not, -1 unknown)."""

    qid: str
    variant: str
    features: np.ndarray
    labels: np.ndarray
    holds_gold: np.ndarray  # the sentence contains a gold answer string (anywhere)
    texts: list[str] = field(default_factory=list)


def group_for(qid: str, variant: str, question: str, query_vector, passages: list[Passage], index, encoder,
              is_gold, answers) -> Group | None:
    sentences, cands = gathering.gather(query_vector, passages, index, encoder)
    if not cands:
        return None
    idf = gathering.question_idf(question, index)
    x = extract(question, cands, [p.text for p in passages], index.stems, idf,
                [p.chunk.article.title for p in passages])
    holds = np.array([contains_answer(s.text, answers) for s in sentences], dtype=bool)
    gold = np.array([is_gold(passages[s.passage_index]) for s in sentences], dtype=bool)
    labels = np.where(holds & gold, 1, np.where(holds, -1, 0)).astype(np.int8)
    if variant != "full":
        labels = np.where(labels == 1, -1, labels)  # cannot happen once blanked; kept safe
    return Group(qid, variant, x, labels, holds, [s.text for s in sentences])
