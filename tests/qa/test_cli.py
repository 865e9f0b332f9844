"""The `qa` command as a user runs it: readable output, one-line errors, exit codes."""

import json
import os
import subprocess
import sys

import pytest


def qa(*args: str, settings=None, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    if settings is not None:
        environment["NEWSQA_INDEX_DIR"] = str(settings.index_dir)
        environment["NEWSQA_CORPUS_DIR"] = str(settings.corpus_dir)
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True,
                          env=environment, timeout=300)


def test_ask_prints_answer_and_sources(small_index):
    result = qa("ask", "How long did the Moscow meeting with Putin last?", settings=small_index)
    assert result.returncode == 0, result.stderr
    assert "five hours" in result.stdout and "[1]" in result.stdout
    assert "Sources:" in result.stdout and "New York Times" in result.stdout
    assert "David E. Sanger" in result.stdout and "2025-12-03" in result.stdout
    assert result.stderr.strip() == ""


def test_search_json_with_filter(small_index):
    result = qa("search", "Witkoff Kushner", "-k", "3", "--source", "New York Times", "--json", settings=small_index)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert 1 <= len(results) <= 3 and {r["source"] for r in results} == {"New York Times"}


@pytest.mark.parametrize("args,code,message", [
    (("ask", "   "), 2, "empty"),
    (("search", "x", "-k", "0"), 2, "--top-k"),
    (("search", "x", "--after", "soon"), 2, "ISO date"),
])
def test_bad_arguments_give_one_line_reason(small_index, args, code, message):
    result = qa(*args, settings=small_index)
    assert result.returncode == code
    assert message in result.stderr and "Traceback" not in result.stderr


def test_missing_index_is_one_line_error(tmp_path):
    result = qa("ask", "Who?", NEWSQA_INDEX_DIR=str(tmp_path / "none"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no index" in lines[0] and "build_index.py" in lines[0]
