"""Instruments: objects that attach to a model and record what it does (Hook objects,
the quantities they compute, the Inspector writing inspector.log.jsonl). They run inside
the engine's events."""

from .inspector import Inspector, InspectorCallback

__all__ = ["Inspector", "InspectorCallback"]
