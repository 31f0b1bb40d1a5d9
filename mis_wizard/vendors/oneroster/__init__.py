"""OneRoster 1.1, shared by the systems that serve it (Aeries, Skyward Qmlativ).

Not a system of its own in the registry: a library with the REST client (client.py), the live
check of one consumer worded by its host vendor (checks.py), the server emulator vendors mount
beside their own API (sandbox.py, render.py), and the CSV package rules the sync engine's
OneRoster zip sink writes to (csv_spec.py).
"""
