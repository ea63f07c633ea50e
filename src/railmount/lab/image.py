"""Build (once) and cache the Debian bookworm guest image the lab's GPU servers boot.

Layout under the image dir (spec.image_dir; default $RAILMOUNT_LAB_DIR/image or
~/.cache/railmount/image):

    <image_dir>/bookworm-<hash>/   one finished build, named by the recipe hash
        disk.img                   2 GB sparse ext4, label "root", booted as /dev/vda
        vmlinuz, initrd.img        for QEMU direct kernel boot
        id_ed25519(.pub)           lab SSH key; the public half is root's authorized key
        build.json                 recipe hash, kernel, build seconds per stage
    <image_dir>/.build-*/          an unfinished build (renamed into place only when done)
    <image_dir>/build.log          mmdebstrap/mke2fs output of the last build
    <image_dir>/.lock              serialises concurrent builds

Run `python -m railmount.lab.image [IMAGE_DIR]` to warm the cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from railmount.lab.proc import CommandError, Progress, run, stderr_progress

# Bump when the build steps change in a way the hashed data below does not capture.
RECIPE_VERSION = 1
SUITE = "bookworm"
DISK_SIZE = "2G"
# Every guest is on its own slirp network, so they can all share one management MAC.
MGMT_MAC = "52:54:00:12:34:56"
MGMT_IFNAME = "mgmt0"

PACKAGES: tuple[str, ...] = (
    "netbase",  # /etc/protocols: without it mount.nfs fails to find 'tcp'
    "systemd",
    "systemd-sysv",
    "udev",
    "dbus",
    "openssh-server",
    "python3",
    "python3-apt",  # Ansible's apt/package modules; DGX OS ships it
    "nfs-common",
    "iproute2",
    "netplan.io",
    "fio",
    "lldpd",
    "linux-image-amd64",
    "initramfs-tools",
    "kmod",
    "procps",
    "iputils-ping",
    "iputils-arping",
    "ethtool",
    "coreutils",
    "jq",
    "tcpdump",
)

# Units masked so boot is quick and nothing in the guest wants the internet. Not
# systemd-networkd-wait-online: without it network-online.target comes before networkd
# has configured the storage ports, and an fstab NFS mount (_netdev) can race its route
# at boot and fail for good (the lab's reboot test caught /mnt/nfs0 unmounted, 1 run in 4).
MASKED_UNITS: tuple[str, ...] = (
    "systemd-firstboot.service",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "man-db.timer",
    "e2scrub_all.timer",
    "fstrim.timer",
)
ENABLED_UNITS: tuple[str, ...] = ("systemd-networkd.service", "ssh.service")

# Only the management NIC is configured here; storage NICs stay unconfigured so the
# railmount deploy (netplan matching their inventory MACs) is what brings them up.
# No default route or DNS from slirp: the guest has nowhere to go but the lab.
MGMT_NETPLAN = f"""\
network:
  version: 2
  renderer: networkd
  ethernets:
    {MGMT_IFNAME}:
      match:
        macaddress: "{MGMT_MAC}"
      set-name: {MGMT_IFNAME}
      dhcp4: true
      dhcp4-overrides:
        use-routes: false
        use-dns: false
      dhcp6: false
      accept-ra: false
"""

SSHD_CONFIG = """\
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
"""

# Root autologin on the serial console: `railmount lab console` is for when SSH is broken.
SERIAL_AUTOLOGIN = """\
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
"""

# path in rootfs -> (content, mode)
FILES: dict[str, tuple[str, int]] = {
    "etc/netplan/01-mgmt.yaml": (MGMT_NETPLAN, 0o600),
    "etc/ssh/sshd_config.d/railmount.conf": (SSHD_CONFIG, 0o644),
    "etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf": (SERIAL_AUTOLOGIN, 0o644),
    "etc/fstab": ("/dev/vda / ext4 rw,noatime 0 0\n", 0o644),
    "etc/hostname": ("railmount-guest\n", 0o644),
    "etc/hosts": ("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n", 0o644),
    # Empty: each guest's systemd generates its own machine-id on first boot.
    "etc/machine-id": ("", 0o444),
}

# Docs, man pages and translations only slow the build and mke2fs down.
DPKG_OPTS: tuple[str, ...] = (
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/locale/*",
    "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/info/*",
)

KEY_NAME = "id_ed25519"
HOST_KEY_NAME = "ssh_host_ed25519_key.pub"  # the guests' SSH host key (all share the image's)


@dataclass(frozen=True)
class GuestImage:
    """A finished, cached build."""

    dir: Path
    disk: Path
    kernel: Path
    initrd: Path
    ssh_key: Path  # private key; root@guest accepts it
    build_seconds: float | None

    @classmethod
    def at(cls, path: Path) -> GuestImage:
        info = _read_json(path / "build.json")
        seconds = info.get("build_seconds")
        return cls(
            dir=path,
            disk=path / "disk.img",
            kernel=path / "vmlinuz",
            initrd=path / "initrd.img",
            ssh_key=path / KEY_NAME,
            build_seconds=float(seconds) if seconds is not None else None,
        )

    def host_key(self) -> str:
        """The guests' public SSH host key ("ssh-ed25519 AAAA..."), for known_hosts.

        Saved at build time; read out of disk.img (debugfs, no mount) for older builds."""
        saved = self.dir / HOST_KEY_NAME
        if not saved.exists():
            res = run(["debugfs", "-R", "cat /etc/ssh/ssh_host_ed25519_key.pub", str(self.disk)])
            saved.write_text(res.stdout.strip() + "\n")
        return " ".join(saved.read_text().split()[:2])


def default_lab_root() -> Path:
    """$RAILMOUNT_LAB_DIR, else ~/.cache/railmount."""
    env = os.environ.get("RAILMOUNT_LAB_DIR")
    return Path(env) if env else Path.home() / ".cache" / "railmount"


def default_image_dir() -> Path:
    return default_lab_root() / "image"


def mirrors() -> list[str]:
    """apt source lines; RAILMOUNT_DEBIAN_MIRROR / _SECURITY_MIRROR override the hosts."""
    main = os.environ.get("RAILMOUNT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
    security = os.environ.get(
        "RAILMOUNT_DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security"
    )
    return [
        f"deb {main} {SUITE} main",
        f"deb {main} {SUITE}-updates main",
        f"deb {security} {SUITE}-security main",
    ]


def recipe() -> dict[str, object]:
    """Everything that determines the image's content (mirrors deliberately excluded)."""
    return {
        "version": RECIPE_VERSION,
        "suite": SUITE,
        "size": DISK_SIZE,
        "packages": sorted(PACKAGES),
        "masked": sorted(MASKED_UNITS),
        "enabled": sorted(ENABLED_UNITS),
        "files": {path: [content, oct(mode)] for path, (content, mode) in sorted(FILES.items())},
        "dpkg": list(DPKG_OPTS),
    }


def recipe_key() -> str:
    blob = json.dumps(recipe(), sort_keys=True).encode()
    return f"{SUITE}-{hashlib.sha256(blob).hexdigest()[:12]}"


def find_image(image_dir: Path) -> GuestImage | None:
    """The cached build for the current recipe, if it exists."""
    path = image_dir / recipe_key()
    if (path / "build.json").is_file() and (path / "disk.img").is_file():
        return GuestImage.at(path)
    return None


def ensure_image(image_dir: Path | None = None, progress: Progress | None = None) -> GuestImage:
    """Return the cached image, building it first if the recipe changed or none exists."""
    image_dir = image_dir or default_image_dir()
    say = progress or stderr_progress("image")
    image_dir.mkdir(parents=True, exist_ok=True)
    cached = find_image(image_dir)
    if cached:
        return cached
    with _lock(image_dir, say):
        cached = find_image(image_dir)  # another process may have built it while we waited
        if cached:
            return cached
        return _build(image_dir, say)


def prune(image_dir: Path, progress: Progress | None = None) -> list[Path]:
    """Remove builds of other recipes and abandoned temp dirs. Not run automatically:
    a running lab's overlays may still point at an older build."""
    say = progress or stderr_progress("image")
    keep = recipe_key()
    removed = []
    with _lock(image_dir, say):
        for path in image_dir.iterdir():
            if path.is_dir() and path.name != keep:
                _remove_build_dir(path)
                removed.append(path)
    return removed


@contextlib.contextmanager
def _lock(image_dir: Path, say: Progress) -> Iterator[None]:
    with open(image_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("another build holds the lock; waiting")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _build(image_dir: Path, say: Progress) -> GuestImage:
    key = recipe_key()
    final = image_dir / key
    tmp = image_dir / f".build-{key}-{os.getpid()}"
    log = image_dir / "build.log"
    for stale in image_dir.glob(".build-*"):  # we hold the lock: these are crashed builds
        say(f"removing unfinished build {stale.name}")
        _remove_build_dir(stale)
    tmp.mkdir()
    rootfs = tmp / "rootfs"
    start = time.monotonic()
    stages: dict[str, float] = {}

    def stage(name: str, fn: Callable[..., None], *args: object) -> None:
        say(f"{name} ... (t+{time.monotonic() - start:.0f}s)")
        t0 = time.monotonic()
        fn(*args)
        stages[name] = round(time.monotonic() - t0, 1)
        say(f"{name} done in {stages[name]:.0f}s (t+{time.monotonic() - start:.0f}s)")

    say(f"building {key} in {image_dir} (log: {log})")
    try:
        with open(log, "w") as logf:
            stage("mmdebstrap", _mmdebstrap, rootfs, logf, say)
            stage("customize", _customize, rootfs, tmp)
            stage("kernel", _extract_kernel, rootfs, tmp)
            stage("mke2fs", _mke2fs, rootfs, tmp / "disk.img", logf)
        rootfs_bytes = _du(rootfs)
        shutil.rmtree(rootfs)
        seconds = round(time.monotonic() - start, 1)
        info = {
            "key": key,
            "recipe_version": RECIPE_VERSION,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": seconds,
            "stages": stages,
            "kernel": (tmp / "kernel-version").read_text().strip(),
            "rootfs_bytes": rootfs_bytes,
            "disk_bytes_used": (tmp / "disk.img").stat().st_blocks * 512,
            "recipe": recipe(),
        }
        (tmp / "build.json").write_text(json.dumps(info, indent=2) + "\n")
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)  # atomic: a crashed build never looks finished
    except BaseException:
        _remove_build_dir(tmp)
        raise
    say(f"image ready: {final} ({seconds:.0f}s)")
    return GuestImage.at(final)


def _mmdebstrap(rootfs: Path, logf: TextIO, say: Progress) -> None:
    argv = [
        "mmdebstrap",
        "--mode=root",
        "--format=directory",
        "--variant=apt",
        "--components=main",
        f"--include={','.join(PACKAGES)}",
        '--aptopt=Acquire::Retries "3"',
        *(f"--dpkgopt={opt}" for opt in DPKG_OPTS),
        SUITE,
        str(rootfs),
        *mirrors(),
    ]
    _run_logged(argv, logf, say, heartbeat=30.0)


def _customize(rootfs: Path, out: Path) -> None:
    for rel, (content, mode) in FILES.items():
        path = rootfs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        path.write_text(content)
        path.chmod(mode)
    # dbus keeps a copy of the machine-id; drop it so it follows /etc/machine-id.
    (rootfs / "var/lib/dbus/machine-id").unlink(missing_ok=True)

    shutil.copyfile(rootfs / "etc/ssh/ssh_host_ed25519_key.pub", out / HOST_KEY_NAME)
    key = out / KEY_NAME
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "railmount-lab", "-f", str(key)])
    ssh_dir = rootfs / "root/.ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    ssh_dir.chmod(0o700)
    auth = ssh_dir / "authorized_keys"
    auth.write_text(key.with_suffix(".pub").read_text())
    auth.chmod(0o600)

    # Offline enable/mask against the rootfs; no chroot or running systemd needed.
    run(["systemctl", f"--root={rootfs}", "enable", *ENABLED_UNITS])
    run(["systemctl", f"--root={rootfs}", "mask", *MASKED_UNITS])


def _extract_kernel(rootfs: Path, out: Path) -> None:
    kernels = sorted((rootfs / "boot").glob("vmlinuz-*"))
    if len(kernels) != 1:
        raise RuntimeError(f"expected one kernel in {rootfs}/boot, found {kernels}")
    version = kernels[0].name.removeprefix("vmlinuz-")
    initrd = rootfs / "boot" / f"initrd.img-{version}"
    if not initrd.is_file():
        raise RuntimeError(f"no initrd for kernel {version} (initramfs-tools failed?)")
    shutil.copyfile(kernels[0], out / "vmlinuz")
    shutil.copyfile(initrd, out / "initrd.img")
    (out / "kernel-version").write_text(version + "\n")


def _mke2fs(rootfs: Path, disk: Path, logf: TextIO) -> None:
    argv = ["mke2fs", "-q", "-F", "-t", "ext4", "-L", "root", "-d", str(rootfs), str(disk)]
    _run_logged([*argv, DISK_SIZE], logf, stderr_progress("image"), heartbeat=None)


def _run_logged(argv: list[str], logf: TextIO, say: Progress, heartbeat: float | None) -> None:
    """Run a long command with output to the build log, saying it is alive now and then."""
    logf.write(f"$ {' '.join(argv)}\n")
    logf.flush()
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT)
    next_beat = heartbeat
    while proc.poll() is None:
        time.sleep(0.5)
        elapsed = time.monotonic() - start
        if next_beat is not None and elapsed >= next_beat:
            say(f"  {argv[0]} still running ({elapsed:.0f}s)")
            next_beat += heartbeat or 0
    if proc.returncode != 0:
        log_path = Path(logf.name)
        logf.flush()
        tail = log_path.read_text(errors="replace").splitlines()[-20:]
        raise CommandError(argv, proc.returncode, "", "\n".join(tail))


def _mounts_below(path: Path) -> list[str]:
    prefix = str(path.resolve()) + "/"
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        # Field 5 is the mount point, with spaces etc. octal-escaped.
        point = line.split()[4].encode().decode("unicode_escape")
        if point.startswith(prefix):
            points.append(point)
    return sorted(points, key=len, reverse=True)


def _remove_build_dir(path: Path) -> None:
    """rmtree a build dir, first detaching what a killed mmdebstrap (root mode) left
    mounted in its chroot: its /dev bind mounts and /sys rbind lead to the host's."""
    for point in _mounts_below(path):
        run(["umount", "-l", point], check=False)
    left = _mounts_below(path)
    if left:
        raise RuntimeError(f"refusing to delete {path}: still mounted: {', '.join(left)}")
    shutil.rmtree(path, ignore_errors=True)


def _du(path: Path) -> int:
    return int(run(["du", "-sb", str(path)]).stdout.split()[0])


def _read_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    image = ensure_image(Path(args[0]) if args else None)
    print(image.dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
