"""MIS Onboarding Wizard: connect a school's management system to an education app."""

__version__ = "0.1.0"
APP_NAME = "MIS Onboarding Wizard"
