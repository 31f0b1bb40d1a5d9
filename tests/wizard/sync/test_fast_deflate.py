"""The OneRoster zip's members are deflated by ISA-L: what any zip reader reads back, and (should a
later Python's zipfile stop keeping its compressor where fast_deflate swaps it) noticed here."""

from __future__ import annotations

import zipfile
from pathlib import Path

from isal import isal_zlib

from mis_wizard.wizard.sync.sinks.fast_deflate import LEVEL, open_member

CSV = b"".join(b"u-s-%d,true,org-1,student,user%d@school.example,Given%d,Family%d\r\n" % (n, n, n, n)
               for n in range(20000))


def isal_size(data: bytes) -> int:
    deflate = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -15)
    return len(deflate.compress(data) + deflate.flush())


def test_a_deflated_member_is_isals_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, open_member(zf, "users.csv") as fh:
        for start in range(0, len(CSV), 65536):
            fh.write(CSV[start:start + 65536])
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert zf.read("users.csv") == CSV
        info = zf.getinfo("users.csv")
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.compress_size == isal_size(CSV)  # zlib's level 1 gives another size for these bytes


def test_a_stored_zip_stays_stored(tmp_path: Path) -> None:
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf, open_member(zf, "users.csv") as fh:
        fh.write(CSV)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("users.csv").compress_size == len(CSV)
        assert zf.read("users.csv") == CSV
