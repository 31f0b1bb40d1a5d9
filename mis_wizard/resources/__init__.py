"""The app's own files (icons, style, built-in profiles, each system's steps), read by path:
importlib.resources would cost the GUI's start its readers and zip support, and a frozen build
keeps these files beside its modules too."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent
