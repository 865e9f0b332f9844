"""Window evidence from publication dates and mentioned dates (pure: no index)."""

from datetime import date

from index import DateMention
from qa.time_evidence import candidate_filters, empty_window_note, evidence, mention_score, published_score
from qa.timeframe import time_window, time_windows

D = date
THURSDAY = D(2009, 7, 9)


def test_a_report_published_days_after_the_named_day_scores_for_it():
    window = time_window("Which Australian businessman was arrested in China on July 5, 2009?", THURSDAY)
    assert published_score(D(2009, 7, 9), window, lag_days=7) == 1.0  # four days later: a report of it
    assert published_score(D(2009, 7, 5), window, lag_days=7) == 1.0
    assert published_score(D(2009, 6, 1), window, lag_days=7) < 0.01  # a month before: not a report of it
    assert published_score(None, window, lag_days=7) == 0.0


def test_this_week_asked_on_thursday_covers_the_sunday_before():
    window = time_window("What did the minister announce this week?", THURSDAY)
    assert published_score(D(2009, 7, 5), window, lag_days=7) == 1.0  # Sunday
    assert 0 < published_score(D(2009, 6, 30), window, lag_days=7) < 1.0  # just outside: softly
    assert published_score(D(2009, 5, 1), window, lag_days=7) < 0.01


def test_a_mention_inside_the_window_scores_in_proportion_to_its_precision():
    window = time_window("What happened on January 6, 2021?", D(2022, 1, 10))
    day = DateMention(0, 15, D(2021, 1, 6), D(2021, 1, 6))
    year = DateMention(0, 4, D(2021, 1, 1), D(2021, 12, 31))
    other = DateMention(0, 15, D(2020, 3, 1), D(2020, 3, 1))
    assert mention_score([day], window) == 1.0
    assert 0 < mention_score([year], window) < 0.01
    assert mention_score([other], window) == 0.0
    # the 2022 article that mentions the day outscores one published a year away that does not
    assert evidence(D(2022, 1, 6), [day], [window], 7) > evidence(D(2022, 1, 6), [], [window], 7)


def test_a_planned_window_scores_by_mentions_never_by_publication():
    window = time_window("Which two airlines plan to merge in 2008?", D(2006, 5, 10))
    assert window.planned
    assert published_score(D(2008, 3, 1), window, lag_days=7) == 0.0
    assert mention_score([DateMention(0, 4, D(2008, 1, 1), D(2008, 12, 31))], window) == 1.0
    assert [kind for kind, _ in candidate_filters(window, 7)] == ["mentioning"]


def test_evidence_is_the_best_over_several_windows():
    windows = time_windows("Which books were banned over the last year?", D(2006, 5, 10))
    assert evidence(D(2006, 3, 1), [], windows, 7) == 1.0  # in the past twelve months, not in calendar 2005
    assert evidence(D(2005, 2, 1), [], windows, 7) == 1.0  # in calendar 2005, not the past twelve months


def test_the_empty_window_note_names_the_window_and_the_newest_evidence():
    window = time_window("What was announced this week?", D(2026, 12, 3))
    note = empty_window_note([window], D(2022, 11, 10))
    assert note == ("nothing from 'this week' (2026-11-26 to 2026-12-03) in the index; "
                    "the newest matching article is from 2022-11-10")
