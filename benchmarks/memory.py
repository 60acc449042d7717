"""Resident memory of the current process, with the peak reset before each timed run."""

from __future__ import annotations

import resource
from pathlib import Path

_STATUS = Path("/proc/self/status")


def _status_kib(field: str) -> int | None:
    try:
        text = _STATUS.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def reset_peak() -> bool:
    """Reset the kernel's peak RSS (VmHWM) of this process to its current RSS.

    Linux allows it through /proc/self/clear_refs; elsewhere the peak stays the peak of the
    whole process, which includes setup work, and is reported as such.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def current_kib() -> int:
    value = _status_kib("VmRSS")
    return value if value is not None else peak_kib()


def peak_kib() -> int:
    value = _status_kib("VmHWM")
    if value is not None:
        return value
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
