"""Recordings: a call's list, one recording's metadata, its media, delete.

The media is served only from a file whose path the store holds for that
recording, and only if that path, resolved (symbolic links followed), lies
inside `recordings_dir`: a path in the database can never make the API read
another file. A relative stored path is taken relative to `recordings_dir`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Response, send_file

from bridge.api import errors as codes
from bridge.api.call_query import read_paging
from bridge.api.context import api_context, json_response, no_parameters, paths, query_values
from bridge.api.errors import ApiError, not_found
from bridge.api.form import Form
from bridge.api.representations import (
    PageLinks,
    list_envelope,
    page_uri,
    recording_resource,
)
from bridge.ids import is_call_sid, is_recording_sid
from bridge.store.errors import RecordingNotFinished, RecordingNotFound
from bridge.store.records import API_VERSION, RecordingRecord, RecordingStatus

log = logging.getLogger(__name__)

recordings = Blueprint("recordings", __name__)

CALL_RECORDINGS = "/Accounts/<account_sid>/Calls/<call_sid>/Recordings.json"
RECORDING = "/Accounts/<account_sid>/Recordings/<recording_sid>.json"
MEDIA = "/Accounts/<account_sid>/Recordings/<recording_sid>.wav"
# Twilio's RecordingUrl has no extension and serves WAV; so do we.
MEDIA_BARE = "/Accounts/<account_sid>/Recordings/<recording_sid>"
MEDIA_TYPE = "audio/x-wav"


@recordings.get(CALL_RECORDINGS)
def list_call_recordings(account_sid: str, call_sid: str) -> Response:
    form = Form(query_values(), ("Page", "PageSize"))
    paging = read_paging(form)
    context = api_context()
    found = context.recordings.list_recordings(call_sid) if is_call_sid(call_sid) else ()
    own = [item for item in found if item.account_sid == account_sid]
    if not own:
        # A deleted call's recordings stay listed; only when there is neither
        # a call nor a recording is the resource unknown.
        call = context.calls.find(call_sid) if is_call_sid(call_sid) else None
        if call is None or call.account_sid != account_sid:
            raise not_found(f"No call {call_sid} and no recordings of it")
    start = paging.page * paging.page_size
    chosen = own[start : start + paging.page_size]
    here = paths()
    path = here.call_recordings(account_sid, call_sid)
    more = len(own) > start + paging.page_size
    links = PageLinks(
        uri=page_uri(path, (), paging.page, paging.page_size),
        first_page_uri=page_uri(path, (), 0, paging.page_size),
        next_page_uri=page_uri(path, (), paging.page + 1, paging.page_size) if more else None,
        previous_page_uri=(
            page_uri(path, (), paging.page - 1, paging.page_size) if paging.page > 0 else None
        ),
    )
    items = [_resource(item) for item in chosen]
    return json_response(list_envelope("recordings", items, paging.page, paging.page_size, links))


@recordings.get(RECORDING)
def fetch_recording(account_sid: str, recording_sid: str) -> Response:
    no_parameters()
    return json_response(_resource(_own_recording(account_sid, recording_sid)))


@recordings.delete(RECORDING)
def delete_recording(account_sid: str, recording_sid: str) -> Response:
    no_parameters()
    _own_recording(account_sid, recording_sid)
    context = api_context()
    try:
        deleted = context.recordings.delete_recording(recording_sid)
    except RecordingNotFound:
        raise _recording_not_found(recording_sid) from None
    except RecordingNotFinished:
        raise ApiError(
            409,
            codes.NOT_COMPLETE,
            f"Recording {recording_sid} is in-progress: only a finished one can be deleted",
        ) from None
    media = _media_path(deleted)
    if media is not None:
        try:
            media.unlink(missing_ok=True)
        except OSError as error:
            # The row is gone, which is what the client asked for; a file
            # left behind is for the operator's log, not a failed request.
            log.warning("recording %s: could not remove %s: %s", recording_sid, media, error)
    return Response(status=204)


@recordings.get(MEDIA)
@recordings.get(MEDIA_BARE)
def fetch_media(account_sid: str, recording_sid: str) -> Response:
    no_parameters()
    recording = _own_recording(account_sid, recording_sid)
    if recording.status is not RecordingStatus.COMPLETED:
        raise not_found(f"Recording {recording_sid} is {recording.status.value}: it has no media")
    media = _media_path(recording)
    if media is None or not media.is_file():
        raise not_found(f"The media of recording {recording_sid} is not available")
    return send_file(
        media, mimetype=MEDIA_TYPE, download_name=f"{recording_sid}.wav", conditional=True
    )


# -- helpers ------------------------------------------------------------------


def _resource(recording: RecordingRecord) -> dict[str, object]:
    base_url = api_context().settings.http.base_url
    return recording_resource(recording, paths(), base_url, API_VERSION)


def _own_recording(account_sid: str, recording_sid: str) -> RecordingRecord:
    if not is_recording_sid(recording_sid):
        raise _recording_not_found(recording_sid)
    try:
        recording = api_context().recordings.get_recording(recording_sid)
    except RecordingNotFound:
        raise _recording_not_found(recording_sid) from None
    if recording.account_sid != account_sid:
        raise _recording_not_found(recording_sid)
    return recording


def _recording_not_found(recording_sid: str) -> ApiError:
    return not_found(f"No recording {recording_sid}")


def _media_path(recording: RecordingRecord) -> Path | None:
    """The recording's file, if its stored path resolves inside recordings_dir."""
    if not recording.file_path:
        return None
    root = Path(api_context().settings.recordings_dir).resolve()
    try:
        candidate = (root / recording.file_path).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not candidate.is_relative_to(root) or candidate == root:
        log.warning(
            "recording %s: stored path %r is outside %s; not served",
            recording.sid,
            recording.file_path,
            root,
        )
        return None
    return candidate
