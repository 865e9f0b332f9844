"""SQuAD v1.1 as a corpus and a question set, for evaluation and tests."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from index import PROJECT_ROOT

DEFAULT_PATH = PROJECT_ROOT.parent / "shared" / "data" / "squad-v1.1-dev.json"


@dataclass(frozen=True)
class Paragraph:
    pid: str  # "<article index>-<paragraph index>"
    title: str
    text: str


@dataclass(frozen=True)
class Question:
    qid: str
    pid: str
    question: str
    answers: tuple[str, ...]


def squad_path() -> Path:
    return Path(os.environ.get("NEWSQA_SQUAD", DEFAULT_PATH))


def load(path: Path | None = None) -> tuple[list[Paragraph], list[Question]]:
    path = path or squad_path()
    if not path.exists():
        raise FileNotFoundError(f"SQuAD dev set not found at {path}; set NEWSQA_SQUAD to its path")
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs, questions = [], []
    for a, article in enumerate(data):
        title = article["title"].replace("_", " ")
        for p, para in enumerate(article["paragraphs"]):
            pid = f"{a}-{p}"
            paragraphs.append(Paragraph(pid, title, para["context"]))
            for qa in para["qas"]:
                questions.append(Question(qa["id"], pid, qa["question"], tuple(x["text"] for x in qa["answers"])))
    return paragraphs, questions


def write_corpus(paragraphs: list[Paragraph], folder: Path) -> Path:
    """One .jsonl line per paragraph (title = the Wikipedia article); the paragraph id rides along."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "squad.jsonl"
    lines = [json.dumps({"title": p.title, "text": p.text, "squad_id": p.pid}, ensure_ascii=False)
             for p in paragraphs]
    content = "\n".join(lines) + "\n"
    if not target.exists() or target.read_text(encoding="utf-8") != content:
        target.write_text(content, encoding="utf-8")
    return target
