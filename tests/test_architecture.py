"""The import rules that keep the layers apart, checked on the source itself."""

import ast
from pathlib import Path

from index import PROJECT_ROOT

LAYERED = ("index", "qa")  # the packages whose modules must form no import cycle
TOP_FLOOR = ("qa", "scripts", "evaluation")  # where command lines are parsed


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


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for folder in LAYERED for p in sorted((PROJECT_ROOT / folder).rglob("*.py"))}


def import_graph() -> dict[str, dict[str, bool]]:
    """module → {imported project module: whether only inside a function}, from the AST of index/ and qa/.

    ``from a import b`` is an edge to ``a.b`` when that is a module, else to ``a``; relative imports
    are resolved. Only modules of index/ and qa/ are nodes.
    """
    modules = project_modules()
    graph: dict[str, dict[str, bool]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: dict[str, bool] = {}
        for node, in_function in _imports_with_scope(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:  # "import index.x.y" of a name inside a module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges[target] = edges.get(target, True) and in_function
        graph[name] = edges
    return graph


def _imports_with_scope(tree: ast.AST, in_function: bool = False):
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, in_function
        else:
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from _imports_with_scope(child, inside)


def reachable(graph: dict[str, dict[str, bool]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), {}):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_query_side_imports_only_the_public_face_of_index():
    reaching_in = [(p.relative_to(PROJECT_ROOT).as_posix(), m) for p, m in imports("qa")
                   if m.startswith("index.")]
    assert reaching_in == []
    assert any(m == "index" for _, m in imports("qa")), "the walk found qa's imports of index"


def test_query_side_never_imports_an_index_submodule_by_name():
    """``from index import cli`` reaches past the face as surely as ``import index.cli``."""
    submodules = {m.rpartition(".")[2] for m in project_modules() if m.count(".") == 1 and m.startswith("index.")}
    assert "build" in submodules, "the walk found index's modules"
    found = []
    for path in sorted((PROJECT_ROOT / "qa").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "index":
                found += [(path.relative_to(PROJECT_ROOT).as_posix(), a.name) for a in node.names
                          if a.name in submodules]
    assert found == []


def test_no_import_cycle_among_the_modules_of_index_and_qa():
    graph = import_graph()
    assert len(graph) > 50 and graph["qa.cli"], "the walk found the modules and their imports"
    cycles = sorted({tuple(sorted(m for m in reachable(graph, start) if start in reachable(graph, m)))
                     for start in graph if start in reachable(graph, start)})
    assert cycles == []


def test_no_function_level_import_dodges_a_cycle():
    """A lazy import of a module that imports the importer back only hides a cycle; heavy optional
    third-party packages (torch, psycopg, trafilatura) may still be imported where they are used."""
    graph = import_graph()
    dodging = [(module, target) for module, edges in graph.items() for target, lazy in edges.items()
               if lazy and module in reachable(graph, target)]
    assert dodging == []


def test_argparse_is_imported_only_by_the_top_floor():
    users = sorted(p.relative_to(PROJECT_ROOT).as_posix() for folder in ("index", *TOP_FLOOR)
                   for p, m in imports(folder) if m == "argparse")
    assert users and all(u.split("/")[0] in TOP_FLOOR for u in users), users


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
