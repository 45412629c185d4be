"""Emails about people and organisations, in HTML and plain text."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from lea.models import Invitation


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def send_invitation(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "accept_url": absolute_url(reverse("invitation_accept", args=[token])),
        "site_url": settings.SITE_URL,
    }
    subject = f"You are invited to {invitation.organization} on CIM Portal"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("lea/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("lea/email/invitation.html", context), "text/html")
    message.send()
