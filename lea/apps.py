from django.apps import AppConfig


class LeaConfig(AppConfig):
    name = "lea"
    verbose_name = "Organisations and people"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from lea.middleware import clear_second_factor_at_login

        user_logged_in.connect(clear_second_factor_at_login, dispatch_uid="lea.second_factor")
