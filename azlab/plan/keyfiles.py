"""`ssh_key_file`: an OpenSSH public key, read only from the places a plan may read keys.

A plan is reviewed text, but the file it names is not: without these rules a
plan could point `ssh_key_file` at a private key, /etc/shadow or a symlink out
and have its content sent to Azure or quoted in an error. A key file is read
only under the plan's folder or `~/.ssh` (symlinks resolved, so neither `..`
nor a link leads out), or under a path the user allows with `--allow-key-path`;
it must be a small regular file holding one OpenSSH public key line. Errors say
what is wrong with the file, never what is in it.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 16 * 1024  # a 16384-bit RSA public key is under 3 KiB
# Azure signs VMs in with these two; the others are OpenSSH keys Azure refuses.
AZURE_TYPES = ("ssh-rsa", "ssh-ed25519")
OTHER_TYPES = (
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
MIN_RSA_BITS = 2048  # Azure's minimum
FORMAT = "one line such as `ssh-ed25519 AAAAC3Nza... you@host`"


class KeyFileError(Exception):
    """What is wrong with a key file, in words that quote none of its content."""


class KeyPlaceError(KeyFileError):
    """The key file lies outside the places keys may be read from."""


@dataclass(frozen=True)
class KeyPlaces:
    """Where key files may be read from: the plan's folder, `~/.ssh`, and what the user allows."""

    plan_dir: Path
    allowed: tuple[Path, ...] = ()

    @classmethod
    def for_plan(cls, plan_path: Path, allowed: Sequence[Path] = ()) -> KeyPlaces:
        return cls(plan_path.parent, tuple(allowed))

    def roots(self) -> list[Path]:
        places = [self.plan_dir, Path(os.path.expanduser("~")) / ".ssh", *self.allowed]
        return [Path(os.path.expanduser(str(p))).resolve() for p in places]

    def locate(self, written: str) -> Path:
        """The file `written` names, resolved; KeyFileError when it lies outside every root."""
        path = Path(os.path.expanduser(written))
        if not path.is_absolute():
            path = self.plan_dir / path
        resolved = path.resolve()
        if not any(resolved == root or resolved.is_relative_to(root) for root in self.roots()):
            shown = written if Path(written) == resolved else f"{written} ({resolved})"
            raise KeyPlaceError(
                f"ssh_key_file {shown} is outside the plan's folder and ~/.ssh; "
                f"keep the public key there, or pass --allow-key-path {resolved}"
            )
        return resolved

    def read(self, written: str) -> str:
        """The public key line in the file `written` names (KeyFileError otherwise)."""
        return read_public_key(self.locate(written), written)


def read_public_key(path: Path, written: str | None = None) -> str:
    shown = written or str(path)
    try:
        # Not blocking (a FIFO), not following a link swapped in since `locate` resolved it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise KeyFileError(f"ssh_key_file {shown} does not exist") from None
    except OSError as exc:
        raise KeyFileError(f"ssh_key_file {shown} cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"ssh_key_file {shown} is not a regular file")
        if info.st_size > MAX_BYTES:
            raise KeyFileError(
                f"ssh_key_file {shown} is {info.st_size:,} bytes, too big for a public key "
                f"({FORMAT})"
            )
        data = os.read(fd, MAX_BYTES + 1)
    finally:
        os.close(fd)
    return parse_public_key(data, shown)


def parse_public_key(data: bytes, shown: str) -> str:
    """The key line, checked: its type, its base64, and the type inside the key blob."""
    if b"PRIVATE KEY" in data or data.startswith(b"PuTTY-User-Key-File"):
        raise KeyFileError(
            f"ssh_key_file {shown} holds a private key; name the public key (the .pub file)"
        )
    if b"BEGIN SSH2 PUBLIC KEY" in data:
        raise KeyFileError(
            f"ssh_key_file {shown} is an SSH2 (RFC 4716) key; convert it with "
            f"`ssh-keygen -i -f {shown}`"
        )
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise KeyFileError(
            f"ssh_key_file {shown} is not an OpenSSH public key ({FORMAT})"
        ) from None
    lines = [line for line in text.splitlines() if line.strip()]
    fields = lines[0].split() if len(lines) == 1 else []
    if len(fields) < 2 or not _well_formed(fields[0], fields[1]):
        raise KeyFileError(f"ssh_key_file {shown} is not an OpenSSH public key ({FORMAT})")
    kind = fields[0]
    if kind not in AZURE_TYPES:
        raise KeyFileError(
            f"ssh_key_file {shown} holds a key of type {kind}; Azure accepts RSA (at least "
            f"{MIN_RSA_BITS} bits) and Ed25519 keys"
        )
    if kind == "ssh-rsa" and _rsa_bits(fields[1]) < MIN_RSA_BITS:
        raise KeyFileError(
            f"ssh_key_file {shown} is an RSA key under {MIN_RSA_BITS} bits, which Azure refuses"
        )
    return lines[0].strip()


def _well_formed(kind: str, encoded: str) -> bool:
    if kind not in AZURE_TYPES + OTHER_TYPES:
        return False
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return False
    fields = _strings(blob)
    return bool(fields) and fields[0] == kind.encode()


def _rsa_bits(encoded: str) -> int:
    fields = _strings(base64.b64decode(encoded))
    if len(fields) < 3:
        return 0
    modulus = fields[2].lstrip(b"\0")
    return int.from_bytes(modulus, "big").bit_length()


def _strings(blob: bytes) -> list[bytes]:
    """The length-prefixed strings of an SSH wire-format blob; [] when it is not one."""
    found = []
    at = 0
    while at < len(blob):
        if at + 4 > len(blob):
            return []
        size = int.from_bytes(blob[at : at + 4], "big")
        at += 4
        if at + size > len(blob):
            return []
        found.append(blob[at : at + size])
        at += size
    return found
