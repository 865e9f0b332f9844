"""Time phrases read against fixed as-of dates (mostly Wednesday 10 May 2006)."""

from datetime import date

import pytest

from qa.timeframe import asks_for_present, time_window, time_windows

AS_OF = date(2006, 5, 10)
D = date


@pytest.mark.parametrize("question,start,end", [
    ("What did the minister say yesterday?", D(2006, 5, 9), D(2006, 5, 9)),
    ("Who resigned today?", AS_OF, AS_OF),
    # rolling, not the calendar week: asked on a Wednesday, Sunday's report is in "this week"
    ("What was announced this week?", D(2006, 5, 3), AS_OF),
    ("Which company was fined last week?", D(2006, 4, 26), D(2006, 5, 3)),
    ("What happened in the past week?", D(2006, 5, 3), AS_OF),
    ("Who won an award this month?", D(2006, 4, 10), AS_OF),
    ("Who was elected this year?", D(2006, 1, 1), AS_OF),
    ("Who won the election in 2004?", D(2004, 1, 1), D(2004, 12, 31)),
    ("What happened during March 2005?", D(2005, 3, 1), D(2005, 3, 31)),
    ("What happened in March?", D(2006, 3, 1), D(2006, 3, 31)),
    ("What happened in June?", D(2005, 6, 1), D(2005, 6, 30)),  # the latest June before the as-of date
    ("Who resigned last February?", D(2006, 2, 1), D(2006, 2, 28)),
    ("What did the president say on March 3?", D(2006, 3, 3), D(2006, 3, 3)),
    ("What happened on 5 June 2005?", D(2005, 6, 5), D(2005, 6, 5)),
    ("What was agreed on December 24?", D(2005, 12, 24), D(2005, 12, 24)),
    ("How many people were arrested on the night of March 3, 2005?", D(2005, 3, 3), D(2005, 3, 3)),
    ("Which bank failed recently?", D(2006, 4, 10), AS_OF),
    ("What has happened in the past two weeks?", D(2006, 4, 26), AS_OF),
    ("Who left in the last 3 months?", D(2006, 2, 9), AS_OF),
    ("How many books were banned over the past year?", D(2005, 5, 10), AS_OF),
    # open-ended and whole spans
    ("What has the bank done since March 2005?", D(2005, 3, 1), AS_OF),
    ("How has inflation moved since 2004?", D(2004, 1, 1), AS_OF),
    ("What did the government spend during 2003-2004?", D(2003, 1, 1), D(2004, 12, 31)),
    ("What were the profits in 2003 and 2004?", D(2003, 1, 1), D(2004, 12, 31)),
    ("Who led the league between 2001 and 2003?", D(2001, 1, 1), D(2003, 12, 31)),
    ("Who won the 2004-05 season?", D(2004, 1, 1), D(2005, 12, 31)),
    ("Which treaty was signed in 2004 and 12 other pacts?", D(2004, 1, 1), D(2004, 12, 31)),
])
def test_windows_are_read_relative_to_the_as_of_date(question, start, end):
    window = time_window(question, AS_OF)
    assert window is not None and (window.start, window.end) == (start, end)
    assert window.phrase.lower() in question.lower()
    assert not window.planned


def test_last_year_is_both_the_past_twelve_months_and_the_previous_calendar_year():
    windows = time_windows("Which books were banned over the last year?", AS_OF)
    assert {(w.start, w.end) for w in windows} == {(D(2005, 5, 10), AS_OF), (D(2005, 1, 1), D(2005, 12, 31))}
    assert all(w.relative and w.soft_days > 0 for w in windows)


def test_last_month_is_both_the_previous_calendar_month_and_thirty_to_sixty_days_back():
    windows = time_windows("What did the court rule last month?", AS_OF)
    assert {(w.start, w.end) for w in windows} == {(D(2006, 4, 1), D(2006, 4, 30)), (D(2006, 3, 11), D(2006, 4, 10))}


def test_a_window_after_the_as_of_date_is_a_planned_event():
    window = time_window("Which two airlines plan to merge in 2008?", AS_OF)
    assert (window.start, window.end, window.planned) == (D(2008, 1, 1), D(2008, 12, 31), True)


def test_relative_windows_have_a_soft_edge_and_named_ones_are_not_relative():
    this_week = time_window("What was announced this week?", AS_OF)
    named = time_window("What happened on 5 June 2005?", AS_OF)
    assert this_week.relative and this_week.soft_days >= 2
    assert not named.relative


def test_several_windows_in_one_question():
    windows = time_windows("Did prices rise in March 2005 or on 3 June 2005?", AS_OF)
    assert [(w.start, w.end) for w in windows] == [(D(2005, 3, 1), D(2005, 3, 31)), (D(2005, 6, 3), D(2005, 6, 3))]


@pytest.mark.parametrize("question", [
    "Who leads the talks?",
    "What may happen to the treaty?",  # "may", the verb
    "What is the policy of Theresa May's government?",
    "How many of the 2,000 soldiers returned?",
    "What did the report say about February 30?",  # no such day: no window rather than a wrong one
    "How many protesters march 20 blocks to the square?",  # "march", the verb
])
def test_no_window_where_the_question_names_no_time(question):
    assert time_windows(question, AS_OF) == []


@pytest.mark.parametrize("question,present", [
    ("Who currently leads the party?", True),
    ("What is the latest unemployment figure?", True),
    ("Is the strike still going on?", True),
    ("Who leads the talks now?", True),
    ("Who heads the central bank?", True),
    ("Who won the 2004 election?", False),
    ("How many people died in the flood?", False),
])
def test_questions_asking_for_the_present(question, present):
    assert asks_for_present(question) is present
