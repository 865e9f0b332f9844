"""Offline evaluation of retrieval and answers, outside the service: data loaders, metrics, runners.

Run through ``scripts/evaluate.py`` (SQuAD) and ``scripts/calibrate_threshold.py``.
"""
