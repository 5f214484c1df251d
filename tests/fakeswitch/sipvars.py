"""The channel variables mod_sofia sets at each SIP step (pure builders).

Names, order and value shapes follow the traces; ports, tags, branches and
Call-IDs are generated per call.
"""

from __future__ import annotations

import random
import string
import uuid as uuidlib
from collections.abc import Iterable

from tests.fakeswitch.dialstring import DialTarget

Pairs = list[tuple[str, str]]
DEFAULT_CODECS = "OPUS,G722,PCMU,PCMA,H264,VP8"
LOCAL_IP = "127.0.0.1"


def token(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choice(alphabet) for _ in range(length))


def sip_call_id() -> str:
    return str(uuidlib.uuid4())


def media_port() -> int:
    return random.randrange(16384, 32768, 2)


def is_extra_header(name: str) -> bool:
    """sofia_test_extra_headers: X- (but not X-FS-), P- and On* headers become variables."""
    lowered = name.lower()
    return (
        (lowered.startswith("x-") and not lowered.startswith("x-fs-"))
        or lowered.startswith("p-")
        or lowered.startswith("on")
    )


def header_vars(prefix: str, headers: Iterable[tuple[str, str]]) -> Pairs:
    return [
        (f"{prefix}{name}", value) for name, value in headers if is_extra_header(name) and value
    ]


def local_sdp(port: int, codecs: str) -> str:
    payloads = "0 8 101" if "PCMU" in codecs and "OPUS" not in codecs else "102 9 0 8 103 101"
    session = random.randrange(1_700_000_000, 1_800_000_000)
    lines = [
        "v=0",
        f"o=FreeSWITCH {session} {session + 1} IN IP4 {LOCAL_IP}",
        "s=FreeSWITCH",
        f"c=IN IP4 {LOCAL_IP}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {payloads}",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-15",
        "a=ptime:20",
        "a=sendrecv",
    ]
    return "\r\n".join(lines) + "\r\n"


def remote_sdp(port: int) -> str:
    lines = [
        "v=0",
        "o=user1 53655765 2353687637 IN IP4 127.0.0.1",
        "s=-",
        "c=IN IP4 127.0.0.1",
        "t=0 0",
        f"m=audio {port} RTP/AVP 0 101",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-15",
    ]
    return "\r\n".join(lines) + "\r\n"


def outbound_initial_vars(
    uuid: str,
    session_id: int,
    profile: str,
    channel_name: str,
    target: DialTarget,
    originate_vars: Iterable[tuple[str, str]],
    early_ok: bool,
    port: int,
) -> Pairs:
    """The variables of CHANNEL_CREATE, up to the local SDP."""
    codecs = dict(originate_vars).get("absolute_codec_string") or DEFAULT_CODECS
    rows: Pairs = [
        ("direction", "outbound"),
        ("is_outbound", "true"),
        ("uuid", uuid),
        ("call_uuid", uuid),
        ("session_id", str(session_id)),
        ("sip_local_network_addr", LOCAL_IP),
        ("sip_profile_name", profile),
        ("video_media_flow", "disabled"),
        ("text_media_flow", "disabled"),
        ("channel_name", channel_name),
        ("sip_destination_url", target.text),
    ]
    rows += list(originate_vars)
    rows += [
        ("originate_early_media", "true" if early_ok else "false"),
        ("originate_endpoint", "sofia"),
        ("rtp_use_codec_string", codecs),
        ("local_media_ip", LOCAL_IP),
        ("local_media_port", str(port)),
        ("advertised_media_ip", LOCAL_IP),
        ("audio_media_flow", "sendrecv"),
        ("rtp_local_sdp_str", local_sdp(port, codecs)),
    ]
    return rows


def invite_vars(profile: str, sip_port: int, target: DialTarget) -> Pairs:
    """What is known once the INVITE left (the rest of CHANNEL_CREATE's variables)."""
    contact = f"sip:mod_sofia@{LOCAL_IP}:{sip_port}"
    return [
        ("sip_outgoing_contact_uri", f"<{contact}>"),
        ("sip_req_uri", target.request_uri),
        ("sip_to_host", target.hostport),
        ("sip_from_host", LOCAL_IP),
        ("sofia_profile_name", profile),
        ("recovery_profile_name", profile),
        ("sofia_profile_url", contact),
    ]


def reply_vars(target: DialTarget) -> Pairs:
    port = str(target.port or 5060)
    return [
        ("sip_reply_host", target.host),
        ("sip_reply_port", port),
        ("sip_network_ip", target.host),
        ("sip_network_port", port),
    ]


def dialog_vars(target: DialTarget, cid_name: str, cid_number: str, call_id: str) -> Pairs:
    """The variables of the first 18x/200 from the far end (its dialog)."""
    port = str(target.port or 5060)
    transport = target.transport.upper()
    branch = f"z9hG4bK{token(13)}"
    from_tag, to_tag = token(13), f"{random.randrange(1000, 9999)}SIPpTag01{random.randrange(10)}"
    display = f'"{cid_name}" ' if cid_name else ""
    to_params = ";".join(f"{name}={value}" if value else name for name, value in target.params)
    rows: Pairs = [("sip_local_network_addr", LOCAL_IP)]
    rows += reply_vars(target)
    rows += [
        ("sip_recover_contact", f"<sip:{target.hostport};transport={transport}>"),
        ("sip_full_via", f"SIP/2.0/UDP {LOCAL_IP}:5080;rport;branch={branch}"),
        ("sip_recover_via", f"SIP/2.0/UDP {LOCAL_IP}:5080;rport;branch={branch}"),
    ]
    if cid_name:
        rows.append(("sip_from_display", cid_name))
    to_uri = target.text.split("?", 1)[0]
    rows += [
        ("sip_full_from", f"{display}<sip:{cid_number}@{LOCAL_IP}>;tag={from_tag}"),
        ("sip_full_to", f"<{to_uri}>;tag={to_tag}"),
        ("sip_from_user", cid_number),
        ("sip_from_uri", f"{cid_number}@{LOCAL_IP}"),
        ("sip_from_host", LOCAL_IP),
    ]
    if to_params:
        rows.append(("sip_to_params", to_params))
    rows += [
        ("sip_to_user", target.user),
        ("sip_to_port", port),
        ("sip_to_uri", target.user_at_hostport),
        ("sip_to_host", target.host),
        ("sip_contact_params", f"transport={transport}"),
        ("sip_contact_user", "nobody"),
        ("sip_contact_port", port),
        ("sip_contact_uri", f"nobody@{target.hostport}"),
        ("sip_contact_host", target.host),
        ("sip_to_tag", to_tag),
        ("sip_from_tag", from_tag),
        ("sip_cseq", str(random.randrange(100_000_000, 200_000_000))),
        ("sip_call_id", call_id),
    ]
    return rows


def media_vars(local_port: int, remote_port: int) -> Pairs:
    """What the switch knows once media is negotiated (200 OK or 183 with SDP)."""
    return [
        ("switch_r_sdp", remote_sdp(remote_port)),
        ("ep_codec_string", "CORE_PCM_MODULE.PCMU@8000h@20i@64000b"),
        ("remote_video_media_flow", "inactive"),
        ("remote_text_media_flow", "inactive"),
        ("remote_audio_media_flow", "sendrecv"),
        ("audio_media_flow", "sendrecv"),
        ("rtp_audio_recv_pt", "0"),
        ("rtp_use_codec_name", "PCMU"),
        ("rtp_use_codec_rate", "8000"),
        ("rtp_use_codec_ptime", "20"),
        ("rtp_use_codec_channels", "1"),
        ("rtp_last_audio_codec_string", "PCMU@8000h@20i@1c"),
        ("read_codec", "PCMU"),
        ("original_read_codec", "PCMU"),
        ("read_rate", "8000"),
        ("original_read_rate", "8000"),
        ("write_codec", "PCMU"),
        ("write_rate", "8000"),
        ("dtmf_type", "rfc2833"),
        ("local_media_ip", LOCAL_IP),
        ("local_media_port", str(local_port)),
        ("advertised_media_ip", LOCAL_IP),
        ("rtp_use_timer_name", "soft"),
        ("rtp_use_pt", "0"),
        ("rtp_use_ssrc", str(random.randrange(1, 2**32))),
        ("rtp_2833_send_payload", "101"),
        ("rtp_2833_recv_payload", "101"),
        ("remote_media_ip", "127.0.0.1"),
        ("remote_media_port", str(remote_port)),
    ]


def inbound_vars(
    uuid: str,
    session_id: int,
    profile: str,
    sip_port: int,
    channel_name: str,
    destination: str,
    caller_number: str,
    caller_name: str,
    caller_host: str,
    caller_port: int,
    headers: Iterable[tuple[str, str]],
    remote_port: int,
    invite_us: int,
) -> Pairs:
    """The variables of an inbound call's CHANNEL_CREATE (trace s7)."""
    call_id = f"{random.randrange(1, 9999)}-{random.randrange(1000, 9999)}@{caller_host}"
    from_tag = f"{random.randrange(1000, 9999)}SIPpTag09{random.randrange(10)}"
    display = f'"{caller_name}" ' if caller_name else ""
    local = f"{LOCAL_IP}:{sip_port}"
    rows: Pairs = [
        ("direction", "inbound"),
        ("uuid", uuid),
        ("call_uuid", uuid),
        ("session_id", str(session_id)),
        ("sip_from_user", caller_number),
        ("sip_from_port", str(caller_port)),
        ("sip_from_uri", f"{caller_number}@{caller_host}:{caller_port}"),
        ("sip_from_host", caller_host),
        ("video_media_flow", "disabled"),
        ("audio_media_flow", "disabled"),
        ("text_media_flow", "disabled"),
        ("channel_name", channel_name),
        ("sip_call_id", call_id),
        ("sip_local_network_addr", LOCAL_IP),
        ("sip_network_ip", caller_host),
        ("sip_network_port", str(caller_port)),
        ("sip_invite_stamp", str(invite_us)),
        ("sip_received_ip", caller_host),
        ("sip_received_port", str(caller_port)),
        ("sip_via_protocol", "udp"),
    ]
    stripped = caller_number.lstrip("+")
    if stripped != caller_number:
        rows.append(("sip_from_user_stripped", stripped))
    rows += [
        ("sip_from_tag", from_tag),
        ("sofia_profile_name", profile),
        ("sofia_profile_url", f"sip:mod_sofia@{local}"),
        ("recovery_profile_name", profile),
        ("sip_full_via", f"SIP/2.0/UDP {caller_host}:{caller_port};branch=z9hG4bK-{token(8)}"),
    ]
    if caller_name:
        rows.append(("sip_from_display", caller_name))
    rows += [
        (
            "sip_full_from",
            f"{display}<sip:{caller_number}@{caller_host}:{caller_port}>;tag={from_tag}",
        ),
        ("sip_full_to", f"<sip:{destination}@{local}>"),
        ("sip_req_user", destination),
        ("sip_req_port", str(sip_port)),
        ("sip_req_uri", f"{destination}@{local}"),
        ("sip_req_host", LOCAL_IP),
        ("sip_to_user", destination),
        ("sip_to_port", str(sip_port)),
        ("sip_to_uri", f"{destination}@{local}"),
        ("sip_to_host", LOCAL_IP),
        ("sip_contact_user", "caller"),
        ("sip_contact_port", str(caller_port)),
        ("sip_contact_uri", f"caller@{caller_host}:{caller_port}"),
        ("sip_contact_host", caller_host),
        ("rtp_use_codec_string", DEFAULT_CODECS),
        ("sip_via_host", caller_host),
        ("sip_via_port", str(caller_port)),
        ("max_forwards", "70"),
    ]
    rows += header_vars("sip_h_", headers)
    rows += [
        ("switch_r_sdp", remote_sdp(remote_port)),
        ("ep_codec_string", "CORE_PCM_MODULE.PCMU@8000h@20i@64000b"),
        ("endpoint_disposition", "DELAYED NEGOTIATION"),
    ]
    return rows
