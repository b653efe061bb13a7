"""common/maturity.py: the checklist, its validation and its score."""
from __future__ import annotations

import pytest

from ckanext.amp.common import maturity


def all_answers(value="yes"):
    return {item.code: value for item in maturity.ITEMS}


def test_the_checklist_has_its_five_themes_and_32_questions():
    assert [t.code for t in maturity.THEMES] == [
        "pilotage", "organisation", "ouverture", "citoyens", "ecosysteme"]
    assert len(maturity.ITEMS) == 32
    assert len({item.code for item in maturity.ITEMS}) == 32
    assert [len(maturity.items_of(t.code)) for t in maturity.THEMES] == [11, 7, 5, 4, 5]
    assert all(item.label("fr") and item.label("en") and item.group_label("fr")
               for item in maturity.ITEMS)


def test_score_is_the_share_of_yes_overall_and_per_theme():
    answers = all_answers("no")
    for item in maturity.items_of("pilotage"):
        answers[item.code] = "yes"
    assessment = maturity.validate(answers)
    assert assessment.score == round(100 * 11 / 32) == 34
    assert maturity.theme_scores(assessment.answers) == {
        "pilotage": 100, "organisation": 0, "ouverture": 0, "citoyens": 0, "ecosysteme": 0}
    assert maturity.validate(all_answers("oui")).score == 100
    assert maturity.validate(all_answers(False)).score == 0
    twenty = {code: "yes" if i < 20 else "no" for i, code in enumerate(all_answers())}
    assert maturity.score(twenty) == 63  # 62.5, rounded half up


def test_every_question_must_be_answered():
    answers = all_answers()
    del answers["plan_suivi"]
    answers["implication"] = "peut-être"
    with pytest.raises(maturity.InvalidAssessment) as caught:
        maturity.validate(answers)
    assert caught.value.items == ("plan_suivi", "implication")
    assert caught.value.msgid == "Answer every question ({n} without an answer)"
    assert str(caught.value) == "Answer every question (2 without an answer)"


def test_unknown_questions_and_long_comments_are_refused():
    with pytest.raises(maturity.InvalidAssessment) as caught:
        maturity.validate({**all_answers(), "nope": "yes"})
    assert caught.value.items == ("nope",)
    with pytest.raises(maturity.InvalidAssessment):
        maturity.validate(all_answers(), {"implication": "x" * (maturity.COMMENT_MAX + 1)})


def test_comments_are_trimmed_and_empty_ones_dropped():
    assessment = maturity.validate(all_answers(), {"implication": "  Deux agents.  ",
                                                   "plan_suivi": " "})
    assert assessment.comments == {"implication": "Deux agents."}
