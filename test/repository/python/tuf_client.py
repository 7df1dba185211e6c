"""python-tuf's own client (ngclient.Updater) as the peer of the interop tests.

Refreshes from a pinned root and downloads every target path given, then
prints one JSON object: the versions it trusts and the SHA-256 of each
download. Exit 0 on full success; 1 with a message on stderr otherwise.

    /usr/bin/python3 tuf_client.py --metadata-url URL --targets-url URL \
        --root FILE --metadata-dir DIR --target-dir DIR PATH [PATH ...]

HTTPS trust comes from the environment (SSL_CERT_FILE) like any Python TLS
client. Used by test/repository/interop.test.ts and bench/repository.bench.mjs.
"""
import argparse
import hashlib
import json
import os
import sys
import time

from tuf.ngclient import Updater


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--metadata-url", required=True)
    p.add_argument("--targets-url", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--metadata-dir", required=True)
    p.add_argument("--target-dir", required=True)
    p.add_argument("paths", nargs="*")
    a = p.parse_args()
    os.makedirs(a.metadata_dir, exist_ok=True)
    os.makedirs(a.target_dir, exist_ok=True)
    # python-tuf 7: the pinned root is the bootstrap on first use; later runs start from the cached root.
    bootstrap = None
    if not os.path.exists(os.path.join(a.metadata_dir, "root.json")):
        with open(a.root, "rb") as f:
            bootstrap = f.read()
    started = time.perf_counter()
    updater = Updater(a.metadata_dir, a.metadata_url.rstrip("/") + "/", a.target_dir, a.targets_url.rstrip("/") + "/", bootstrap=bootstrap)
    try:
        updater.refresh()
        downloads = {}
        for path in a.paths:
            info = updater.get_targetinfo(path)
            if info is None:
                raise RuntimeError(f"no trusted role lists {path}")
            local = updater.find_cached_target(info) or updater.download_target(info)
            with open(local, "rb") as f:
                downloads[path] = hashlib.sha256(f.read()).hexdigest()
    except Exception as e:  # the peer's verdict, reported as a failure
        print(f"python-tuf: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    trusted = updater._trusted_set  # versions only, for the report
    print(json.dumps({
        "root": trusted.root.version,
        "timestamp": trusted.timestamp.version,
        "snapshot": trusted.snapshot.version,
        "targets": trusted.targets.version,
        "downloads": downloads,
        "seconds": time.perf_counter() - started,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
