from django.apps import AppConfig


class MonthlyConfig(AppConfig):
    name = "monthly"
    verbose_name = "每月一事"
