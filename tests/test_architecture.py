"""The choke point, machine-enforced: views, forms and tasks reach tenant data only
through their app's access.py (or a selector built on it), never through Model.objects;
and no module of any app reads tenant models but the access modules themselves, the
write services (which lock and check their actor) and the models, migrations and admin."""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = ("lea", "cim", "steps", "reports")
GUARDED_MODULES = ("views", "forms", "tasks")


def _guarded_files() -> list[Path]:
    files = []
    for app in PROJECT_APPS:
        for name in GUARDED_MODULES:
            files += [ROOT / app / f"{name}.py", *sorted((ROOT / app / name).glob("*.py"))]
    return [path for path in files if path.exists()]


def _project_model_names() -> set[str]:
    return {
        model.__name__
        for app in PROJECT_APPS
        if apps.is_installed(app)
        for model in apps.get_app_config(app).get_models()
    }


def direct_model_queries(source: str, model_names: set[str]) -> list[str]:
    """`Model.objects…`, `Model._default_manager…` and `get_object_or_404(Model, …)`; not
    `Model.objects.none()`, which reads nothing (a form field's queryset until the form is
    given the scoped one)."""
    found = []
    tree = ast.parse(source)
    empty = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "none"
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"objects", "_default_manager"}
            and isinstance(node.value, ast.Name)
            and node.value.id in model_names
            and id(node) not in empty
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in {"get_object_or_404", "get_list_or_404"}
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in model_names
        ):
            found.append(f"line {node.lineno}: get_object_or_404({node.args[0].id}, ...)")
    return found


def test_it_finds_a_direct_query_when_there_is_one() -> None:
    offending = "def view(request, pk):\n    return Organization.objects.get(pk=pk)\n"
    assert direct_model_queries(offending, {"Organization"}) == ["line 2: Organization.objects"]
    assert direct_model_queries("Organization.objects.none()", {"Organization"}) == []
    assert direct_model_queries(
        "Organization.objects.none().union(Organization.objects.all())", {"Organization"}
    ) == ["line 1: Organization.objects"]
    shortcut = "get_object_or_404(Membership, pk=1)"
    assert direct_model_queries(shortcut, {"Membership"}) == [
        "line 1: get_object_or_404(Membership, ...)"
    ]


def test_it_keeps_views_forms_and_tasks_off_tenant_models() -> None:
    models = _project_model_names() | {"User"}
    files = _guarded_files()
    assert files, "no views found: the guard would pass vacuously"
    violations = {
        str(path.relative_to(ROOT)): hits
        for path in files
        if (hits := direct_model_queries(path.read_text(), models))
    }
    assert not violations, f"Query through lea/access.py instead: {violations}"


# Where reading a tenant model directly is the module's job.
DATA_LAYERS = ("access.py", "rules.py", "admin.py")
DATA_PACKAGES = ("models", "migrations", "services")
TENANT_APPS = ("lea", "steps", "reports")  # cim's catalog and framework are the state's


def _every_module() -> list[Path]:
    return [
        path
        for app in PROJECT_APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if path.name not in DATA_LAYERS
        and path.name != "models.py"
        and not path.name.startswith("services")
        and not set(path.relative_to(ROOT).parts) & set(DATA_PACKAGES)
    ]


def _tenant_model_names() -> set[str]:
    return {
        model.__name__ for app in TENANT_APPS for model in apps.get_app_config(app).get_models()
    } | {"User"}


def test_no_module_reads_tenant_models_outside_the_access_modules() -> None:
    models = _tenant_model_names()
    found = {
        str(path.relative_to(ROOT)): hits
        for path in _every_module()
        if (hits := direct_model_queries(path.read_text(), models))
    }
    assert not found, f"Read these through the app's access.py: {found}"
