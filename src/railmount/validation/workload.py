"""File-per-sample training reads: what the storage gives a data loader.

Per image size (150 KB and 1 MB by default) one data set of many files lives in the
filesystem, shared by every host as a training set is. Readers (fio jobs) on every mount
pick files at random and read each whole file with O_DIRECT, opening and closing it per
sample (`openfiles=1` with size-based loops: a time-based fio would keep files open and
hide the per-file open/GETATTR round trips that starve GPUs on small files). The
client's caches are dropped before each run; O_DIRECT keeps file data out of the page
cache. The array may serve the data set from its own cache, as a real array would.

files/s, MB/s and read latency come from fio; the split over the storage ports comes
from the ports' byte counters over the same run.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from railmount.model import ValidateSettings
from railmount.planner import HostPlan
from railmount.validation import fio_run
from railmount.validation.records import WorkloadIO

Run = Any  # callable(script) -> stdout
UNITS = {"KB": 1000, "MB": 1000**2, "KiB": 1024, "MiB": 1024**2}
# Size-based runs end at --runtime; loops keep them reading until then. No --ramp_time:
# with size-based loops fio 3.33 then never stops (seen on the lab).
LOOPS = 1_000_000


def size_bytes(label: str) -> int:
    """'150KB' -> 150000, '1MB' -> 1000000, '128KiB' -> 131072."""
    match = re.fullmatch(r"([1-9][0-9]*)(KB|MB|KiB|MiB)", label)
    if not match:
        raise ValueError(f"not an image size: {label!r}")
    return int(match[1]) * UNITS[match[2]]


@dataclass(frozen=True)
class DataSet:
    label: str
    file_bytes: int
    files: int

    def directory(self, mount_path: str, settings: ValidateSettings) -> str:
        return f"{mount_path}/{settings.test_dir}/dataset-{self.label}"


def data_set(label: str, settings: ValidateSettings, readers: int) -> DataSet:
    size = size_bytes(label)
    files = max(settings.workload.dataset_mb * 1_000_000 // size, 4 * readers)
    return DataSet(label, size, int(files))


def prepare_script(plan: HostPlan, settings: ValidateSettings, ds: DataSet) -> str:
    """Create the data set through the first mount unless a complete one is there."""
    q = shlex.quote
    directory = q(ds.directory(plan.mounts[0].path, settings))
    marker = f"{ds.files} {ds.file_bytes}"
    fio = [
        "fio", "--name=dataset", f"--directory={ds.directory(plan.mounts[0].path, settings)}",
        "--filename_format=sample.$filenum", f"--nrfiles={ds.files}",
        f"--filesize={ds.file_bytes}", f"--bs={ds.file_bytes}", "--rw=write",
        "--file_service_type=sequential", "--direct=1", "--output-format=terse",
    ]  # fmt: skip
    return (
        f'if [ "$(cat {directory}/.complete 2>/dev/null)" != "{marker}" ]; then\n'
        f"  rm -rf {directory} && mkdir -p {directory} && "
        f"{' '.join(q(a) for a in fio)} >/dev/null 2>&1 && echo {q(marker)} > {directory}/.complete"
        " || { echo 'railmount: could not create the data set' >&2; exit 3; }\n"
        "fi\n"
    )


def fio_args(plan: HostPlan, settings: ValidateSettings, ds: DataSet) -> list[str]:
    readers = settings.workload.readers_per_mount
    args = [
        "--direct=1", "--ioengine=psync", "--thread", "--group_reporting",
        "--rw=randread", f"--bs={ds.file_bytes}", "--file_service_type=random",
        "--openfiles=1", f"--loops={LOOPS}", f"--runtime={settings.workload.runtime_s}",
    ]  # fmt: skip
    for mount in plan.mounts:
        args += [
            f"--name={mount.vip}",
            f"--opendir={ds.directory(mount.path, settings)}",
            f"--numjobs={readers}",
        ]
    return args


def read_script(
    plan: HostPlan, settings: ValidateSettings, ds: DataSet, start_at: float | None = None
) -> str:
    """Caches dropped, then the data set listed through every mount, as a data loader
    builds its file list at start: fio's own listing then costs no round trips, so hosts
    told to start together start reading together (on the lab, listing over the wire made
    fio's start differ by up to 6 s between hosts). Each sample's open still revalidates
    the file with the array (NFS close-to-open), which is the cost being measured."""
    ports = [p.name for p in plan.ports]
    args = fio_args(plan, settings, ds)
    dirs = " ".join(shlex.quote(ds.directory(m.path, settings)) for m in plan.mounts)
    before = f"{fio_run.DROP_CACHES}\nls -f -l {dirs} >/dev/null"
    return fio_run.script(ports, args, None, before=before, start_at=start_at)


def summarize(plan: HostPlan, settings: ValidateSettings, ds: DataSet, out: str) -> WorkloadIO:
    run = fio_run.parse(out, [p.name for p in plan.ports])
    rate = run.total("read", "bw_bytes")
    return WorkloadIO(
        files_per_s=round(run.total("read", "iops"), 1),
        read_bytes_per_s=rate,
        p50_latency_ms=fio_run.percentile_ms(run, "read", "50.000000"),
        p99_latency_ms=fio_run.percentile_ms(run, "read", "99.000000"),
        files=ds.files,
        file_bytes=ds.file_bytes,
        readers=settings.workload.readers_per_mount * len(plan.mounts),
        errors=run.job_errors + (1 if run.rc != 0 else 0),
        error_text="; ".join(run.errors[:3]),
        # fio's rate split by where the bytes arrived (wire bytes include headers and
        # the run's few metadata replies; their shares are what counts)
        links={p: {"read_bytes_per_s": rate * s} for p, s in fio_run.shares(run.rx).items()},
    )


def measure(run: Run, plan: HostPlan, settings: ValidateSettings) -> dict[str, WorkloadIO]:
    """Every configured image size on one host (creating missing data sets first)."""
    results = {}
    readers = settings.workload.readers_per_mount * len(plan.mounts)
    for label in settings.workload.image_sizes:
        ds = data_set(label, settings, readers)
        run(prepare_script(plan, settings, ds))
        results[label] = summarize(plan, settings, ds, run(read_script(plan, settings, ds)))
    return results
