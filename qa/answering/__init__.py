"""Choosing the sentence that answers, deciding whether any does, and marking the short answer in it.

- ``kinds``: what kind of fact a question asks for (number, date, name …), from its wording;
- ``features``: what is measured of each (question, candidate sentence) pair;
- ``model``: the learned scorer (parameters in ``sentence_model.json``, written by scripts/train_answerer.py);
- ``spans``: the short answer inside a quoted sentence (needs the optional entity recogniser).
"""
