import subprocess
import sys

from evaluation.runner import evaluate, table
from index import PROJECT_ROOT
from qa.settings import Settings


def test_small_run_produces_every_figure(tmp_path, encoder):
    results = evaluate(Settings(), limit=15, workdir=tmp_path, encoder=encoder, max_paragraphs=15, progress=False)
    assert results.questions == 15
    assert set(results.retrieval) == {"dense", "bm25", "hybrid"}
    for metrics in results.retrieval.values():
        assert set(metrics) == {"R@1", "R@5", "R@10", "R@20", "MRR@10"}
        assert all(0.0 <= v <= 1.0 for v in metrics.values())
        assert metrics["R@1"] <= metrics["R@5"] <= metrics["R@10"] <= metrics["R@20"]
    # 15 paragraphs and questions on them: retrieval is close to perfect, answers mostly right.
    assert results.retrieval["hybrid"]["R@5"] >= 0.8
    assert 0.0 <= results.answers["unanswerable"] <= 1.0
    assert results.answers["contains_gold"] >= 0.4
    assert results.timing_ms["median"] > 0 and results.timing_ms["p95"] >= results.timing_ms["median"]
    rendered = table(results)
    assert "| hybrid |" in rendered and "median" in rendered

    again = evaluate(Settings(), limit=5, workdir=tmp_path, encoder=encoder, max_paragraphs=15, progress=False)
    assert again.build["embedded_chunks"] == 0, "the index is cached while corpus and settings are unchanged"


def test_script_passes_its_options_through(tmp_path):
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "evaluate.py"), "--max-paragraphs", "5", "--limit", "3",
         "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| hybrid |" in result.stdout and (tmp_path / "results.json").exists()
