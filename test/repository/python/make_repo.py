"""A TUF repository written by python-tuf's metadata API (tuf.api.metadata),
for the interop test: the project's client must read what python-tuf writes.

- consistent snapshots; targets stored as targets/<dir>/<sha256>.<name>;
- the top-level targets role lists one target and delegates the rest to
  hashed bins: succinct (TAP 15, `SuccinctRoles`) by default, or classic
  `path_hash_prefixes` roles with --classic;
- a 2-of-2 root, rotated once to version 2 (signed by the old and new keys);
- Ed25519 keys from labels (sha256 of the label is the seed), so the test can
  compare keyids with its own.

Signing uses a small securesystemslib Signer on pyca/cryptography's
Ed25519PrivateKey: Debian bookworm ships cryptography 38, and
securesystemslib 1.4's CryptoSigner imports names added in cryptography 40.
Metadata, canonical JSON, keyids and signatures are python-tuf's and
securesystemslib's own.

    /usr/bin/python3 make_repo.py OUTDIR [--classic]

Prints one JSON object: the targets (path -> sha256) and every keyid.
"""
import datetime
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from securesystemslib.signer import Signature, Signer, SSlibKey
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer


class LabelSigner(Signer):
    """Ed25519 from a label's seed (test keys only)."""

    def __init__(self, label: str):
        seed = hashlib.sha256(f"lattice-index python interop key: {label}".encode()).digest()
        self._priv = Ed25519PrivateKey.from_private_bytes(seed)
        raw = self._priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        keyval = {"public": raw.hex()}
        from securesystemslib.signer._utils import compute_default_keyid

        self._key = SSlibKey(compute_default_keyid("ed25519", "ed25519", keyval), "ed25519", "ed25519", keyval)

    @property
    def public_key(self) -> SSlibKey:
        return self._key

    @classmethod
    def from_priv_key_uri(cls, priv_key_uri, public_key, secrets_handler=None):  # pragma: no cover
        raise NotImplementedError

    def sign(self, payload: bytes) -> Signature:
        return Signature(self._key.keyid, self._priv.sign(payload).hex())


def main() -> int:
    out = sys.argv[1]
    classic = "--classic" in sys.argv[2:]
    expires = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=7)
    signers = {name: LabelSigner(name) for name in ["root-1", "root-2", "root-3", "targets", "snapshot", "timestamp", "bins"]}
    md_dir = os.path.join(out, "metadata")
    os.makedirs(md_dir, exist_ok=True)
    ser = JSONSerializer(compact=False)

    def write(md: Metadata, name: str, keys: list) -> bytes:
        md.signatures.clear()
        for k in keys:
            md.sign(signers[k], append=True)
        data = md.to_bytes(ser)
        with open(os.path.join(md_dir, name), "wb") as f:
            f.write(data)
        return data

    def store_target(path: str, data: bytes) -> TargetFile:
        tf = TargetFile.from_data(path, data, ["sha256"])
        d, _, base = path.rpartition("/")
        full = os.path.join(out, "targets", d, f"{tf.hashes['sha256']}.{base}")
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        return tf

    root = Metadata(Root(expires=expires, consistent_snapshot=True))
    for k in ["root-1", "root-2"]:
        root.signed.add_key(signers[k].public_key, "root")
    root.signed.roles["root"].threshold = 2
    for role in ["targets", "snapshot", "timestamp"]:
        root.signed.add_key(signers[role].public_key, role)
    write(root, "1.root.json", ["root-1", "root-2"])

    targets = Metadata(Targets(expires=expires))
    top = store_target("top.txt", b"listed by the top-level targets role\n")
    targets.signed.targets["top.txt"] = top
    bins: dict[str, Metadata] = {}
    if classic:
        # 16 classic hashed bins: prefixes 0..f of the path's SHA-256.
        roles = {}
        for n in range(16):
            name = f"bin-{n:x}"
            roles[name] = DelegatedRole(name, [signers["bins"].public_key.keyid], 1, True, path_hash_prefixes=[f"{n:x}"])
            bins[name] = Metadata(Targets(expires=expires))
        targets.signed.delegations = Delegations({signers["bins"].public_key.keyid: signers["bins"].public_key}, roles=roles)
        role_for = lambda p: f"bin-{hashlib.sha256(p.encode()).hexdigest()[0]}"  # noqa: E731
    else:
        succinct = SuccinctRoles([signers["bins"].public_key.keyid], 1, 4, "bins")
        targets.signed.delegations = Delegations({signers["bins"].public_key.keyid: signers["bins"].public_key}, roles=None, succinct_roles=succinct)
        for name in succinct.get_roles():
            bins[name] = Metadata(Targets(expires=expires))
        role_for = succinct.get_role_for_target
    listing = {"top.txt": top.hashes["sha256"]}
    for i in range(40):
        path = f"plugins/py-{i}.json"
        data = json.dumps({"n": i, "written_by": "python-tuf"}).encode()
        tf = store_target(path, data)
        bins[role_for(path)].signed.targets[path] = tf
        listing[path] = tf.hashes["sha256"]

    snapshot = Metadata(Snapshot(expires=expires))
    for name, md in bins.items():
        write(md, f"1.{name}.json", ["bins"])
        snapshot.signed.meta[f"{name}.json"] = MetaFile(1)
    write(targets, "1.targets.json", ["targets"])
    snapshot.signed.meta["targets.json"] = MetaFile(1)
    snap_bytes = write(snapshot, "1.snapshot.json", ["snapshot"])
    timestamp = Metadata(Timestamp(expires=expires))
    timestamp.signed.snapshot_meta = MetaFile(1, len(snap_bytes), {"sha256": hashlib.sha256(snap_bytes).hexdigest()})
    write(timestamp, "timestamp.json", ["timestamp"])

    # Root version 2: root-2 replaced by root-3, signed by the old threshold and the new keys.
    root.signed.version = 2
    root.signed.revoke_key(signers["root-2"].public_key.keyid, "root")
    root.signed.add_key(signers["root-3"].public_key, "root")
    write(root, "2.root.json", ["root-1", "root-2", "root-3"])

    print(json.dumps({"targets": listing, "keyids": {k: s.public_key.keyid for k, s in signers.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
