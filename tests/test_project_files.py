"""A clean tree: the broker keeps its files under its own folder, git and the Docker build
leave local data out, a built package holds everything the project needs to run, and
docker-compose.yml starts as written."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent
APPS = ("cim", "lea", "steps", "reports")


def test_the_filesystem_broker_keeps_every_folder_under_its_own(tmp_path: Path) -> None:
    # Settings as the embedded default reads them: no Redis, a broker folder of its own.
    broker_dir = tmp_path / "celery"
    clean = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; import json; "
         "print(json.dumps(settings.CELERY_BROKER_TRANSPORT_OPTIONS))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={**clean, "DJANGO_SETTINGS_MODULE": "cim.settings",
             "CELERY_BROKER_DIR": str(broker_dir), "DATABASE_URL": "postgres://x@127.0.0.1/x"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    folders = {key: Path(value) for key, value in options.items() if key.endswith("_folder")}
    assert set(folders) >= {"control_folder", "processed_folder"}
    for key, folder in {**folders, "data_folder_in": Path(options["data_folder_in"])}.items():
        assert folder.is_relative_to(broker_dir), f"{key} = {folder} is outside {broker_dir}"


def test_git_ignores_the_broker_control_folder_and_the_env_file() -> None:
    for path in ("control/celery.exchange", ".env"):
        ignored = subprocess.run(
            ["git", "check-ignore", "--quiet", "--no-index", path], cwd=ROOT, check=False
        )
        assert ignored.returncode == 0, f"git does not ignore {path}"
    tracked = subprocess.run(
        ["git", "ls-files", "control", ".env"], cwd=ROOT, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert tracked.stdout == ""


def test_the_docker_build_leaves_tests_and_local_data_out() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = {line.strip().rstrip("/") for line in lines if not line.startswith("#")}
    required = {".git", ".env", ".venv", "var", "control", "tests", "**/__pycache__"}
    required |= {".mypy_cache", ".ruff_cache", ".pytest_cache"}
    assert required <= patterns, f"missing from .dockerignore: {sorted(required - patterns)}"


def _compose() -> dict[str, Any]:
    # PyYAML's safe loader resolves merge keys (<<) as Docker Compose does.
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_web_waits_for_the_database_redis_and_the_migrations() -> None:
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
    assert services["migrate"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name, service in services.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in services, f"{name} depends on {needed}, which is not a service"
            assert needed != name, f"{name} depends on itself"
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[needed], f"{needed} has no healthcheck"


def test_compose_uses_every_named_volume_it_declares() -> None:
    compose = _compose()
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if not source.startswith((".", "/", "~")):  # a bind mount is not a named volume
                used.add(source)
    assert declared == used


def test_a_built_wheel_holds_the_catalog_templates_and_static_files(tmp_path: Path) -> None:
    # Built offline from a copy, so the checkout gets no build/ or egg-info of its own.
    require_service(
        importlib.util.find_spec("setuptools") is not None, "setuptools (the dev group)"
    )
    source = tmp_path / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in (*APPS, "templates", "static"):
        shutil.copytree(ROOT / name, source / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(tmp_path / "dist")],
        cwd=source, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("cim_portal-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        held = {name for name in archive.namelist() if not name.endswith("/")}

    def files(folder: Path) -> set[str]:
        return {
            path.relative_to(source).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }

    wanted = files(source / "templates") | files(source / "static")
    wanted |= {path for path in files(source / "cim" / "catalog") if not path.endswith(".py")}
    for app in APPS:
        wanted |= files(source / app / "static") if (source / app / "static").is_dir() else set()
        wanted |= (
            files(source / app / "templates") if (source / app / "templates").is_dir() else set()
        )
    assert "cim/catalog/2024.json" in wanted
    assert "templates/base.html" in wanted
    assert "static/fonts/DejaVuSans.ttf" in wanted
    assert wanted <= held, f"missing from the wheel: {sorted(wanted - held)[:10]}"
    assert "cim/settings.py" in held
    assert not {name for name in held if name.startswith(("tests/", "bench/", "var/"))}
