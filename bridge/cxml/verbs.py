"""The verbs around `<Dial>`: `<Hangup>`, `<Reject>`, `<Pause>`, `<Redirect>`, `<Say>`, `<Play>`.

Choices beyond the spec: `<Say>` text is 1..4096 printable characters once
runs of whitespace are folded to one space, voice
is 1..64 of letters, digits and ``. _ : -`` (``woman``, ``Polly.Joanna``),
language a tag like ``en-US``; loop (Say and Play) is 0..1000, 0 meaning
"until the call ends" as on the hosted platforms. `<Play>` takes a URL or
digits (``0-9 # * w W``, at most 64), exactly one of them. Verbs that take no
text (`<Hangup>`, `<Reject>`, `<Pause>`) report text or children as problems.

This module does no I/O.
"""

from __future__ import annotations

import re

from lxml import etree

from bridge.cxml.models import (
    PAUSE_LENGTH_DEFAULT,
    PAUSE_LENGTH_RANGE,
    Hangup,
    Pause,
    Play,
    Redirect,
    Reject,
    RejectReason,
    Say,
)
from bridge.cxml.reader import MAX_TEXT_CHARS, ElementReader, ParseContext

LOOP_RANGE = (0, 1000)
_VOICE = re.compile(r"[A-Za-z0-9._:\-]{1,64}\Z")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}\Z")
_PLAY_DIGITS = re.compile(r"[0-9#*wW]{1,64}\Z")


def _no_text(r: ElementReader) -> None:
    if r.text():
        r.problem(f"<{r.name}> takes no text")


def read_hangup(element: etree._Element, context: ParseContext) -> Hangup:
    r = ElementReader(element, context)
    _no_text(r)
    r.finish()
    return Hangup(line=r.line)


def read_reject(element: etree._Element, context: ParseContext) -> Reject:
    r = ElementReader(element, context)
    _no_text(r)
    reject = Reject(line=r.line, reason=r.choice("reason", RejectReason, RejectReason.REJECTED))
    r.finish()
    return reject


def read_pause(element: etree._Element, context: ParseContext) -> Pause:
    r = ElementReader(element, context)
    _no_text(r)
    pause = Pause(
        line=r.line, length=r.integer("length", PAUSE_LENGTH_DEFAULT, *PAUSE_LENGTH_RANGE)
    )
    r.finish()
    return pause


def read_redirect(element: etree._Element, context: ParseContext) -> Redirect | None:
    r = ElementReader(element, context)
    text = r.text()
    url = r.resolve_url(text, None) if text else None
    if not text:
        r.problem("empty <Redirect>: it needs the URL to fetch next")
    redirect = Redirect(url=url or "", line=r.line, method=r.method("method"))
    r.finish()
    return redirect if url is not None else None


def read_say(element: etree._Element, context: ParseContext) -> Say | None:
    r = ElementReader(element, context)
    # Hand-written documents wrap long prompts over lines; speech does not care,
    # so runs of whitespace become one space before the printable-text rule.
    text = " ".join(r.text().split())
    say = Say(
        text=text,
        line=r.line,
        voice=r.text_value("voice", 64, _VOICE, "a voice name (letters, digits, . _ : -)"),
        language=r.text_value("language", 20, _LANGUAGE, "a language tag like en-US"),
        loop=r.integer("loop", 1, *LOOP_RANGE),
    )
    r.finish()
    return say if r.check_text(text, MAX_TEXT_CHARS) else None


def read_play(element: etree._Element, context: ParseContext) -> Play | None:
    r = ElementReader(element, context)
    text = r.text()
    url = r.resolve_url(text, None) if text else None
    loop = r.integer("loop", 1, *LOOP_RANGE)
    digits = r.text_value("digits", 64, _PLAY_DIGITS, "1..64 of 0-9, #, * and w/W")
    r.finish()
    has_digits = "digits" in element.attrib
    if text and has_digits:
        r.problem("<Play> takes a URL or digits, not both")
        return None
    if not text and not has_digits:
        r.problem("empty <Play>: it needs a URL (or a digits attribute)")
        return None
    if url is None and digits is None:
        return None
    return Play(url=url, line=r.line, loop=loop, digits=digits)
