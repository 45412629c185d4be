"""Production settings: hardened, and refusing to start without their secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k" * 20 + "production-test-secret-key-with-enough-variety-0123456789",
    "ALLOWED_HOSTS": "cim.example.org",
    "DATABASE_URL": "postgres://cim@db.example.org:5432/cim",
    "REDIS_URL": "redis://redis.example.org:6379/0",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.org:587",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only what a fresh shell would have: no test-run switches such as
    # DJANGO_ALLOW_ASYNC_UNSAFE, and none of the production variables unless given.
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_passes_the_deploy_checks_in_production() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key() -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


def test_it_refuses_an_unknown_environment_name() -> None:
    # A DATABASE_URL, so manage.py does not start the embedded server for this check.
    result = _manage("check", DJANGO_ENV="staging", DATABASE_URL="postgres://cim@127.0.0.1:1/cim")
    assert result.returncode != 0
    assert "DJANGO_ENV must be development, test or production" in result.stderr


def test_it_sends_hardening_headers(client, db: None) -> None:
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_it_refuses_to_start_in_production_without_an_email_url() -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != "EMAIL_URL"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "EMAIL_URL must be set when DJANGO_ENV=production" in result.stderr


def test_it_refuses_a_trusted_proxy_that_is_no_address() -> None:
    result = _manage("check", **PRODUCTION, TRUSTED_PROXIES="10.0.0.0/8,proxy.example.org")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def test_the_embedded_defaults_cache_keeps_the_pages_it_stores(tmp_path: Path) -> None:
    """Without Redis the cache is a folder; it keeps a thousand pages, not Django's 300
    before it drops a third of them at random (a grid page just built, gone)."""
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.cache.backends.filebased import FileBasedCache\n"
        "options = settings.CACHES['default'].get('OPTIONS', {})\n"
        f"cache = FileBasedCache({str(tmp_path)!r}, {{'OPTIONS': options}})\n"
        "for n in range(1000): cache.set(f'page-{n}', n)\n"
        "print(sum(cache.get(f'page-{n}') is not None for n in range(1000)))\n"
    )
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        # A DATABASE_URL, so settings do not start the embedded server; no REDIS_URL.
        env={**clean, "DJANGO_SETTINGS_MODULE": "cim.settings",
             "DATABASE_URL": "postgres://cim@127.0.0.1:1/cim"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1000"
