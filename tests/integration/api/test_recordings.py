"""Recordings of a call: list, fetch, media (with path safety) and delete."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bridge.store.records import (
    CallDirection,
    CallRecord,
    CallStatus,
    NewCall,
    NewRecording,
    RecordingRecord,
    RecordingStatus,
)
from tests.integration.api.conftest import PUBLIC_URL, Api
from tests.integration.api.support import ACCOUNT, OTHER_ACCOUNT, basic_auth

BASE = f"/2010-04-01/Accounts/{ACCOUNT}"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(28))


def make_call(api: Api, account: str = ACCOUNT) -> CallRecord:
    return api.calls.create_call(
        NewCall(
            account_sid=account,
            direction=CallDirection.INBOUND,
            from_="+15550100",
            to="+15550199",
            status=CallStatus.IN_PROGRESS,
        )
    )


def make_recording(
    api: Api,
    call: CallRecord,
    file_path: str | None = "call.wav",
    *,
    finished: bool = True,
    write: bool = True,
) -> RecordingRecord:
    recording = api.recordings.create_recording(
        NewRecording(
            account_sid=call.account_sid,
            call_sid=call.sid,
            source="DialVerb",
            channels=2,
            start_time=api.clock(),
            file_path=file_path,
        )
    )
    if write and file_path is not None and not os.path.isabs(file_path):
        (Path(api.settings.recordings_dir) / file_path).write_bytes(WAV)
    if finished:
        api.clock.advance(1)
        recording = api.recordings.update_recording(
            recording.sid, status=RecordingStatus.COMPLETED, duration=7
        )
    return recording


def get(api: Api, path: str):  # type: ignore[no-untyped-def]
    return api.client.get(path, headers=basic_auth())


def media(api: Api, path: str) -> tuple[int, str, bytes]:
    """Status, media type and body of a media request (the file closed)."""
    with api.client.get(path, headers=basic_auth()) as response:
        return response.status_code, response.mimetype, response.get_data()


def test_fetch_a_recording(api: Api) -> None:
    call = make_call(api)
    recording = make_recording(api, call)

    response = get(api, f"{BASE}/Recordings/{recording.sid}.json")

    assert response.status_code == 200
    assert response.get_json() == {
        "sid": recording.sid,
        "account_sid": ACCOUNT,
        "call_sid": call.sid,
        "conference_sid": None,
        "api_version": "2010-04-01",
        "date_created": "Fri, 01 Mar 2024 12:00:00 +0000",
        "date_updated": "Fri, 01 Mar 2024 12:00:01 +0000",
        "start_time": "Fri, 01 Mar 2024 12:00:00 +0000",
        "duration": "7",
        "status": "completed",
        "channels": 2,
        "source": "DialVerb",
        "track": "both",
        "error_code": None,
        "price": None,
        "price_unit": "USD",
        "encryption_details": None,
        "uri": f"{BASE}/Recordings/{recording.sid}.json",
        "media_url": f"{PUBLIC_URL}{BASE}/Recordings/{recording.sid}.wav",
        "subresource_uris": {},
    }


def test_list_a_calls_recordings_with_paging(api: Api) -> None:
    call = make_call(api)
    older = make_recording(api, call, "a.wav")
    newer = make_recording(api, call, "b.wav")
    make_recording(api, make_call(api), "other-call.wav")

    first = get(api, f"{BASE}/Calls/{call.sid}/Recordings.json?PageSize=1").get_json()
    second = get(api, first["next_page_uri"]).get_json()

    assert [item["sid"] for item in first["recordings"]] == [newer.sid]
    assert [item["sid"] for item in second["recordings"]] == [older.sid]
    assert second["next_page_uri"] is None
    assert (
        second["previous_page_uri"] == f"{BASE}/Calls/{call.sid}/Recordings.json?PageSize=1&Page=0"
    )


def test_a_deleted_calls_recordings_stay_listed(api: Api) -> None:
    call = make_call(api)
    recording = make_recording(api, call)
    api.calls.update_status(call.sid, CallStatus.COMPLETED, at=api.clock())
    api.calls.delete(call.sid)

    body = get(api, f"{BASE}/Calls/{call.sid}/Recordings.json").get_json()

    assert [item["sid"] for item in body["recordings"]] == [recording.sid]


def test_a_call_without_recordings_lists_none(sqlite_api: Api) -> None:
    call = make_call(sqlite_api)

    body = get(sqlite_api, f"{BASE}/Calls/{call.sid}/Recordings.json").get_json()

    assert body["recordings"] == [] and body["next_page_uri"] is None


@pytest.mark.parametrize("sid", ["CA" + "0" * 32, "CAnope"])
def test_recordings_of_an_unknown_call_are_not_found(sqlite_api: Api, sid: str) -> None:
    response = get(sqlite_api, f"{BASE}/Calls/{sid}/Recordings.json")

    assert response.status_code == 404


def test_another_accounts_recording_is_not_found(sqlite_api: Api) -> None:
    theirs = make_recording(sqlite_api, make_call(sqlite_api, account=OTHER_ACCOUNT))

    for path in (
        f"{BASE}/Recordings/{theirs.sid}.json",
        f"{BASE}/Recordings/{theirs.sid}.wav",
        f"{BASE}/Calls/{theirs.call_sid}/Recordings.json",
    ):
        assert get(sqlite_api, path).status_code == 404, path
    response = sqlite_api.client.delete(
        f"{BASE}/Recordings/{theirs.sid}.json", headers=basic_auth()
    )
    assert response.status_code == 404
    assert sqlite_api.recordings.get_recording(theirs.sid).sid == theirs.sid


@pytest.mark.parametrize("suffix", [".wav", ""])
def test_media_is_served_as_wav(sqlite_api: Api, suffix: str) -> None:
    recording = make_recording(sqlite_api, make_call(sqlite_api))

    assert media(sqlite_api, f"{BASE}/Recordings/{recording.sid}{suffix}") == (
        200,
        "audio/x-wav",
        WAV,
    )


def test_media_of_a_recording_in_progress_is_not_found(sqlite_api: Api) -> None:
    recording = make_recording(sqlite_api, make_call(sqlite_api), finished=False)

    response = get(sqlite_api, f"{BASE}/Recordings/{recording.sid}.wav")

    assert response.status_code == 404
    assert response.get_json()["message"] == (
        f"Recording {recording.sid} is in-progress: it has no media"
    )


def test_media_only_from_inside_the_recordings_directory(sqlite_api: Api, tmp_path: Path) -> None:
    outside = tmp_path / "secret.wav"
    outside.write_bytes(b"not for you")
    inside = Path(sqlite_api.settings.recordings_dir)
    (inside / "link.wav").symlink_to(outside)
    call = make_call(sqlite_api)
    paths = ["../secret.wav", str(outside), "link.wav", ".", "missing/none.wav", "nul\x00.wav"]
    sneaky = [make_recording(sqlite_api, call, path, write=False) for path in [*paths, None]]

    for recording in sneaky:
        response = get(sqlite_api, f"{BASE}/Recordings/{recording.sid}.wav")
        assert response.status_code == 404, recording.file_path
        assert response.get_json()["message"] == (
            f"The media of recording {recording.sid} is not available"
        )


def test_an_absolute_path_inside_the_directory_is_served(sqlite_api: Api) -> None:
    path = Path(sqlite_api.settings.recordings_dir) / "abs.wav"
    path.write_bytes(WAV)
    recording = make_recording(sqlite_api, make_call(sqlite_api), str(path))

    assert media(sqlite_api, f"{BASE}/Recordings/{recording.sid}.wav")[2] == WAV


def test_delete_a_finished_recording_removes_its_file(api: Api) -> None:
    recording = make_recording(api, make_call(api), "gone.wav")
    media = Path(api.settings.recordings_dir) / "gone.wav"
    assert media.exists()

    response = api.client.delete(f"{BASE}/Recordings/{recording.sid}.json", headers=basic_auth())

    assert response.status_code == 204
    assert not media.exists()
    assert get(api, f"{BASE}/Recordings/{recording.sid}.json").status_code == 404


def test_delete_never_removes_a_file_outside_the_directory(sqlite_api: Api, tmp_path: Path) -> None:
    outside = tmp_path / "keep.wav"
    outside.write_bytes(WAV)
    recording = make_recording(sqlite_api, make_call(sqlite_api), str(outside))

    response = sqlite_api.client.delete(
        f"{BASE}/Recordings/{recording.sid}.json", headers=basic_auth()
    )

    assert response.status_code == 204
    assert outside.exists()


def test_delete_a_recording_in_progress_is_refused(sqlite_api: Api) -> None:
    recording = make_recording(sqlite_api, make_call(sqlite_api), finished=False)

    response = sqlite_api.client.delete(
        f"{BASE}/Recordings/{recording.sid}.json", headers=basic_auth()
    )

    assert response.status_code == 409
    assert response.get_json()["code"] == 20009
