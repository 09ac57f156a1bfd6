"""ssh_key_file: one OpenSSH public key, read only from the plan's folder, ~/.ssh or an allowed path."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from azlab.cli.main import main
from azlab.errors import PlanError
from azlab.plan import check_plan, load_plan
from azlab.plan.keyfiles import AZURE_TYPES, OTHER_TYPES, KeyFileError, KeyPlaceError, KeyPlaces
from azlab.reconcile import engine
from azlab.reconcile.model import Action, Change, Kind

MINIMAL = (Path(__file__).parent / "plans" / "good" / "minimal.yaml").read_text()
PASSWD = "root:x:0:0:root:/root:/bin/bash\nlabuser:x:1000:1000::/home/labuser:/bin/sh\n"
OpenSSH = serialization.PublicFormat.OpenSSH


PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def _public(key: PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, OpenSSH).decode()


def _dss() -> bytes:
    """A DSA public key line: its wire format is four length-prefixed strings after the type."""
    parts = [b"ssh-dss", *(os.urandom(n) for n in (129, 21, 128, 128))]
    blob = b"".join(len(p).to_bytes(4, "big") + p for p in parts)
    return b"ssh-dss " + base64.b64encode(blob) + b" old@host\n"


ED25519 = ed25519.Ed25519PrivateKey.generate()
PRIVATE = ED25519.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.OpenSSH,
    serialization.NoEncryption(),
).decode()
PUBLIC = _public(ED25519) + " lab@example"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def _plan(folder: Path, key_file: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.yaml"
    path.write_text(MINIMAL.replace("ssh_key_env: LAB_SSH_KEY", f"ssh_key_file: {key_file}"))
    return path


def _findings(path: Path, *allowed: Path) -> list[str]:
    return [str(f) for f in check_plan(path, env={}, allow_key_paths=list(allowed))]


def test_a_public_key_beside_the_plan_or_in_home_ssh_is_read(tmp_path: Path, _home: Path) -> None:
    (tmp_path / "lab" / "keys").mkdir(parents=True)
    (tmp_path / "lab" / "keys" / "id.pub").write_text(PUBLIC + "\n")
    (_home / ".ssh" / "id_ed25519.pub").write_text(PUBLIC)
    for written in ("keys/id.pub", "keys/../keys/id.pub", "~/.ssh/id_ed25519.pub"):
        path = _plan(tmp_path / "lab", written)
        assert _findings(path) == []
        loaded = load_plan(path, env={}, allow_key_paths=[])
        assert loaded.keys.read(written) == PUBLIC


@pytest.mark.parametrize("bits", [2048, 4096])
def test_rsa_keys_of_azures_sizes_are_accepted(tmp_path: Path, bits: int) -> None:
    key = tmp_path / "id_rsa.pub"
    key.write_text(_public(rsa.generate_private_key(public_exponent=65537, key_size=bits)))
    assert KeyPlaces(tmp_path).read("id_rsa.pub").startswith("ssh-rsa AAAA")


def _refusal(tmp_path: Path, content: bytes | None, *, link: Path | None = None) -> str:
    """The message for a key file with `content` (or a link), which must not quote it."""
    target = tmp_path / "lab" / "key"
    target.parent.mkdir(parents=True, exist_ok=True)
    if link is not None:
        target.symlink_to(link)
    elif content is not None:
        target.write_bytes(content)
    with pytest.raises(KeyFileError) as caught:
        KeyPlaces(tmp_path / "lab").read("key")
    return str(caught.value)


# Named by their first field: the keys are made at import, and an id must not change
# between the processes that collect the suite.
REFUSED = [
    ("private key", PRIVATE.encode(), "holds a private key"),
    ("passwd", PASSWD.encode(), "is not an OpenSSH public key"),
    ("two keys", (PUBLIC + "\n" + PUBLIC + "\n").encode(), "is not an OpenSSH public key"),
    ("bad base64", b"ssh-ed25519 AAAA!!!! x\n", "is not an OpenSSH public key"),
    ("type mismatch", ("ssh-rsa " + PUBLIC.split()[1]).encode(), "is not an OpenSSH"),
    ("binary", os.urandom(512), "is not an OpenSSH public key"),
    ("too big", b"ssh-ed25519 " + b"A" * 20_000, "too big for a public key"),
    ("rfc 4716", b"---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n", "ssh-keygen -i"),
    (
        "ecdsa",
        _public(ec.generate_private_key(ec.SECP256R1())).encode(),
        "holds a key of type ecdsa-sha2-nistp256; Azure accepts RSA",
    ),
    (
        "short rsa",
        _public(rsa.generate_private_key(public_exponent=65537, key_size=1024)).encode(),
        "under 2048 bits",
    ),
    ("dsa", _dss(), "holds a key of type ssh-dss"),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [pytest.param(*case, id=case[0]) for case in REFUSED],
)
def test_anything_but_a_public_key_is_refused_without_quoting_it(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    message = _refusal(tmp_path, content)
    assert expected in message, message
    for line in content.decode(errors="ignore").splitlines():
        for word in line.split():
            # A fragment of the file's content (a key's type is no secret, and is named).
            if len(word) > 8 and word not in AZURE_TYPES + OTHER_TYPES:
                assert word[:12] not in message, (name, word)


def test_a_fifo_or_a_folder_is_refused_without_blocking(tmp_path: Path) -> None:
    (tmp_path / "lab").mkdir()
    os.mkfifo(tmp_path / "lab" / "key")
    assert "not a regular file" in _refusal(tmp_path, None)
    (tmp_path / "lab" / "dir").mkdir()
    with pytest.raises(KeyFileError, match=r"not a regular file|cannot be read"):
        KeyPlaces(tmp_path / "lab").read("dir")


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "symlinked folder"])
def test_a_path_that_leads_out_is_refused_unless_allowed(tmp_path: Path, how: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "passwd").write_text(PASSWD)
    (outside / "id.pub").write_text(PUBLIC)
    lab = tmp_path / "lab"
    lab.mkdir()
    written = {
        "absolute": str(outside / "id.pub"),
        "dotdot": "../elsewhere/id.pub",
        "symlink": "link.pub",
        "symlinked folder": "keys/id.pub",
    }[how]
    if how == "symlink":
        (lab / "link.pub").symlink_to(outside / "passwd")
    if how == "symlinked folder":
        (lab / "keys").symlink_to(outside)
    path = _plan(lab, written)
    [finding] = _findings(path)
    assert "AZL090" in finding and "--allow-key-path" in finding and "root:" not in finding
    with pytest.raises(KeyPlaceError):
        KeyPlaces(lab).read(written)
    allowed = _findings(path, outside)
    if how == "symlink":  # allowed, but what it leads to is no public key
        assert len(allowed) == 1 and "AZL091" in allowed[0] and "root:" not in allowed[0]
    else:
        assert allowed == []
        assert KeyPlaces(lab, (outside,)).read(written) == PUBLIC


def test_a_key_file_that_does_not_exist_is_apply_s_error_not_validate_s(tmp_path: Path) -> None:
    path = _plan(tmp_path / "lab", "absent.pub")
    assert _findings(path) == []
    loaded = load_plan(path, env={"LAB_PW": "Lab-password-1"}, allow_key_paths=[])
    creating = [Change(Action.CREATE, Kind.VM, "app01")]
    with pytest.raises(PlanError, match=r"absent\.pub does not exist"):
        engine.resolve_secrets(loaded, creating, {})


def test_apply_refuses_a_private_key_without_printing_it(tmp_path: Path) -> None:
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "id_ed25519").write_text(PRIVATE)
    # Loaded as tick or status load a plan (key files unchecked): apply still checks.
    loaded = load_plan(_plan(tmp_path / "lab", "id_ed25519"), env={})
    with pytest.raises(PlanError) as caught:
        engine.resolve_secrets(loaded, [Change(Action.CREATE, Kind.VM, "app01")], {})
    message = f"{caught.value.message} {caught.value.hint}"
    assert "private key" in message and PRIVATE.splitlines()[1] not in message


def test_validate_takes_allow_key_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "keys"
    outside.mkdir()
    (outside / "id.pub").write_text(PUBLIC)
    path = _plan(tmp_path / "lab", str(outside / "id.pub"))
    assert main(["validate", str(path)]) == 2
    assert "AZL090" in capsys.readouterr().out
    assert main(["validate", str(path), "--allow-key-path", str(outside)]) == 0
