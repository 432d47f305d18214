"""Instruments: objects that attach to a model and record what it does (Hook objects,
the Inspector writing inspector.log.jsonl). They run inside the engine's events."""
