"""The CDR variables FreeSWITCH writes before CHANNEL_HANGUP_COMPLETE (pure).

switch_channel_set_timestamps: stamps, epochs, and the durations in seconds
(differences of whole epoch seconds), milliseconds and microseconds; the
`flow_bill*` spans only for answered calls; RTP statistics once media was up.
"""

from __future__ import annotations

from tests.fakeswitch.causes import q850
from tests.fakeswitch.channel import Channel
from tests.fakeswitch.clock import date_local

RTP_STATS = [
    ("rtp_audio_in_raw_bytes", "0"),
    ("rtp_audio_in_media_bytes", "0"),
    ("rtp_audio_in_packet_count", "0"),
    ("rtp_audio_in_media_packet_count", "0"),
    ("rtp_audio_in_skip_packet_count", "0"),
    ("rtp_audio_in_jitter_packet_count", "0"),
    ("rtp_audio_in_dtmf_packet_count", "0"),
    ("rtp_audio_in_cng_packet_count", "0"),
    ("rtp_audio_in_flush_packet_count", "0"),
    ("rtp_audio_in_largest_jb_size", "0"),
    ("rtp_audio_in_jitter_min_variance", "0.00"),
    ("rtp_audio_in_jitter_max_variance", "0.00"),
    ("rtp_audio_in_jitter_loss_rate", "0.00"),
    ("rtp_audio_in_jitter_burst_rate", "0.00"),
    ("rtp_audio_in_mean_interval", "0.00"),
    ("rtp_audio_in_flaw_total", "0"),
    ("rtp_audio_in_quality_percentage", "100.00"),
    ("rtp_audio_in_mos", "4.50"),
    ("rtp_audio_out_raw_bytes", "0"),
    ("rtp_audio_out_media_bytes", "0"),
    ("rtp_audio_out_packet_count", "0"),
    ("rtp_audio_out_media_packet_count", "0"),
    ("rtp_audio_out_skip_packet_count", "0"),
    ("rtp_audio_out_dtmf_packet_count", "0"),
    ("rtp_audio_out_cng_packet_count", "0"),
    ("rtp_audio_rtcp_packet_count", "0"),
    ("rtp_audio_rtcp_octet_count", "0"),
]


def cdr_variables(channel: Channel) -> list[tuple[str, str]]:
    """What switch_channel_set_timestamps writes before CHANNEL_HANGUP_COMPLETE."""
    times = channel.times
    start, end = times.created, times.hangup
    answer, progress, media, bridge = (
        times.answered,
        times.progress,
        times.progress_media,
        times.bridged,
    )
    profile_start = times.profile_start or start

    def epoch(us: int) -> int:
        return us // 1_000_000

    def since(us: int) -> tuple[int, int, int]:
        if not us:
            return 0, 0, 0
        return epoch(us) - epoch(start), (us - start) // 1000, us - start

    rows = [
        ("hangup_cause", channel.hangup_cause),
        ("hangup_cause_q850", str(q850(channel.hangup_cause))),
        ("digits_dialed", "none"),
        ("start_stamp", date_local(start)),
        ("profile_start_stamp", date_local(profile_start)),
    ]
    for name, us in (
        ("answer", answer),
        ("bridge", bridge),
        ("progress", progress),
        ("progress_media", media),
    ):
        if us:
            rows.append((f"{name}_stamp", date_local(us)))
    rows.append(("end_stamp", date_local(end)))
    for name, us in (
        ("start", start),
        ("profile_start", profile_start),
        ("answer", answer),
        ("bridge", bridge),
        ("last_hold", 0),
    ):
        rows += [(f"{name}_epoch", str(epoch(us))), (f"{name}_uepoch", str(us))]
    rows += [("hold_accum_seconds", "0"), ("hold_accum_usec", "0"), ("hold_accum_ms", "0")]
    for name, us in (("resurrect", 0), ("progress", progress), ("progress_media", media)):
        rows += [(f"{name}_epoch", str(epoch(us))), (f"{name}_uepoch", str(us))]
    rows += [("end_epoch", str(epoch(end))), ("end_uepoch", str(end))]
    if channel.last_app:
        rows.append(("last_app", channel.last_app))
    name, number = channel.profile.caller_id_name, channel.profile.caller_id_number
    rows.append(("caller_id", f'"{name}" <{number}>' if name else number))
    duration = since(end)
    bill = (
        (epoch(end) - epoch(answer), (end - answer) // 1000, end - answer) if answer else (0, 0, 0)
    )
    flow = duration if answer else (0, 0, 0)
    spans = {
        "duration": duration,
        "bill": bill,
        "progress": since(progress),
        "answer": since(answer),
        "wait": since(bridge),
        "progress_media": since(media),
        "flow_bill": flow,
    }
    for unit, index, suffix in (("sec", 0, "sec"), ("msec", 1, "msec"), ("usec", 2, "usec")):
        for span, values in spans.items():
            if span == "duration":
                key = {"sec": "duration", "msec": "mduration", "usec": "uduration"}[unit]
            else:
                key = f"{span}{suffix}"
            rows.append((key, str(values[index])))
    return rows
