"""Every status is a protected state machine: a model's status (or state) is an FSMField
with protected=True, and no code outside a transition writes one, whether by assignment
or by a queryset update. Walks the source, so a new raw status write fails here."""

import ast
from pathlib import Path

from django.apps import apps
from django_fsm import FSMField

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = ("lea", "cim", "steps", "reports")
STATE_NAMES = {"status", "state"}
# Fields named like a status that are not a workflow: a value the user picks, any to any.
NOT_A_WORKFLOW = {
    "reports.ActivityProgress.status",  # how far an activity got, as the LEA reports it
}
# The functions that write those fields, by file.
WRITES_NOT_A_WORKFLOW = {
    "reports/services/progress.py": frozenset({"write"}),  # progress_report_save's merge
}


def _source_files() -> list[Path]:
    files = []
    for app in PROJECT_APPS:
        files += [
            path for path in sorted((ROOT / app).rglob("*.py")) if "migrations" not in path.parts
        ]
    return files


def _is_transition(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef) and any(
        isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "transition"
        for decorator in node.decorator_list
    )


def raw_status_writes(source: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """`x.status = ...` (or +=, or .state) outside a @transition method, and
    `.update(status=...)` on a queryset, except in the functions named in `allowed`."""
    found: list[str] = []

    def visit(node: ast.AST, function: str, in_transition: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function, in_transition = node.name, in_transition or _is_transition(node)
        exempt = in_transition or function in allowed
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and not exempt:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.extend(
                f"line {node.lineno}: .{part.attr} ="
                for target in targets
                for part in ast.walk(target)
                if isinstance(part, ast.Attribute)
                and part.attr in STATE_NAMES
                and isinstance(part.ctx, ast.Store)
            )
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "update":
            found.extend(
                f"line {node.lineno}: .update({keyword.arg}=...)"
                for keyword in node.keywords
                if keyword.arg in STATE_NAMES and not exempt
            )
        for child in ast.iter_child_nodes(node):
            visit(child, function, in_transition)

    visit(ast.parse(source), "", False)
    return found


def test_it_finds_a_raw_status_write_when_there_is_one() -> None:
    offending = (
        "def approve(upload):\n"
        "    upload.status = 'applied'\n"
        "    Digest.objects.filter(pk=1).update(status='sent')\n"
        "class Upload:\n"
        "    @transition(field=status, source='a', target='b')\n"
        "    def move(self):\n"
        "        self.status = 'b'\n"
    )
    assert raw_status_writes(offending) == [
        "line 2: .status =",
        "line 3: .update(status=...)",
    ]


def test_it_writes_no_status_outside_a_transition() -> None:
    files = _source_files()
    assert files, "no source found: the guard would pass vacuously"
    violations = {}
    for path in files:
        name = str(path.relative_to(ROOT))
        allowed = WRITES_NOT_A_WORKFLOW.get(name, frozenset())
        if hits := raw_status_writes(path.read_text(), allowed):
            violations[name] = hits
    assert not violations, f"Move the status through a transition called by a service: {violations}"


def test_it_protects_every_status_field() -> None:
    unprotected = [
        f"{model._meta.label}.{field.name}"
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if field.name in STATE_NAMES
        and f"{model._meta.label}.{field.name}" not in NOT_A_WORKFLOW
        and not (isinstance(field, FSMField) and field.protected)
    ]
    assert unprotected == [], "Make it an FSMField(protected=True) with @transition methods"
