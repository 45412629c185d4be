"""The portal's icon in the browser tab: an SVG that ships in static/, linked by every page
built on base.html (the browser then never asks for /favicon.ico)."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_it_links_the_portals_icon_from_every_page() -> None:
    page = Client().get(reverse("login")).content.decode()

    assert f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">' in page
    found = finders.find("img/favicon.svg")
    assert isinstance(found, str)
    with open(found, encoding="utf-8") as icon:
        assert icon.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
