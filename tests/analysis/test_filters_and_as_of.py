"""Owner and close-window filters, answers as of a past instant, and determinism."""

from __future__ import annotations

from domain.application import Opportunities
from projections.analysis import Filters, analyze
from tests.analysis.builders import Clock, History, as_bytes, in_memory


def test_owner_filter_matches_the_owner_name_like_names_are_matched(
    app: Opportunities, history: History
) -> None:
    history.deal(owner="Jo  Smith").won(5)
    history.deal(owner="jo smith").lost(5)
    history.deal(owner="Lee").won(5)
    analysis = analyze(app, Filters(owner="  JO SMITH "))
    assert (analysis["closed"], analysis["won"]) == (2, 1)
    assert analyze(app, Filters(owner="Nobody"))["closed"] == 0


def test_close_window_includes_closed_from_and_excludes_closed_to(
    app: Opportunities, history: History
) -> None:
    for day in (9, 10, 20, 30):
        history.deal().won(day)
    window = Filters(closed_from=history.at(10), closed_to=history.at(30))
    assert analyze(app, window)["closed"] == 2
    assert analyze(app, Filters(closed_from=history.at(20)))["closed"] == 2
    assert analyze(app, Filters(closed_to=history.at(20)))["closed"] == 2


def test_as_of_reproduces_an_earlier_answer_byte_for_byte_after_more_was_recorded(
    app: Opportunities, history: History, analysis_clock: Clock
) -> None:
    history.deal().meeting(1).pause(2).resume(4).demo(6).won(8)
    history.deal().data(1).lost(3)
    later = history.deal().meeting(1).buy_in(2)
    then = analysis_clock.now
    answer_then = as_bytes(analyze(app))

    analysis_clock.advance(days=30)
    later.demo(3).verbal(4).won(10)  # a deal open then, closed since
    history.deal().meeting(1).lost(2)
    history.deal(opened=40).won(45)

    assert as_bytes(analyze(app, Filters(as_of=then))) == answer_then
    assert analyze(app, Filters(as_of=then))["closed"] == 2
    assert analyze(app)["closed"] == 5


def test_a_deal_whose_close_was_recorded_after_as_of_is_not_closed_in_that_answer(
    app: Opportunities, history: History, analysis_clock: Clock
) -> None:
    deal = history.deal().meeting(1)
    before_close = analysis_clock.now
    deal.won(5)
    assert analyze(app, Filters(as_of=before_close))["closed"] == 0
    assert analyze(app, Filters(as_of=analysis_clock.now))["closed"] == 1


def record_the_same_story(history: History) -> None:
    history.deal(owner="Jo").meeting(1).data(2).buy_in(3).demo(4).verbal(5).won(9)
    history.deal(owner="Lee").meeting(1).plan(2, objective=True).complete(3, gained=True).lost(7)
    history.deal(owner="Jo").pause(1).resume(3).meeting(4).won(6)
    history.deal(owner="Lee").data(2).meeting(1).lost(3)


def test_the_same_history_gives_the_same_answer_byte_for_byte() -> None:
    answers = []
    for _ in range(2):
        clock = Clock()
        app = in_memory(clock)
        record_the_same_story(History(app, clock))  # new ids, same story
        answers.append(as_bytes(analyze(app)))
        answers.append(as_bytes(analyze(app)))
        app.close()
    assert len(set(answers)) == 1
