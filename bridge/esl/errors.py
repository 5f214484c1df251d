"""Errors raised by the Event Socket adapter.

    EslError                    anything that went wrong talking to FreeSWITCH
      UnsafeCommand             command text holds CR, LF or NUL (or is not text); never sent
      ConnectFailed             no TCP connection, or it closed before `auth/request` (retried)
      AuthenticationFailed      the password was refused (`-ERR invalid`); never retried
      AccessDenied              the switch's ACL refused us (`text/rude-rejection`); never retried
      ConnectionLost            the socket dropped, the switch restarted or said goodbye,
                                or we are between connections; pending commands fail with it
      CommandTimeout            no reply within the timeout; the connection stays up
      CommandFailed             the switch answered a command with `-ERR ...`
      ProtocolError             bytes that are not the Event Socket protocol; the connection
                                is dropped (and re-established) when it happens

`UnsafeCommand` is also a `ValueError`, because it is the caller's input that
is wrong, and `CommandTimeout` is also a `TimeoutError`, so generic handlers
recognise them.
"""

from __future__ import annotations


class EslError(Exception):
    """Base of every error the adapter raises."""


class UnsafeCommand(EslError, ValueError):
    """Command text that could smuggle a second command or header onto the socket."""


class ConnectFailed(EslError):
    """No usable connection could be opened (refused, timed out, closed early)."""


class AuthenticationFailed(EslError):
    """FreeSWITCH refused the password. Retrying would only repeat the refusal."""


class AccessDenied(EslError):
    """FreeSWITCH's ACL rejected our address (`text/rude-rejection`)."""


class ConnectionLost(EslError):
    """The connection is gone (or not there yet); what was pending on it failed."""


class CommandTimeout(EslError, TimeoutError):
    """No reply arrived in time. The command may still run on the switch."""


class CommandFailed(EslError):
    """The switch replied `-ERR ...` to a command that must succeed."""


class ProtocolError(EslError):
    """The switch sent bytes that do not follow the Event Socket framing."""
