"""An independent client, PyPI's ``pypowerschool``, reads our emulator as it reads a real server.

It authenticates with Basic client credentials at /oauth/access_token, parses ``expires_in``
with int(), asks /count and pages with ``page`` only (so at the server's default page size),
and unwraps ``{"students": {"student": ...}}`` itself, single-object pages included.
"""

from __future__ import annotations

import pytest

from mis_wizard.vendors.powerschool.sandbox import PowerSchoolEmulator

pypowerschool = pytest.importorskip("pypowerschool.powerschool")


@pytest.fixture
def fresh_client_class():
    """pypowerschool's Client is a process-wide singleton holding its token: start and end clean."""
    cls = pypowerschool.Client
    if hasattr(cls, "instance"):
        del cls.instance
    yield cls
    if hasattr(cls, "instance"):
        del cls.instance


@pytest.mark.filterwarnings("ignore:Use .content=<...>. to upload raw bytes:DeprecationWarning")
def test_pypowerschool_pages_all_students_as_our_connector_does(sandbox, medium_school, stream_all,
                                                                fresh_client_class):
    hosted = sandbox.add(PowerSchoolEmulator(medium_school, max_page_size=111))
    creds = hosted.emulator.credentials(hosted.base_url)
    client = fresh_client_class(hosted.base_url, creds["plugin"]["client_id"], creds["plugin"]["client_secret"])
    assert client.headers["Authorization"].startswith("Bearer ")

    theirs = client.students_in_district()
    ours = stream_all(creds, "students")

    assert len(theirs) == len(ours) == len(medium_school.students) == 1000
    assert [(s["id"], s["local_id"], s["name"]["first_name"], s["name"]["last_name"]) for s in theirs] == \
        [(r["id"], r["local_id"], r["name.first_name"], r["name.last_name"]) for r in ours]
    assert [s["name"] for s in client.schools_in_district()] == [r["name"] for r in stream_all(creds, "schools")]
    # 1,000 students at 111 a page: the last page holds one student, as an object
    assert client.fetch_metadata()["plugin_id"] == hosted.emulator.plugins[0].plugin_id


@pytest.mark.filterwarnings("ignore:Use .content=<...>. to upload raw bytes:DeprecationWarning")
def test_pypowerschool_reads_the_current_district(sandbox, small_school, fresh_client_class):
    """powerschool.md lists GET /ws/v1/district (District info); pypowerschool's current_district()
    unwraps {"district": {..}}."""
    hosted = sandbox.add(PowerSchoolEmulator(small_school))
    creds = hosted.emulator.credentials(hosted.base_url)
    client = fresh_client_class(hosted.base_url, creds["plugin"]["client_id"], creds["plugin"]["client_secret"])
    district = client.current_district()
    assert district["name"] == f"{small_school.name} District"
    assert any(e.path == "/ws/v1/district" and e.status == 200 for e in sandbox.log)
