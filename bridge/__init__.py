"""cxml-bridge: SignalWire/Twilio-style cXML voice applications on FreeSWITCH."""

__version__ = "0.1.0"
