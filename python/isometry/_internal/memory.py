"""Memory estimates: refuse work that would not fit before allocating anything."""

from __future__ import annotations

import os
from pathlib import Path

GIB = float(1 << 30)
# Leave room for the interpreter, numpy temporaries and the rest of the machine.
_USABLE_FRACTION = 0.85


def available_bytes() -> int:
    """Memory this process can still take: MemAvailable, capped by a cgroup limit if one is set."""
    available = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return 1 << 62  # unknown platform: do not refuse
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if limit != "max":
            available = min(available, int(limit) - used)
    except (OSError, ValueError):
        pass
    headroom = _address_space_headroom()
    if headroom is not None:
        available = min(available, headroom)
    return max(int(available), 0)


def _address_space_headroom() -> int | None:
    """What an address-space limit (``ulimit -v``, RLIMIT_AS) still allows this process to map,
    or None without one: under such a cap an allocation fails long before physical memory runs
    out, so the estimate must be checked against it too."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        mapped = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
    return max(int(soft) - mapped, 0)


def require(what: str, needed_bytes: int) -> None:
    """Raise MemoryError stating the estimate if `needed_bytes` does not fit."""
    available = available_bytes()
    if needed_bytes > _USABLE_FRACTION * available:
        # An integer estimate can exceed the double range (a grid of 10**400 points).
        needed = f"{needed_bytes / GIB:.2f}" if needed_bytes < 2**1000 else "more than 1e290"
        raise MemoryError(
            f"{what} needs about {needed} GiB but only "
            f"{available / GIB:.2f} GiB of memory is available; reduce the size"
        )
