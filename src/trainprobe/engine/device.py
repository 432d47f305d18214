"""Device choice and mixed precision."""

from __future__ import annotations

import contextlib

import torch

from ..errors import ConfigError

__all__ = ["autocast", "choose_device", "needs_grad_scaler"]


def choose_device(name: str = "auto") -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}", "use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} asked for, but CUDA is not available",
                          "use --device cpu or device: auto")
    return device


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    """bf16 autocast where the device supports it (cpu, recent cuda), fp16 otherwise."""
    if not enabled:
        return contextlib.nullcontext()
    dtype = _amp_dtype(device)
    return torch.autocast(device_type=device.type, dtype=dtype)


def _amp_dtype(device: torch.device) -> torch.dtype:
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.bfloat16


def needs_grad_scaler(device: torch.device, enabled: bool) -> bool:
    return enabled and _amp_dtype(device) == torch.float16 and device.type == "cuda"
