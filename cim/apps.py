from django.apps import AppConfig


class CimConfig(AppConfig):
    name = "cim"
