"""The home page: why an LEA of theirs has no CIM work this year, if one has none, what
waits on the person in each role they hold (reports/selectors/home.py), then their
organisations and people (lea.selectors.home_overview). Here, not in `lea`,
because the work it counts lives in `steps` and `reports`."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from lea import selectors
from lea.models import User
from reports.selectors import home as selectors_home


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 -- behind @login_required
    team = selectors_home.team_engagements(user=user)
    context = {
        "homes": selectors_home.homes_for(user=user, team=team),
        "quiet_leas": selectors_home.quiet_leas_for(user=user, team=team),
        "overview": selectors.home_overview(user=user),
        "team_engagements": team,
    }
    return render(request, "lea/home.html", context)


urlpatterns: list[URLPattern] = [path("", home, name="home")]
