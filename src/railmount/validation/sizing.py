"""Which training workloads a host's measured read bandwidth can feed.

Read throughput one 8-GPU server needs, from the reference architecture's sizing
table, for 150 KB and 1 MB training images.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1_000_000
GB = 1_000_000_000


@dataclass(frozen=True)
class Workload:
    name: str
    small_images: float  # bytes/s with 150 KB images
    large_images: float  # bytes/s with 1 MB images


REFERENCE_TABLE = (
    Workload("Inception-v3", 290 * MB, 1.90 * GB),
    Workload("ResNet-50", 430 * MB, 2.90 * GB),
    Workload("ResNet-152", 210 * MB, 1.40 * GB),
    Workload("AlexNet", 1200 * MB, 8.0 * GB),
    Workload("VGG16", 140 * MB, 1.0 * GB),
)


def sizing(read_bytes_per_s: float) -> list[dict[str, object]]:
    """One row per workload and image size: required rate, and whether the host meets it."""
    rows: list[dict[str, object]] = []
    for workload in REFERENCE_TABLE:
        for label, need in (("150KB", workload.small_images), ("1MB", workload.large_images)):
            rows.append(
                {
                    "workload": workload.name,
                    "image_size": label,
                    "required_bytes_per_s": need,
                    "measured_bytes_per_s": read_bytes_per_s,
                    "fed": read_bytes_per_s >= need,
                    "headroom": round(read_bytes_per_s / need, 3),
                }
            )
    return rows
