"""Settings sections: each component's section carries the values the environment set."""

from __future__ import annotations

from qa.settings import SECTIONS, Settings


def test_every_section_field_is_a_setting_with_its_environment_name(monkeypatch):
    monkeypatch.setenv("NEWSQA_ANSWER_MIN_SCORE", "0.55")
    monkeypatch.setenv("NEWSQA_RRF_K", "17")
    settings = Settings()
    assert settings.answer.answer_min_score == 0.55 and settings.retrieval.rrf_k == 17
    for name, kind in SECTIONS.items():
        section = getattr(settings, name)
        assert isinstance(section, kind)
        assert set(kind.model_fields) <= set(Settings.model_fields)
        assert {f: getattr(section, f) for f in kind.model_fields} == {f: getattr(settings, f) for f in kind.model_fields}


def test_a_copy_with_changes_hands_the_changed_section():
    changed = Settings().model_copy(update={"corroboration": False})
    assert changed.corroborate.corroboration is False
