"""Dates mentioned in article sentences, absolute and relative to the article's own date."""

from __future__ import annotations

from datetime import date

import pytest

from index.dates import mentions

D = date
THURSDAY = D(2008, 3, 13)  # the published date the relative rows are resolved against

# (sentence, published date, [(mentioned words, first day, last day), ...])
CASES = [
    ("The riot began on January 6, 2021, in Washington.", THURSDAY, [("January 6, 2021", D(2021, 1, 6), D(2021, 1, 6))]),
    ("He was sworn in on 3 December 2007.", THURSDAY, [("3 December 2007", D(2007, 12, 3), D(2007, 12, 3))]),
    ("She died on 1st March, 2006.", THURSDAY, [("1st March, 2006", D(2006, 3, 1), D(2006, 3, 1))]),
    ("Inflation in January 2008 was 3.9%.", THURSDAY, [("January 2008", D(2008, 1, 1), D(2008, 1, 31))]),
    ("Elections will be held in 2024.", THURSDAY, [("2024", D(2024, 1, 1), D(2024, 12, 31))]),
    ("The survey covered 2005-2006.", THURSDAY, [("2005-2006", D(2005, 1, 1), D(2006, 12, 31))]),
    ("Profits doubled between 2001 and 2003.", THURSDAY, [("2001 and 2003", D(2001, 1, 1), D(2003, 12, 31))]),
    ("The 2008 Olympics open in Beijing.", THURSDAY, [("2008", D(2008, 1, 1), D(2008, 12, 31))]),
    ("The filing is dated 2021-01-06.", THURSDAY, [("2021-01-06", D(2021, 1, 6), D(2021, 1, 6))]),
    # relative to the article's date (Thursday 2008-03-13)
    ("Police arrested him on Tuesday.", THURSDAY, [("Tuesday", D(2008, 3, 11), D(2008, 3, 11))]),
    ("A delegation is expected to meet on Thursday.", D(2025, 12, 3), [("Thursday", D(2025, 12, 4), D(2025, 12, 4))]),
    ("The vote is next Tuesday.", THURSDAY, [("next Tuesday", D(2008, 3, 18), D(2008, 3, 18))]),
    ("The minister resigned yesterday.", THURSDAY, [("yesterday", D(2008, 3, 12), D(2008, 3, 12))]),
    ("Talks collapsed last week.", THURSDAY, [("last week", D(2008, 3, 3), D(2008, 3, 9))]),
    ("Last year the company lost money.", THURSDAY, [("Last year", D(2007, 1, 1), D(2007, 12, 31))]),
    ("Prices will rise next month.", THURSDAY, [("next month", D(2008, 4, 1), D(2008, 4, 30))]),
    ("The deal was signed on March 3.", THURSDAY, [("March 3", D(2008, 3, 3), D(2008, 3, 3))]),
    ("The summit is on 6 July.", THURSDAY, [("6 July", D(2008, 7, 6), D(2008, 7, 6))]),
    ("Talks began last May.", D(2004, 11, 15), [("last May", D(2004, 5, 1), D(2004, 5, 31))]),
    ("Talks resume next March.", THURSDAY, [("next March", D(2009, 3, 1), D(2009, 3, 31))]),
    ("Sales slowed in December.", D(2008, 1, 20), [("December", D(2007, 12, 1), D(2007, 12, 31))]),
    ("Today the court ruled.", THURSDAY, [("Today", THURSDAY, THURSDAY)]),
    # not dates
    ("Troops may march 20 blocks to the square.", THURSDAY, []),
    ("About 2000 people attended.", THURSDAY, []),
    ("Between 1900 and 2000 people attended.", THURSDAY, []),
    ("The treaty was signed in 2005 and 12 states joined.", THURSDAY, [("2005", D(2005, 1, 1), D(2005, 12, 31))]),
    ("The 2005-06 season ended.", THURSDAY, [("2005-06", D(2005, 1, 1), D(2006, 12, 31))]),
    ("Shares rose 5 percent.", THURSDAY, []),
    ("The Dow closed at 2008 points.", THURSDAY, []),
]


@pytest.mark.parametrize("sentence, published, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_mentioned_dates(sentence, published, expected):
    found = [(sentence[m.start:m.end], m.first, m.last) for m in mentions(sentence, published)]
    assert found == expected


def test_relative_dates_need_the_article_date():
    """Without a published date "on Tuesday" names no day, while an absolute date still does."""
    text = "On Tuesday, the court cited a ruling of 3 December 2007."
    assert [(text[m.start:m.end]) for m in mentions(text, None)] == ["3 December 2007"]


def test_offsets_are_exact_in_a_long_text():
    text = "Intro. " * 50 + "Voting ends on 14 May 2009. Results follow in June 2009."
    found = mentions(text, D(2009, 5, 1))
    assert [text[m.start:m.end] for m in found] == ["14 May 2009", "June 2009"]
    assert found[1].first == D(2009, 6, 1) and found[1].last == D(2009, 6, 30)
