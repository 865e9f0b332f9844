"""Records that cross module boundaries on the build side and out to the query side."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date

#: Bumped whenever what a build writes changes meaning; readers refuse other versions.
FORMAT_VERSION = 7  # 5: dates mentioned in the text (date_mentions); 6: people, organisations, places
# (entities); 7: article revisions


@dataclass(kw_only=True)
class ArticleMeta:
    """Everything about an article but its body: what a citation carries."""

    article_id: str
    path: str  # corpus-relative, with "#<id, url or line hash>" for a record of a .jsonl file
    content_sha: str
    title: str
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    reported_from: str | None = None
    published_date: date | None = None
    updated_date: date | None = None
    section: str | None = None
    page: str | None = None
    conflict: str | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    story_id: str | None = None  # articles carrying the same text (syndicated copies) share one
    # Revisions: an edited article is stored again as revision n+1; older revisions are kept, text and
    # chunks unchanged, so a citation's offsets stay valid for its revision (content_sha names the text).
    revision: int = 1
    valid_from: date | None = None  # this revision's text is the article's from this day ...
    valid_to: date | None = None  # ... until the next revision's valid_from (None: the latest revision)

    @property
    def effective_date(self) -> date | None:
        """When this revision's text existed: an update dates it."""
        dates = [d for d in (self.published_date, self.updated_date) if d]
        return max(dates) if dates else None

    def current_at(self, as_of: date | None) -> bool:
        """Whether this revision is the article's text at ``as_of`` (None: the latest revision), by the rule
        the stores' filters follow (the as-of rule on ``effective_date`` applies besides)."""
        if as_of is None:
            return self.valid_to is None
        return ((self.valid_to is None or self.valid_to > as_of)
                and (self.revision == 1 or self.valid_from is None or self.valid_from <= as_of))


@dataclass(kw_only=True)
class Article(ArticleMeta):
    body: str
    warnings: list[str] = field(default_factory=list)  # parse notes, reported by the build only


def revision_valid_from(article: Article, previous: date | None, today: date) -> date:
    """From when a new revision's text is the article's: the first revision from its date (the later of
    published and updated), a later one from its Updated_Date when that is after ``previous`` (the held
    revision's valid_from), else from ``today`` (the build date); never before ``previous``. A revision a
    full build carries over keeps its own (``article.valid_from``)."""
    if article.valid_from is not None:
        return article.valid_from if previous is None else max(article.valid_from, previous)
    if previous is None:
        return article.effective_date or today
    own = article.updated_date if article.updated_date and article.updated_date > previous else today
    return max(own, previous)


@dataclass
class Chunk:
    chunk_id: str
    article_id: str
    position: int
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]  # absolute (start, end) in the article body


@dataclass
class StoredChunk:
    """A chunk read back from an index, with its article's metadata."""

    id: int  # the chunk's id in the store and its vector index
    chunk_id: str
    position: int
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]
    article: ArticleMeta


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def filter_key(value: str) -> str:
    """How filter values compare: Unicode-normalised and case-folded (SÜDDEUTSCHE = Süddeutsche, NFC = NFD)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKD", value).casefold()).strip()


@dataclass
class Filters:
    """Metadata restrictions; empty lists and None mean "no restriction"."""

    source: list[str] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    section: list[str] = field(default_factory=list)
    conflict: list[str] = field(default_factory=list)
    published_after: date | None = None
    published_before: date | None = None
    # Only articles whose text existed by then (undated ones always pass), each in the revision current
    # then (ArticleMeta.current_at); None: every article in its latest revision.
    as_of: date | None = None
    window: tuple[date, date] | None = None  # published within, read from the question (undated ones pass)
    mentioning: tuple[date, date] | None = None  # the text mentions a day within (index/dates.py)
    entity: list[str] = field(default_factory=list)  # names the text mentions, every one (index/entities.py)

    def __post_init__(self) -> None:
        if self.published_after and self.published_before and self.published_after > self.published_before:
            raise ValueError(f"published_after ({self.published_after}) is later than published_before "
                             f"({self.published_before}): no article can match")

    def is_empty(self) -> bool:
        return not (
            self.source or self.author or self.section or self.conflict
            or self.published_after or self.published_before or self.as_of or self.window or self.mentioning
            or self.entity
        )


@dataclass
class SentenceHit:
    """A stored sentence found by vector similarity, with its article."""

    article: ArticleMeta
    start: int
    end: int
    text: str
    score: float


@dataclass
class Facets:
    """The values filters can take in an index, with how many articles carry each (most first)."""

    source: list[tuple[str, int]]
    author: list[tuple[str, int]]
    section: list[tuple[str, int]]
    conflict: list[tuple[str, int]]
    published_min: date | None
    published_max: date | None
    #: Entities by kind (person, organisation, place), with how many articles mention each; empty lists
    #: when the index holds none (built without the entity recogniser).
    entities: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass
class Manifest:
    """What one index version holds and how it was made; a reader checks it before serving."""

    format_version: int
    model: str
    encoder: str  # the encoder's identity: model, backend, weights
    dimension: int
    vector_index: str  # the vector index type (index.ann.VECTOR_INDEXES)
    chunking: dict
    articles: int
    chunks: int
    sentences: int
    corpus_dir: str
    corpus_fingerprint: str
    built_at: str
    build_seconds: float
    skipped: int = 0
    extra: dict = field(default_factory=dict)
    entities: str | None = None  # the recogniser that found the articles' entities (None: none were looked for)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        """Raises ValueError or TypeError when the text is not a manifest of this format."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("format_version") != FORMAT_VERSION:
            raise FormatMismatch(data.get("format_version"))
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class FormatMismatch(ValueError):
    """The manifest was written in another index format."""

    def __init__(self, found) -> None:
        super().__init__(f"written in index format {found}; this version reads format {FORMAT_VERSION}")
        self.found = found
