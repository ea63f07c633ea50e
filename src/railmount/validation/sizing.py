"""Which training workloads a host can feed, judged by the measurement that matches.

The table is data: the reference architecture's read rates for one 8-GPU server
(railmount_sizing.reference, on by default) plus the site's own rows
(railmount_sizing.workloads, e.g. MLPerf Storage's per-accelerator rates times GPUs per
host). Each row is judged against the file-per-sample read rate measured at its image
size when the workload suite measured it, else against the big-block all-mounts rate.
"""

from __future__ import annotations

from typing import Any

from railmount.model import SizingSettings
from railmount.validation.records import SizingRow

MB = 1_000_000
GB = 1_000_000_000

# Reference architecture: bytes/s one DGX-1 needs, at 150 KB and at 1 MB images.
REFERENCE_TABLE: tuple[tuple[str, float, float], ...] = (
    ("Inception-v3", 290 * MB, 1.90 * GB),
    ("ResNet-50", 430 * MB, 2.90 * GB),
    ("ResNet-152", 210 * MB, 1.40 * GB),
    ("AlexNet", 1200 * MB, 8.0 * GB),
    ("VGG16", 140 * MB, 1.0 * GB),
)


def table(settings: SizingSettings) -> list[tuple[str, str, float]]:
    """(workload, image size label, bytes/s one host needs), reference rows first."""
    rows: list[tuple[str, str, float]] = []
    if settings.reference:
        for name, small, large in REFERENCE_TABLE:
            rows += [(name, "150KB", small), (name, "1MB", large)]
    rows += [(w.name, w.image_size, w.read_mb_s * MB) for w in settings.workloads]
    return rows


def sizing(
    settings: SizingSettings,
    bandwidth_bytes_per_s: float | None,
    workload_io: dict[str, dict[str, Any]] | None = None,
) -> list[SizingRow]:
    """One row per workload and image size: what it needs, what was measured, fed or not."""
    out = []
    for name, size, need in table(settings):
        measured = (workload_io or {}).get(size)
        if measured is not None:
            rate, source = float(measured["read_bytes_per_s"]), "workload_io"
        elif bandwidth_bytes_per_s is not None:
            rate, source = bandwidth_bytes_per_s, "bandwidth"
        else:
            continue
        out.append(
            SizingRow(
                workload=name,
                image_size=size,
                required_bytes_per_s=need,
                measured_bytes_per_s=rate,
                fed=rate >= need,
                headroom=round(rate / need, 3),
                source=source,
            )
        )
    return out
