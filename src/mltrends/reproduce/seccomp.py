"""A seccomp filter for what a reproduced repository never needs, as a classic BPF program.

Built here from the kernel's documented constants (no libseccomp binding is needed):
bubblewrap loads it with `--seccomp FD`. The denied calls fail with EPERM instead of
killing the process, so a library that probes them (e.g. for io_uring) carries on.
Only x86_64 has a table; elsewhere `program()` returns None and the run records
"no seccomp filter".
"""

from __future__ import annotations

import errno
import os
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
LD_ABS_W, JEQ_K, JGE_K, RET_K = 0x20, 0x15, 0x35, 0x06
OFF_NR, OFF_ARCH, OFF_ARG1_LOW = 0, 4, 24  # struct seccomp_data, little endian

# x86_64 numbers: kernel modules and kexec, mounts and namespaces, tracing other
# processes, the kernel keyring, eBPF and perf, clocks and host names, io_uring
DENIED_X86_64 = {
    "ptrace": 101, "syslog": 103, "chroot": 161, "acct": 163,
    "settimeofday": 164, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168,
    "reboot": 169, "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173,
    "create_module": 174, "init_module": 175, "delete_module": 176, "quotactl": 179,
    "nfsservctl": 180, "lookup_dcookie": 212, "clock_settime": 227, "kexec_load": 246,
    "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272, "perf_event_open": 298,
    "fanotify_init": 300, "name_to_handle_at": 303, "open_by_handle_at": 304,
    "clock_adjtime": 305, "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311,
    "kcmp": 312, "finit_module": 313, "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
    "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "mount_setattr": 442, "pivot_root": 155, "vhangup": 153, "adjtimex": 159, "uselib": 134,
}
IOCTL_X86_64 = 16
# ioctls that push input into the controlling terminal (outside the sandbox)
DENIED_IOCTLS = {"TIOCSTI": 0x5412, "TIOCLINUX": 0x541C}


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def denied_calls() -> dict[str, int]:
    return dict(DENIED_X86_64)


def program(machine: str | None = None) -> bytes | None:
    """The BPF program for this machine's architecture, or None where there is no table."""
    if (machine or platform.machine()) not in ("x86_64", "amd64", "AMD64"):
        return None
    numbers = sorted(set(denied_calls().values()))
    deny = RET_ERRNO | errno.EPERM
    body: list[tuple[int, int, str | None, str | None]] = []  # (code, k, jump-if-true label, false)
    body.append((LD_ABS_W, OFF_ARCH, None, None))
    body.append((JEQ_K, AUDIT_ARCH_X86_64, None, "deny"))
    body.append((LD_ABS_W, OFF_NR, None, None))
    body.append((JGE_K, X32_SYSCALL_BIT, "deny", None))
    for nr in numbers:
        body.append((JEQ_K, nr, "deny", None))
    body.append((JEQ_K, IOCTL_X86_64, "ioctl", None))
    body.append((RET_K, RET_ALLOW, None, None))
    labels = {"ioctl": len(body)}
    body.append((LD_ABS_W, OFF_ARG1_LOW, None, None))
    for value in DENIED_IOCTLS.values():
        body.append((JEQ_K, value, "deny", None))
    body.append((RET_K, RET_ALLOW, None, None))
    labels["deny"] = len(body)
    body.append((RET_K, deny, None, None))
    out = []
    for i, (code, k, jt, jf) in enumerate(body):
        t = labels[jt] - i - 1 if jt else 0
        f = labels[jf] - i - 1 if jf else 0
        if not (0 <= t < 256 and 0 <= f < 256):
            raise ValueError("seccomp program too long for 8-bit jumps")
        out.append(_ins(code, k, t, f))
    return b"".join(out)


def program_fd(machine: str | None = None) -> int | None:
    """A readable fd holding the program (for bwrap --seccomp), or None; caller closes it."""
    code = program(machine)
    if code is None:
        return None
    read, write = os.pipe()
    try:
        os.write(write, code)  # a few hundred bytes: fits in the pipe buffer
    finally:
        os.close(write)
    return read
