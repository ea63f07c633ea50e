"""Numbers as the report prints them. Decimal units throughout, always labelled:
MB/s = 10^6 bytes/s, Mbit/s = 10^6 bits/s, GB = 10^9 bytes. "-" stands for "not measured".
"""

from __future__ import annotations

from collections.abc import Iterable

NONE = "-"


def _decimals(value: float, small: int) -> str:
    """`small` decimals below 1,000 (lab links), none above (real links): 187.8, 93,000."""
    return f"{value:,.{small if abs(value) < 1000 else 0}f}"


def mbit(bytes_per_s: float | None) -> str:
    return NONE if bytes_per_s is None else _decimals(bytes_per_s * 8 / 1e6, 1)


def mbyte(bytes_per_s: float | None) -> str:
    return NONE if bytes_per_s is None else _decimals(bytes_per_s / 1e6, 2)


def mbyte_whole(bytes_per_s: float | None) -> str:
    """Required rates, round by nature: 1,900 MB/s."""
    return NONE if bytes_per_s is None else f"{bytes_per_s / 1e6:,.0f}"


def pct(value: float | None, whole: float | None) -> str:
    return NONE if value is None or not whole else f"{100 * value / whole:.1f}%"


def number(value: float | None, digits: int = 0) -> str:
    return NONE if value is None else f"{value:,.{digits}f}"


def ratio(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}x"


def seconds(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def _scaled(value: float, units: Iterable[tuple[float, str]]) -> str:
    """In the largest unit the value reaches: 105 GB, 46.9 MB/s, 2.6 GB/s."""
    scale, unit = next((s, u) for s, u in units if abs(value) >= s or s == 1)
    scaled = value / scale
    return f"{scaled:.{0 if abs(scaled) >= 100 else 1}f} {unit}"


def size(nbytes: float | None) -> str:
    """105 GB, 512 MB, 150 kB (decimal)."""
    if nbytes is None:
        return NONE
    return _scaled(nbytes, ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1, "B")))


def rate(bytes_per_s: float | None) -> str:
    """2.6 GB/s, 47.0 MB/s (decimal)."""
    if bytes_per_s is None:
        return NONE
    return _scaled(bytes_per_s, ((1e9, "GB/s"), (1e6, "MB/s"), (1e3, "kB/s"), (1, "B/s")))


def duration(secs: float | None) -> str:
    """41 s, 14 min, 2.3 h: the unit a person would say."""
    if secs is None:
        return NONE
    if secs < 120:
        return f"{secs:.0f} s" if secs >= 10 else f"{secs:.1f} s"
    if secs < 7200:
        return f"{secs / 60:.0f} min"
    return f"{secs / 3600:.1f} h"


def share(fraction: float | None) -> str:
    """0.05 -> "5 %"."""
    return NONE if fraction is None else f"{100 * fraction:g} %"
