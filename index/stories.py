"""Stories: near-duplicate articles (wire copy carried by several outlets, a story republished
under a new headline) grouped at build time, so answers can fold copies and name who carried them.

MinHash over word shingles estimates the Jaccard similarity of two bodies; LSH bands find the
candidates without comparing every pair, and are stored with the article, so adding an article
looks up only its own band keys and never regroups the archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

PERMUTATIONS = 128
BANDS, ROWS = 32, 4  # 32 bands of 4 rows: pairs with Jaccard ≥ ~0.4 become candidates
SHINGLE_WORDS = 5
#: Estimated Jaccard of word 5-shingles at or above which two articles are one story. Measured with
#: scripts/bench_stories.py: the 22 syndicated copies of the Wikinews dev set (dateline added, a
#: sentence dropped or a note appended) score 0.80-1.0 against their originals; each Wikinews
#: article's most similar other article of the same month scores 0.00 at the median and 0.22 at
#: the 99th percentile, and 0.07% reach 0.4 (the data set's own duplicates, up to 1.0).
SAME_STORY = 0.5
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Fingerprint:
    signature: np.ndarray  # uint64[PERMUTATIONS]
    bands: tuple[int, ...]  # one key per band: 56 bits of its rows, the band number above (fits SQLite's int64)

    def similarity(self, other: np.ndarray) -> float:
        return float(np.mean(self.signature == other))


def fingerprint(text: str) -> Fingerprint:
    words = WORD.findall(text.lower())
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    from datasketch import MinHash  # here: it imports scipy (~0.5 s), which nothing answering a question needs

    minhash = MinHash(num_perm=PERMUTATIONS, seed=1)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    signature = minhash.hashvalues.astype(np.uint64)
    bands = tuple(
        int.from_bytes(np.ascontiguousarray(signature[b * ROWS:(b + 1) * ROWS]).tobytes()[:7], "little") ^ (b << 56)
        for b in range(BANDS)
    )
    return Fingerprint(signature, bands)


def same_story(fp: Fingerprint, candidates: list[tuple[str, np.ndarray]]) -> str | None:
    """The story of the most similar candidate at or above the threshold, if any."""
    best_story, best = None, SAME_STORY
    for story_id, signature in candidates:
        score = fp.similarity(signature)
        if score >= best:
            best_story, best = story_id, score
    return best_story
