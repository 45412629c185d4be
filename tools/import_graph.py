"""The import graph of the project's own modules, read from the code (an AST walk, no
import is run), grouped by app: `make import-graph`.

Writes docs/import-graph.dot (every module, grouped by app, with the imports that cross
from one app to another) and the Mermaid block between the import-graph markers in
docs/architecture.md (one node per app, one arrow per direction with its count). Arrows
point from the importing module to the imported one, so the allowed direction
lea <- cim <- steps <- reports reads right to left; an arrow against it is drawn red.

Kinds of edge: an import at the top of a module; a deferred one (inside a function: still
a dependency at run time, drawn dashed); one only for type checking (under
`if TYPE_CHECKING:`, dotted); and `apps.get_model("app", ...)`, a dependency by name
(dotted, counted apart). Migrations are left out. The project's wiring (settings, urls,
Celery app, WSGI/ASGI), which sits in the `cim` package but above every app, is its own
group, `project`.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lowest first: a module may import from its own app and from the apps before it.
LAYERS = ("lea", "cim", "steps", "reports", "project")
APPS = ("lea", "cim", "steps", "reports")
WIRING = frozenset({"cim.settings", "cim.urls", "cim.wsgi", "cim.asgi"})
KINDS = ("import", "deferred", "typing", "get_model")
START = "<!-- import-graph:start (make import-graph writes this block) -->"
END = "<!-- import-graph:end -->"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str


def group_of(module: str) -> str:
    return "project" if module in WIRING else module.split(".")[0]


def modules_of(root: Path) -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _own(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is one of the project's modules."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


class _Walker(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, modules: dict[str, Path]) -> None:
        self.module, self.is_package, self.modules = module, is_package, modules
        self.edges: list[Edge] = []
        self._kind = ["import"]

    def _add(self, target: str | None, kind: str | None = None) -> None:
        if target is not None and target != self.module:
            self.edges.append(Edge(self.module, target, kind or self._kind[-1]))

    def _nested(self, node: ast.AST, kind: str) -> None:
        self._kind.append(kind if self._kind[-1] == "import" else self._kind[-1])
        self.generic_visit(node)
        self._kind.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._nested(node, "deferred")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._nested(node, "deferred")

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            self._kind.append("typing")
            for child in node.body:
                self.visit(child)
            self._kind.pop()
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(_own(alias.name, self.modules))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.split(".")
            if not self.is_package:
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, *([base] if base else [])])
        for alias in node.names:
            full = f"{base}.{alias.name}" if base else alias.name
            self._add(full if full in self.modules else _own(base, self.modules))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            app = node.args[0].value.split(".")[0]
            if app in APPS:
                self._add(_own(f"{app}.models", self.modules), "get_model")
        self.generic_visit(node)


def edges_of(root: Path = ROOT) -> tuple[dict[str, Path], list[Edge]]:
    modules = modules_of(root)
    edges: list[Edge] = []
    for module, path in modules.items():
        walker = _Walker(module, path.name == "__init__.py", modules)
        walker.visit(ast.parse(path.read_text(), filename=str(path)))
        edges.extend(walker.edges)
    return modules, sorted(set(edges), key=lambda e: (e.source, e.target, e.kind))


def is_upward(edge: Edge) -> bool:
    return LAYERS.index(group_of(edge.source)) < LAYERS.index(group_of(edge.target))


def enqueues_own_task(edge: Edge) -> bool:
    """A service's deferred import of its own app's tasks, to enqueue one once its
    transaction commits; the task calls the services back. The one loop the layout allows:
    nothing of it runs at import time, and it never leaves the app."""
    app = edge.source.split(".")[0]
    return (
        edge.kind == "deferred"
        and edge.target == f"{app}.tasks"
        and edge.source.startswith(f"{app}.services")
    )


def cycles_of(edges: list[Edge]) -> list[list[str]]:
    """The loops among the modules (each a sorted list of the modules in it), found by
    Tarjan's strongly connected components over every edge that runs (not typing-only
    imports) but a service enqueuing its own app's task."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if edge.kind != "typing" and not enqueues_own_task(edge):
            graph.setdefault(edge.source, set()).add(edge.target)
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                lowest[module] = min(lowest[module], lowest[target])
            elif target in on_stack:
                lowest[module] = min(lowest[module], index[target])
        if lowest[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(cycles)


def dot(modules: dict[str, Path], edges: list[Edge]) -> str:
    style = {"import": "solid", "deferred": "dashed", "typing": "dotted", "get_model": "dotted"}
    lines = [
        "// Generated by `make import-graph` (tools/import_graph.py); do not edit by hand.",
        "// Modules grouped by app; edges: imports from one app to another, importer -> imported.",
        "// dashed: inside a function; dotted: type checking only, or apps.get_model by name.",
        "// red: against the allowed direction lea <- cim <- steps <- reports <- project.",
        "digraph imports {",
        '  rankdir=RL; node [shape=box, fontsize=10, fontname="DejaVu Sans"];',
    ]
    for group in LAYERS:
        lines.append(f'  subgraph "cluster_{group}" {{ label="{group}";')
        lines.extend(f'    "{m}";' for m in modules if group_of(m) == group)
        lines.append("  }")
    for edge in edges:
        if group_of(edge.source) == group_of(edge.target):
            continue
        attrs = [f"style={style[edge.kind]}"]
        if edge.kind == "get_model":
            attrs.append('label="get_model"')
        if is_upward(edge):
            attrs.append("color=red")
        lines.append(f'  "{edge.source}" -> "{edge.target}" [{", ".join(attrs)}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid(edges: list[Edge]) -> str:
    counts: Counter[tuple[str, str, str]] = Counter()
    for edge in edges:
        pair = (group_of(edge.source), group_of(edge.target))
        if pair[0] != pair[1]:
            counts[(*pair, edge.kind)] += 1
    lines = ["```mermaid", "flowchart RL"]
    lines.extend(f"  {group}[{group}]" for group in LAYERS)
    upward = []
    for index, ((source, target, kind), count) in enumerate(sorted(counts.items())):
        words = {
            "import": f"{count} imports",
            "deferred": f"{count} in functions",
            "typing": f"{count} for types",
            "get_model": f"{count} get_model",
        }[kind]
        arrow = "-->" if kind == "import" else "-.->"
        lines.append(f'  {source} {arrow}|"{words}"| {target}')
        if LAYERS.index(source) < LAYERS.index(target):
            upward.append(index)
    if upward:
        lines.append(f"  linkStyle {','.join(map(str, upward))} stroke:red,color:red")
    lines.append("```")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dot", type=Path, default=ROOT / "docs" / "import-graph.dot")
    parser.add_argument("--markdown", type=Path, default=ROOT / "docs" / "architecture.md")
    args = parser.parse_args(argv)
    modules, edges = edges_of()
    args.dot.write_text(dot(modules, edges))
    page = args.markdown.read_text()
    block = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not block.search(page):
        print(f"{args.markdown} has no {START} ... {END} block", file=sys.stderr)
        return 1
    args.markdown.write_text(block.sub(lambda _: f"{START}\n{mermaid(edges)}{END}", page))
    upward = [edge for edge in edges if is_upward(edge)]
    print(
        f"{len(modules)} modules, {len(edges)} imports between them; "
        f"{len(upward)} against the direction: wrote {args.dot.name} and {args.markdown.name}"
    )
    for edge in upward:
        print(f"  {edge.source} -> {edge.target} ({edge.kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
