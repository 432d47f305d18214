"""Callbacks for the trainers people already use, writing trainprobe's run directory.

`trainprobe.integrations.lightning` (extra `[lightning]`) and `trainprobe.integrations.hf`
(extra `[hf]`). Nothing here is imported by the core package, so trainprobe imports and
runs without either framework; importing one without its extra is a one-line error that
names the `pip install` to run.
"""

#: nothing at package level: import trainprobe.integrations.lightning or .hf, each needing
#: its extra
__all__: list[str] = []
