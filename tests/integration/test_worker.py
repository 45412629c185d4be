"""End to end through a real worker: an invitation made in the app arrives by email and
its link creates the account."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from cim.celery import app as celery_app
from lea.models import User
from tests.conftest import build_world
from tests.integration.conftest import Worker

# serialized_rollback: see tests/browser/test_pages.py.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_delivers_an_invitation_through_the_worker(celery_worker: Worker) -> None:
    world = build_world()
    lead = Client()
    lead.force_login(world.lea_lead)
    response = lead.post(
        reverse("invitation_create", args=[world.lea.pk]),
        {"email": "worker-test@example.org", "full_name": "Wren Worker", "role": "lea_member"},
    )
    assert response.status_code == 302

    [message] = celery_worker.wait_for_mail()
    assert "To: worker-test@example.org" in message
    path = re.search(r"http://testserver(/invitations/[\w-]+/)", message)
    assert path, message
    newcomer = Client()
    response = newcomer.post(
        path.group(1),
        {
            "full_name": "Wren Worker",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert (
        User.objects.get(email="worker-test@example.org").memberships.get().organization
        == world.lea
    )


@pytest.mark.parametrize("with_cookie", [False, True])
def test_it_reports_database_broker_and_worker_health(
    celery_worker: Worker, with_cookie: bool
) -> None:
    client = Client()
    if with_cookie:
        client.force_login(build_world().lea_lead)
    # The worker answers pings once it has started: ask until it does.
    deadline = time.monotonic() + 60
    while True:
        response = client.get(reverse("healthz"))
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert response.status_code == 200, (response.json(), celery_worker.log.read_text())
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok"}


def test_it_reports_an_unreachable_broker(transactional_db: None, client: Client) -> None:
    real_url = celery_app.conf.broker_url
    # Nothing listens on port 1: a real connection that really fails.
    celery_app.conf.update(broker_url="redis://127.0.0.1:1/0")
    try:
        response = client.get(reverse("healthz"))
    finally:
        celery_app.conf.update(broker_url=real_url)
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
