from django.http import HttpRequest


def axes_username(request: HttpRequest, credentials: dict[str, str] | None) -> str:
    """The login name axes counts failures against: the email in lower case, so typing it
    in capitals does not reset the count."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return raw.strip().lower()
