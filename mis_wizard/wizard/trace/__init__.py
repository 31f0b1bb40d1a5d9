"""Capture and replay: a school system's answers to a check or a small preview, recorded with the
secrets removed and personal values faked (``record``, ``scrub``), and served back as an emulator
(``replay``), so a real system's answers become test cases without anyone seeing a child's data."""
