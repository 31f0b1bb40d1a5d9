"""OneRoster 1.1, shared by the systems that serve it (Aeries, Skyward Qmlativ).

Not a system of its own in the registry: a library with the REST client (client.py), the live
check of one consumer worded by its host vendor (checks.py), the server emulator vendors mount
beside their own API (sandbox.py, render.py), and the CSV package rules the sync engine's
OneRoster zip sink writes to (csv_spec.py).
"""

FACTS: tuple[tuple[str, str, str], ...] = (
    ("The 1.1 REST read side serves orgs, schools, academicSessions, terms, gradingPeriods, courses, classes, users, "
     "students, teachers, demographics and enrollments, each also by sourcedId, under /ims/oneroster/v1p1.",
     "confirmed", "oneroster.md, REST endpoints (S4, S11)"),
    ("Nested paths: /schools/{id}/students, /schools/{id}/classes, /classes/{id}/students, /schools/{id}/terms.",
     "confirmed", "oneroster.md, REST endpoints (S11); no other nested path is served"),
    ("A record's fields are the columns of its CSV file; a column naming other records by sourcedId "
     "(orgSourcedIds, courseSourcedId, termSourcedIds, ...) is a reference or list of references "
     "{href, sourcedId, type} under the name without SourcedId(s) (orgs, course, terms).", "inferred",
     "oneroster.md shows it for users (orgs) and gives the reference shape; the rest follows the same rule"),
    ("Collections come keyed by the plural ({\"users\": [..]}), one record by the singular ({\"user\": {..}}).",
     "confirmed", "oneroster.md, Response wrappers (S4, S13)"),
)
"""(fact, confirmed/inferred, where from) for what the client and the emulator rely on."""
