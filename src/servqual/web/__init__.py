"""The servqual web platform: a plain, server-rendered Django project.

Run its management commands with ``python -m servqual.web <command>`` (``migrate``,
``createsuperuser``, ``runserver`` ...).
"""
