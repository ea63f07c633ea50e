"""tbf sizing of the lab's shaped ports."""

from __future__ import annotations

import pytest

from railmount.lab import shaping


@pytest.mark.parametrize("rate", [10, 50, 200, 400, 1000, 10000])
@pytest.mark.parametrize("mtu", [1500, 9000])
def test_tbf_burst_covers_frames_tick_and_gso(rate: int, mtu: int) -> None:
    burst, limit = shaping.tbf_params(rate, mtu)
    assert burst >= 2 * mtu
    assert burst >= rate * 1_000_000 / 8 / shaping.KERNEL_HZ
    assert burst > 65536  # a whole GSO packet passes without being split
    assert limit >= burst + shaping.TBF_MIN_QUEUE


def test_tbf_200mbit_numbers() -> None:
    assert shaping.tbf_params(200, 9000) == (100_000, 725_000)
