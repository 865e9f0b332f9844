"""Time phrases read against a fixed as-of date (Wednesday 10 May 2006)."""

from datetime import date

import pytest

from qa.timeframe import asks_for_present, time_window

AS_OF = date(2006, 5, 10)


@pytest.mark.parametrize("question,start,end", [
    ("What did the minister say yesterday?", date(2006, 5, 9), date(2006, 5, 9)),
    ("Who resigned today?", AS_OF, AS_OF),
    ("What was announced this week?", date(2006, 5, 8), AS_OF),
    ("Which company was fined last week?", date(2006, 5, 1), date(2006, 5, 7)),
    ("What happened in the past week?", date(2006, 5, 3), AS_OF),
    ("Who won an award this month?", date(2006, 5, 1), AS_OF),
    ("What did the court rule last month?", date(2006, 4, 1), date(2006, 4, 30)),
    ("Who was elected this year?", date(2006, 1, 1), AS_OF),
    ("Who won the election last year?", date(2005, 1, 1), date(2005, 12, 31)),
    ("Who won the election in 2004?", date(2004, 1, 1), date(2004, 12, 31)),
    ("What happened during March 2005?", date(2005, 3, 1), date(2005, 3, 31)),
    ("What happened in March?", date(2006, 3, 1), date(2006, 3, 31)),
    ("What happened in June?", date(2005, 6, 1), date(2005, 6, 30)),  # the latest June before the as-of date
    ("What did the president say on March 3?", date(2006, 3, 3), date(2006, 3, 3)),
    ("What happened on 5 June 2005?", date(2005, 6, 5), date(2005, 6, 5)),
    ("What was agreed on December 24?", date(2005, 12, 24), date(2005, 12, 24)),
    ("Which bank failed recently?", date(2006, 4, 10), AS_OF),
    ("What has happened in the past two weeks?", date(2006, 4, 26), AS_OF),
    ("Who left in the last 3 months?", date(2006, 2, 9), AS_OF),
])
def test_windows_are_read_relative_to_the_as_of_date(question, start, end):
    window = time_window(question, AS_OF)
    assert window is not None and (window.start, window.end) == (start, end)
    assert window.phrase.lower() in question.lower()


@pytest.mark.parametrize("question", [
    "Who leads the talks?",
    "What may happen to the treaty?",  # "may", the verb
    "What is the policy of Theresa May's government?",
    "How many of the 2,000 soldiers returned?",
    "What did the report say about February 30?",  # no such day: no window rather than a wrong one
])
def test_no_window_where_the_question_names_no_time(question):
    assert time_window(question, AS_OF) is None


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
