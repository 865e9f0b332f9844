"""The import rules that keep the layers apart, checked on the source itself."""

import ast
from pathlib import Path

from index import PROJECT_ROOT


def imports(folder: str) -> list[tuple[Path, str]]:
    """(file, imported module) for every import in the package folder."""
    found = []
    for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((path, node.module))
    return found


def test_query_side_imports_only_the_public_face_of_index():
    reaching_in = [(p.relative_to(PROJECT_ROOT).as_posix(), m) for p, m in imports("qa")
                   if m.startswith("index.")]
    assert reaching_in == []
    assert any(m == "index" for _, m in imports("qa")), "the walk found qa's imports of index"


def test_build_side_never_imports_the_query_side_or_evaluation():
    assert [(p.name, m) for p, m in imports("index") if m.split(".")[0] in ("qa", "evaluation")] == []


# Benchmarks of FAISS codecs the product does not use (yet): they measure FAISS itself, not the index.
FAISS_BENCHMARKS = {"scripts/bench_codecs.py"}


def test_faiss_is_imported_only_by_the_vector_index_package():
    users = {p.relative_to(PROJECT_ROOT).as_posix() for folder in ("index", "qa", "evaluation", "scripts")
             for p, m in imports(folder) if m.split(".")[0] == "faiss"}
    assert users and all(u.startswith("index/ann/") for u in users - FAISS_BENCHMARKS), users


def test_encoders_are_constructed_only_by_the_factory():
    constructing = set()
    for folder in ("index", "qa", "evaluation", "scripts"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            if "encoders" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if "SentenceTransformer(" in text or "Encoder(" in text.replace("make_encoder(", ""):
                constructing.add(path.relative_to(PROJECT_ROOT).as_posix())
    # The scale benchmark's stand-in is not a model: it replaces one to time everything else.
    assert constructing == {"scripts/bench_scale.py"}
