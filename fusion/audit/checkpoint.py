"""Signed checkpoints of the audit chain, kept outside the database.

A hash chain shows changes to what it covers, but someone able to write the database can
rewrite every link after a change, or cut the chain short. A checkpoint — the position and
hash of the chain's head at a time, signed with an Ed25519 key the database never holds
(`AUDIT_CHECKPOINT_KEY`) — pins what the chain was: `verify_against()` fails when the link at
the checkpoint's position is gone (truncation) or has another hash (rewrite), even if the
chain is consistent with itself. Checkpoints are written by `manage.py audit_checkpoint` and
daily by beat into `AUDIT_CHECKPOINT_DIR`, to be copied to oversight. A verifier needs only
the public key (`AUDIT_CHECKPOINT_PUBLIC_KEY`), never the one a checkpoint file carries.
"""

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from fusion.audit.chain import GENESIS, Verification, seal, verify
from fusion.models import AuditSeal

SIGNED = ("seq", "entry_id", "hash", "time")


class CheckpointError(ValueError):
    """No key is configured, or a checkpoint is malformed or not signed by the key."""


def _decode(text: str, name: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"{name} is not base64.") from exc
    if len(raw) != 32:
        raise CheckpointError(f"{name} must be 32 bytes (base64).")
    return raw


def _private_key() -> Ed25519PrivateKey:
    if not settings.AUDIT_CHECKPOINT_KEY:
        raise CheckpointError("AUDIT_CHECKPOINT_KEY is not set: no checkpoint can be signed.")
    seed = _decode(settings.AUDIT_CHECKPOINT_KEY, "AUDIT_CHECKPOINT_KEY")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _raw_public(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key() -> Ed25519PublicKey:
    """The key checkpoints are verified with: the configured public key, else the signing
    key's own."""
    if settings.AUDIT_CHECKPOINT_PUBLIC_KEY:
        raw = _decode(settings.AUDIT_CHECKPOINT_PUBLIC_KEY, "AUDIT_CHECKPOINT_PUBLIC_KEY")
        return Ed25519PublicKey.from_public_bytes(raw)
    return _private_key().public_key()


def _message(checkpoint: dict[str, Any]) -> bytes:
    body = {name: checkpoint[name] for name in SIGNED}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def take_checkpoint() -> dict[str, Any]:
    """Seal what is pending, then sign the chain's head."""
    key = _private_key()
    seal()
    head = AuditSeal.objects.order_by("-seq").first()
    checkpoint: dict[str, Any] = {
        "seq": head.seq if head else 0,
        "entry_id": head.entry_id if head else None,
        "hash": head.hash if head else GENESIS,
        "time": timezone.now().isoformat(),
    }
    signature = key.sign(_message(checkpoint))
    checkpoint["public_key"] = _raw_public(key.public_key())
    checkpoint["signature"] = base64.b64encode(signature).decode()
    return checkpoint


def check_signature(checkpoint: Any) -> None:
    """Raise CheckpointError unless `checkpoint` is well formed and signed by our key."""
    if not isinstance(checkpoint, dict) or any(name not in checkpoint for name in SIGNED):
        raise CheckpointError(f"A checkpoint is an object with {', '.join(SIGNED)}, signature.")
    try:
        signature = base64.b64decode(str(checkpoint.get("signature", "")), validate=True)
        public_key().verify(signature, _message(checkpoint))
    except (binascii.Error, ValueError, InvalidSignature) as exc:
        raise CheckpointError("The checkpoint's signature does not verify.") from exc


def verify_against(checkpoint: dict[str, Any]) -> Verification:
    """`verify()`, and the chain still holds the checkpoint's head where it was."""
    check_signature(checkpoint)
    result = verify()
    if not result.ok or checkpoint["seq"] == 0:
        return result
    link = AuditSeal.objects.filter(seq=checkpoint["seq"]).first()
    if link is None:
        return Verification(
            False, result.checked, checkpoint["entry_id"], result.pending,
            "the chain is shorter than the checkpoint: truncated",
        )  # fmt: skip
    if link.hash != checkpoint["hash"] or link.entry_id != checkpoint["entry_id"]:
        return Verification(
            False, result.checked, checkpoint["entry_id"], result.pending,
            "the chain up to the checkpoint was rewritten",
        )  # fmt: skip
    return result


def export_checkpoint(folder: str | Path) -> Path:
    """Write a new checkpoint as a JSON file in `folder`; returns its path."""
    checkpoint = take_checkpoint()
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    path = Path(folder) / f"audit-checkpoint-{stamp}-{checkpoint['seq']}.json"
    path.write_text(json.dumps(checkpoint, indent=2) + "\n")
    return path
