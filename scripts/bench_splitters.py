#!/usr/bin/env python
"""Sentence splitters compared on news text: the project's ``index.chunk.SentenceSplitter`` (pysbd with a
pattern cache) against pysbd as shipped, sentencex, nupunkt and blingfire (issue 9, item 2).

Installs nothing: a splitter whose package is missing is skipped, and the script says so. To try them all:

    .venv/bin/python -m pip install sentencex nupunkt blingfire
    .venv/bin/python scripts/bench_splitters.py --articles 300 --runs 3

Every splitter runs paragraph by paragraph (the project's ``PARAGRAPH`` runs), as the project's does, so no
sentence spans a blank line, and must yield (start, end) character offsets into the text with the
whitespace trimmed. What each gives and how the offsets are obtained:

- project: ``SentenceSplitter.spans`` (pysbd's sentence strings, each searched forward from the last end);
- pysbd (shipped): ``Segmenter(char_span=True)``, native offsets, run without the project's pattern cache;
- sentencex: ``get_sentence_boundaries``, native ``start_index``/``end_index``;
- nupunkt: ``segmenter("sentence").spans``, native (already trimmed);
- blingfire: ``text_to_sentences_and_offsets``, native.

An offset failure is a sentence whose offsets do not give back the text the library returned (for the
project: a pysbd sentence not found forward in the paragraph), a span that overlaps the previous one, or a
non-space character of the paragraph left outside every span.

Measured: (1) median ms per article over ``--runs`` runs on ``--articles`` Wikinews articles
(../shared/data/wikinews-en/), splitters alternating within each run, and the ratio to the project's;
(2) exact sentence splits on TRICKY, hand-written news sentences (honorifics, initials, "U.S.",
"a.m.", quotations, datelines...); (3) on the same articles, the share split identically to the project's
splitter and the F1 of sentence boundaries (starts of non-first sentences of a paragraph) against it, with the
project's boundaries each lacks ("missed") and those it adds ("extra"): agreement, not correctness, since the
project's splitter is wrong too at times (``--examples N`` prints N disagreeing articles per splitter to judge);
(4) the seed article's sentences where each splitter disagrees with the project's.

Speed is timed twice per run: on N articles no splitter has seen (the table's ms/article and ratio) and again
on the N measured ones ("repeat"), because nupunkt's token caches make text it has seen cheaper.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import PROJECT_ROOT, chunk
from index.formats import parse_record, read_records

WIKINEWS = PROJECT_ROOT.parent / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl"
SEED = PROJECT_ROOT / "seeds" / "000_197d81c4a69c7548.txt"
PROJECT = "project"
Spans = list[tuple[int, int]]

# (text, its correct sentences): one paragraph each.
TRICKY: list[tuple[str, list[str]]] = [
    ("Mr. Putin met Mrs. Clinton in Moscow. They spoke for an hour.",
     ["Mr. Putin met Mrs. Clinton in Moscow.", "They spoke for an hour."]),
    ("Dr. Anthony Fauci testified before Sen. Rand Paul on Tuesday. The hearing was tense.",
     ["Dr. Anthony Fauci testified before Sen. Rand Paul on Tuesday.", "The hearing was tense."]),
    ("Gov. Andrew M. Cuomo said the state would reopen. Lt. Col. Alexander S. Vindman testified later.",
     ["Gov. Andrew M. Cuomo said the state would reopen.", "Lt. Col. Alexander S. Vindman testified later."]),
    ("But President Vladimir V. Putin signaled yet again that he was not budging. Mr. Trump’s envoys left.",
     ["But President Vladimir V. Putin signaled yet again that he was not budging.", "Mr. Trump’s envoys left."]),
    ("Former President George W. Bush spoke in Dallas on Monday. He did not take questions.",
     ["Former President George W. Bush spoke in Dallas on Monday.", "He did not take questions."]),
    # The next three were added after the Wikinews comparison surfaced them (sentencex cut "to Ms. | Rice" and
    # kept "in May. A university spokesperson" whole; pysbd cut "Since Pres. | Bush").
    ("The foreign minister spoke twice to Ms. Rice on Friday. She did not reply.",
     ["The foreign minister spoke twice to Ms. Rice on Friday.", "She did not reply."]),
    ("He was awarded his doctorate in May. A university spokesperson confirmed it.",
     ["He was awarded his doctorate in May.", "A university spokesperson confirmed it."]),
    ("Since Pres. Bush declared major operations over, 1,500 soldiers have died.",
     ["Since Pres. Bush declared major operations over, 1,500 soldiers have died."]),
    ("Ms. Rodriguez, a U.S. Army veteran, said she was not surprised.",
     ["Ms. Rodriguez, a U.S. Army veteran, said she was not surprised."]),
    ("The U.S. and the U.K. signed the agreement at the U.N. headquarters in New York.",
     ["The U.S. and the U.K. signed the agreement at the U.N. headquarters in New York."]),
    ("The sanctions were drafted by the U.S. The Europeans have not yet agreed.",
     ["The sanctions were drafted by the U.S.", "The Europeans have not yet agreed."]),
    ("Troops will remain in the U.K. Officials said the decision was final.",
     ["Troops will remain in the U.K.", "Officials said the decision was final."]),
    ("The resolution was put to a vote at the U.N. It failed by two votes.",
     ["The resolution was put to a vote at the U.N.", "It failed by two votes."]),
    ("The meeting began at 10 a.m. and ended shortly before 2 p.m. on Friday.",
     ["The meeting began at 10 a.m. and ended shortly before 2 p.m. on Friday."]),
    ("The talks ended at 11 p.m. Negotiators will return on Monday.",
     ["The talks ended at 11 p.m.", "Negotiators will return on Monday."]),
    ("Inflation rose 3.5 percent in March. Wages grew 4.1 percent, or $1.2 billion in all.",
     ["Inflation rose 3.5 percent in March.", "Wages grew 4.1 percent, or $1.2 billion in all."]),
    ("The prime minister returned to No. 10 Downing Street on Sunday. He did not comment.",
     ["The prime minister returned to No. 10 Downing Street on Sunday.", "He did not comment."]),
    ("\"Why should we give up our land?\" he asked. The crowd applauded.",
     ["\"Why should we give up our land?\" he asked.", "The crowd applauded."]),
    ("“Is this the end?” asked one resident. Nobody answered.",
     ["“Is this the end?” asked one resident.", "Nobody answered."]),
    ("\"We will not surrender,\" she said. \"Our soldiers will fight.\" The minister then left.",
     ["\"We will not surrender,\" she said.", "\"Our soldiers will fight.\"", "The minister then left."]),
    (("“I don’t know what the Kremlin is doing,” Mr. Trump said. “I can tell you that they had a reasonably"
      " good meeting with President Putin. We’re going to find out.”"),
     ["“I don’t know what the Kremlin is doing,” Mr. Trump said.",
      "“I can tell you that they had a reasonably good meeting with President Putin.",
      "We’re going to find out.”"]),
    ("“Who will pay for it?” Mr. Trump asked. “Europe will.”",
     ["“Who will pay for it?” Mr. Trump asked.", "“Europe will.”"]),
    ("“We are not there yet.” The envoy then left for Kyiv.",
     ["“We are not there yet.”", "The envoy then left for Kyiv."]),
    ("He called the plan “a disaster.” Others disagreed.",
     ["He called the plan “a disaster.”", "Others disagreed."]),
    ("The talks went on and on... Then, on Friday, a deal emerged.",
     ["The talks went on and on...", "Then, on Friday, a deal emerged."]),
    ("He said he would consider the offer … but only after the election.",
     ["He said he would consider the offer … but only after the election."]),
    (("MOSCOW (Reuters) — Russia said on Tuesday it would expand its operations. The statement came after"
      " talks failed."),
     ["MOSCOW (Reuters) — Russia said on Tuesday it would expand its operations.",
      "The statement came after talks failed."]),
    ("WASHINGTON, Jan. 5 — The Senate passed the bill. The House will vote next week.",
     ["WASHINGTON, Jan. 5 — The Senate passed the bill.", "The House will vote next week."]),
    ("The ceasefire took effect on Feb. 24 at dawn. It lasted three days.",
     ["The ceasefire took effect on Feb. 24 at dawn.", "It lasted three days."]),
    ("She arrived in the U.S. on Monday, Oct. 3, and left on Nov. 1.",
     ["She arrived in the U.S. on Monday, Oct. 3, and left on Nov. 1."]),
    ("The report is at https://www.example.org/news/report.v2.pdf for download. Questions go to press@un.org.",
     ["The report is at https://www.example.org/news/report.v2.pdf for download.", "Questions go to press@un.org."]),
    ("Officials (including Gen. Mark A. Milley) attended the briefing. The press was excluded.",
     ["Officials (including Gen. Mark A. Milley) attended the briefing.", "The press was excluded."]),
    ("The vote passed 52-48. (Two senators were absent.) The bill now goes to the House.",
     ["The vote passed 52-48.", "(Two senators were absent.)", "The bill now goes to the House."]),
    ("Sen. Elizabeth Warren, D-Mass., criticized the deal. Sen. Mitch McConnell, R-Ky., defended it.",
     ["Sen. Elizabeth Warren, D-Mass., criticized the deal.", "Sen. Mitch McConnell, R-Ky., defended it."]),
    ("The company, Acme Inc., reported a loss. Its shares fell 4 percent.",
     ["The company, Acme Inc., reported a loss.", "Its shares fell 4 percent."]),
    ("The St. Louis Fed raised its forecast. It cited strong demand.",
     ["The St. Louis Fed raised its forecast.", "It cited strong demand."]),
    ("Is Ukraine ready to cede territory? Few in Kyiv think so!",
     ["Is Ukraine ready to cede territory?", "Few in Kyiv think so!"]),
    ("The U.S.-backed plan has 28 points. Kyiv rejected several of them.",
     ["The U.S.-backed plan has 28 points.", "Kyiv rejected several of them."]),
]


class Splitter:
    """A named sentence splitter: ``spans(text)`` gives trimmed (start, end) offsets, paragraph by paragraph."""

    def __init__(self, name: str, version: str, split_paragraph: Callable[[str], list[tuple[int, int, bool]]],
                 native: bool, fast_pysbd: bool = False) -> None:
        self.name, self.version, self.native, self.fast_pysbd = name, version, native, fast_pysbd
        # (start, end, offsets confirmed) of each sentence within one paragraph; confirmed means the offsets give
        # back the text the library returned (whitespace aside), or the library returned offsets only.
        self._split = split_paragraph
        self.failures = 0  # offset failures seen by checked_spans

    def spans(self, text: str) -> Spans:
        out: Spans = []
        for para in chunk.PARAGRAPH.finditer(text):
            base = para.start()
            for start, end, _ in self._split(para.group()):
                start, end = _trim(text, base + start, base + end)
                if end > start:
                    out.append((start, end))
        return out

    def checked_spans(self, text: str) -> Spans:
        """``spans`` with every offset verified; failures are added to ``self.failures``."""
        out: Spans = []
        for para in chunk.PARAGRAPH.finditer(text):
            base, ptext = para.start(), para.group()
            covered = [False] * len(ptext)
            last_end = 0
            for start, end, ok in self._split(ptext):
                self.failures += not ok
                start, end = _trim(ptext, start, end)
                if end <= start:
                    continue
                if start < last_end:
                    self.failures += 1
                last_end = max(last_end, end)
                covered[start:end] = [True] * (end - start)
                out.append((base + start, base + end))
            self.failures += any(not c and not ch.isspace() for c, ch in zip(covered, ptext))
        return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _same(text: str, start: int, end: int, said: str) -> bool:
    """Do the offsets give back the sentence the library returned (whitespace runs aside)?"""
    return _squash(text[start:end]) == _squash(said)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _version(package: str) -> str:
    return importlib.metadata.version(package)


def make_splitters() -> tuple[list[Splitter], list[str]]:
    splitters: list[Splitter] = []
    skipped: list[str] = []

    project = chunk.SentenceSplitter()  # installs its pattern cache into pysbd's modules

    def project_split(ptext: str):
        # What SentenceSplitter.spans does for one paragraph, keeping each pysbd string so a miss is counted;
        # timing calls the real SentenceSplitter.spans (below).
        out, cursor = [], 0
        for piece in project._sentences(ptext):
            piece = piece.strip()
            if not piece:
                continue
            start = ptext.find(piece, cursor)
            if start < 0:  # the splitter's own fallback: the rest of the paragraph, a failure
                out.append((cursor, len(ptext), False))
                break
            out.append((start, start + len(piece), True))
            cursor = start + len(piece)
        return out

    ours = Splitter(PROJECT, f"pysbd {_version('pysbd')} + cache", project_split, native=False, fast_pysbd=True)
    ours.spans = project.spans  # time and compare the project's own code
    splitters.append(ours)

    import pysbd

    shipped = pysbd.Segmenter(language="en", clean=False, char_span=True)
    splitters.append(Splitter("pysbd (shipped)", _version("pysbd"),
                              lambda t: [(s.start, s.end, _same(t, s.start, s.end, s.sent)) for s in shipped.segment(t)], native=True))

    try:
        import sentencex

        splitters.append(Splitter(
            "sentencex", _version("sentencex"),
            lambda t: [(b["start_index"], b["end_index"], _same(t, b["start_index"], b["end_index"], b["text"]))
                       for b in sentencex.get_sentence_boundaries("en", t)],
            native=True))
    except ImportError as exc:
        skipped.append(f"sentencex ({exc})")

    try:
        import nupunkt

        punkt = nupunkt.segmenter("sentence")
        splitters.append(Splitter("nupunkt", _version("nupunkt"),
                                  lambda t: [(s, e, True) for s, e in punkt.spans(t)], native=True))
    except ImportError as exc:
        skipped.append(f"nupunkt ({exc})")

    try:
        import blingfire

        def bling(t: str):
            joined, offsets = blingfire.text_to_sentences_and_offsets(t)
            if not offsets:
                return []
            said = joined.split("\n")
            if len(said) != len(offsets):  # cannot pair texts with offsets: check none of them
                return [(s, e, False) for s, e in offsets]
            return [(s, e, _same(t, s, e, x)) for (s, e), x in zip(offsets, said)]

        splitters.append(Splitter("blingfire", _version("blingfire"), bling, native=True))
    except (ImportError, OSError) as exc:
        skipped.append(f"blingfire ({exc})")
    return splitters, skipped


def pysbd_modules() -> list:
    return [m for n, m in sys.modules.items() if (n == "pysbd" or n.startswith("pysbd.")) and hasattr(m, "re")]


def use_pattern_cache(on: bool, modules: list, cache) -> None:
    """The project's cache is installed module-wide in pysbd: only the project's splitter runs with it."""
    for m in modules:
        m.re = cache if on else re


def boundaries(text: str, spans: Spans) -> set[int]:
    """Starts of sentences that do not start a paragraph: the decisions a splitter actually makes."""
    firsts = set()
    for para in chunk.PARAGRAPH.finditer(text):
        firsts.add(_trim(text, para.start(), para.end())[0])
    return {s for s, _ in spans if s not in firsts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="Wikinews articles (the first N)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; splitters alternate within each")
    parser.add_argument("--examples", type=int, default=0,
                        help="also print this many Wikinews sentences per splitter that the project splits differently")
    parser.add_argument("--width", type=int, default=220, help="cut printed sentences to this many characters")
    parser.add_argument("--cases", action="store_true", help="print every splitter's output on every tricky case")
    args = parser.parse_args()

    # The first N articles are measured for quality and timed again each run ("repeat"); each run also times
    # N articles no splitter has seen yet ("unseen"), since nupunkt's token caches make repeats cheaper.
    records = read_records(WIKINEWS, WIKINEWS.parent, 10**7)
    everything = [parse_record(next(records)).body for _ in range(args.articles * (args.runs + 1))]
    bodies = everything[: args.articles]
    unseen = [everything[args.articles * (r + 1): args.articles * (r + 2)] for r in range(args.runs)]
    seed = parse_record(next(read_records(SEED, SEED.parent, 10**7))).body

    splitters, skipped = make_splitters()
    for note in skipped:
        print(f"skipped (not installed or not importable): {note}")
    modules = pysbd_modules()
    cache = modules[0].re

    def cut(sentence: str) -> str:
        return sentence if len(sentence) <= args.width else sentence[: args.width - 1] + "…"

    # Quality first (checked offsets), which also warms every splitter up before timing.
    results: dict[str, dict] = {}
    for sp in splitters:
        use_pattern_cache(sp.fast_pysbd, modules, cache)
        wiki = [sp.checked_spans(b) for b in bodies]
        tricky = []
        for text, expected in TRICKY:
            got = [text[s:e] for s, e in sp.checked_spans(text)]
            tricky.append(got)
        results[sp.name] = {"wiki": wiki, "tricky": tricky, "seed": sp.checked_spans(seed)}
        if sp.name == PROJECT:  # the checked copy of its loop must split exactly as SentenceSplitter.spans
            assert wiki == [sp.spans(b) for b in bodies], "project_split differs from SentenceSplitter.spans"

    # Speed: each run times every splitter on the run's unseen articles, then on the measured ones, the order
    # of splitters rotating from run to run.
    times: dict[str, list[float]] = {sp.name: [] for sp in splitters}
    repeat: dict[str, list[float]] = {sp.name: [] for sp in splitters}
    for run in range(args.runs):
        order = splitters[run % len(splitters):] + splitters[: run % len(splitters)]
        for texts, into in ((unseen[run], times), (bodies, repeat)):
            for sp in order:
                use_pattern_cache(sp.fast_pysbd, modules, cache)
                started = time.perf_counter()
                for b in texts:
                    sp.spans(b)
                into[sp.name].append((time.perf_counter() - started) * 1000 / len(texts))
    use_pattern_cache(True, modules, cache)

    ref = results[PROJECT]
    print(f"\n{len(TRICKY)} tricky cases: splits that differ from the correct one")
    for i, (text, expected) in enumerate(TRICKY):
        wrong = [sp.name for sp in splitters if results[sp.name]["tricky"][i] != expected]
        if args.cases or wrong:
            print(f"  [{i + 1}] expected: {' | '.join(expected)}")
            for sp in splitters:
                got = results[sp.name]["tricky"][i]
                if args.cases or got != expected:
                    print(f"        {sp.name:16} {' | '.join(got)}")

    print("\nSeed article: sentences where a splitter disagrees with the project's "
          "(- only the project's, + only this splitter's)")
    for sp in splitters[1:]:
        ours, theirs = set(ref["seed"]), set(results[sp.name]["seed"])
        if ours == theirs:
            print(f"  {sp.name}: same {len(ours)} sentences")
            continue
        print(f"  {sp.name}: {len(ours - theirs)} vs {len(theirs - ours)} sentences differ")
        for (s, e), sign in sorted([(x, "-") for x in ours - theirs] + [(x, "+") for x in theirs - ours]):
            print(f"    {sign} {cut(seed[s:e])}")

    if args.examples:
        print("\nWikinews: sentences split differently from the project's (- project's, + this splitter's)")
        for sp in splitters[1:]:
            print(f"  {sp.name}:")
            shown = 0
            for body, a, b in zip(bodies, results[sp.name]["wiki"], ref["wiki"]):
                if a == b or shown >= args.examples:
                    continue
                shown += 1
                mine, ours = set(a), set(b)
                for (s, e), sign in sorted([(x, "-") for x in ours - mine] + [(x, "+") for x in mine - ours]):
                    print(f"    {sign} {cut(body[s:e])}")
                print("    ..")

    base = statistics.median(times[PROJECT])
    print(f"\n{len(bodies)} Wikinews articles for quality; speed = median of {args.runs} alternating runs, each on "
          f"{args.articles} articles unseen by any splitter (ms/article) and again on the {len(bodies)} measured "
          f"(repeat)\nF1 = sentence boundaries inside paragraphs vs the project's splitter")
    header = (f"{'splitter':16} {'version':22} {'offsets':8} {'ms/article':>10} {'repeat':>7} {'ratio':>6} "
              f"{'tricky':>7} {'same split':>10} {'F1':>6} {'missed':>6} {'extra':>6} {'offset fails':>12}")
    print(header)
    print("-" * len(header))
    for sp in splitters:
        r = results[sp.name]
        ms = statistics.median(times[sp.name])
        right = sum(got == expected for got, (_, expected) in zip(r["tricky"], TRICKY))
        same = sum(a == b for a, b in zip(r["wiki"], ref["wiki"])) / len(bodies)
        tp = found = truth = 0
        for body, a, b in zip(bodies, r["wiki"], ref["wiki"]):
            mine, theirs = boundaries(body, a), boundaries(body, b)
            tp, found, truth = tp + len(mine & theirs), found + len(mine), truth + len(theirs)
        f1 = 2 * tp / (found + truth) if found + truth else 1.0
        print(f"{sp.name:16} {sp.version:22} {'native' if sp.native else 'search':8} {ms:10.2f} "
              f"{statistics.median(repeat[sp.name]):7.2f} {base / ms:5.2f}x {right:3}/{len(TRICKY):<3} {same:10.1%} {f1:6.3f} {truth - tp:6} {found - tp:6} "
              f"{sp.failures:12}")
    print("ratio = project's ms / this splitter's ms on unseen articles (above 1: faster than the project's); "
          "missed / extra = the project's boundaries it lacks / boundaries the project lacks (not errors as such)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
