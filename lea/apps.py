from django.apps import AppConfig


class LeaConfig(AppConfig):
    name = "lea"
    verbose_name = "Organisations and people"
