"""The optional generator: a fake OpenAI-compatible endpoint on loopback, output checked."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from qa.engine import Engine
from qa.generate import check_citations


def test_check_citations_drops_unsupported_sentences():
    text = "Putin met them for five hours [1]. Kushner was there [2][3]. The moon is cheese [9]. No source here."
    checked = check_citations(text, passage_count=3)
    assert checked.text == "Putin met them for five hours [1]. Kushner was there [2][3]."
    assert checked.cited == [1, 2, 3]
    assert checked.dropped == 2


class FakeChat(BaseHTTPRequestHandler):
    reply = ""
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.seen.append(body)
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": FakeChat.reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


@pytest.fixture()
def fake_llm():
    server = HTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_generated_answer_keeps_only_valid_citations(small_index, encoder, fake_llm):
    settings = small_index.model_copy(update={"llm_url": fake_llm})
    engine = Engine(settings, encoder)
    FakeChat.reply = "The meeting lasted about five hours [1]. It was on Mars [42]."
    result = engine.ask("How long did the Moscow meeting with Putin last?", 5)
    assert result.answer.method == "generated"
    assert result.answer.answer == "The meeting lasted about five hours [1]."
    [citation] = result.answer.citations
    assert citation.n == 1 and citation.quote == citation.passage.text
    assert "five hours" in FakeChat.seen[-1]["messages"][1]["content"]


def test_generator_failure_falls_back_to_extractive(small_index, encoder):
    settings = small_index.model_copy(update={"llm_url": "http://127.0.0.1:9/v1", "llm_timeout": 2})
    result = Engine(settings, encoder).ask("How long did the Moscow meeting with Putin last?", 5)
    assert result.answer.method == "extractive" and "five hours" in result.answer.answer


def test_generator_with_no_valid_citation_falls_back(small_index, encoder, fake_llm):
    settings = small_index.model_copy(update={"llm_url": fake_llm})
    FakeChat.reply = "It lasted five hours."
    result = Engine(settings, encoder).ask("How long did the Moscow meeting with Putin last?", 5)
    assert result.answer.method == "extractive"
