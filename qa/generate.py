"""Optional answer generation by an OpenAI-compatible chat endpoint, checked against the passages.

Off unless ``NEWSQA_LLM_URL`` is set. The model is asked to cite passages as [n]; every
sentence of its output must carry at least one [n] that points at a passage it was given,
and sentences that do not are dropped. If nothing survives, or the endpoint fails, the
caller falls back to the extractive answer.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from qa.passages import Passage

log = logging.getLogger(__name__)
MARKER = re.compile(r"\[(\d+)\]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])|(?<=\])\s+(?=[A-Z“\"(])")

SYSTEM_PROMPT = (
    "You answer questions about news articles using only the numbered passages given. "
    "After every sentence, cite the passages it relies on as [n]. If the passages do not "
    "answer the question, reply exactly: NOT ANSWERABLE"
)


class GeneratorError(RuntimeError):
    pass


@dataclass
class Generated:
    text: str
    cited: list[int]  # 1-based passage numbers, in order of first citation
    dropped: int  # sentences removed for lacking a valid citation


class ChatGenerator:
    def __init__(self, url: str, model: str, api_key: str | None, timeout: float) -> None:
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    def generate(self, question: str, passages: list[Passage]) -> str:
        context = "\n\n".join(
            f"[{n}] {p.chunk.article.title} ({p.chunk.article.source or 'unknown source'}): {p.text}"
            for n, p in enumerate(passages, start=1)
        )
        payload = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Passages:\n{context}\n\nQuestion: {question}"},
            ],
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=json.dumps(payload).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read())
            return body["choices"][0]["message"]["content"]
        except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise GeneratorError(f"generator at {self.url} failed: {exc}") from exc


def check_citations(text: str, passage_count: int) -> Generated:
    """Keep only sentences whose every [n] points at a given passage (and that have one)."""
    kept, cited, dropped = [], [], 0
    for sentence in (s.strip() for s in SENTENCE_END.split(text.strip())):
        if not sentence:
            continue
        numbers = [int(n) for n in MARKER.findall(sentence)]
        if numbers and all(1 <= n <= passage_count for n in numbers):
            kept.append(sentence)
            cited += [n for n in numbers if n not in cited]
        else:
            dropped += 1
    return Generated(" ".join(kept), cited, dropped)
