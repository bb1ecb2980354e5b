#!/usr/bin/env python3
"""Builds a wasm container image as an OCI image-layout tar, for `ctr image import`: the shape
a Dockerfile `FROM scratch` / `COPY app.wasm /app.wasm` / `ENTRYPOINT ["/app.wasm"]` gives,
one uncompressed layer, no registry involved.

    make_image.py OUT.tar NAME MODULE.wasm [ARG...]

NAME is the full reference containerd records (docker.io/library/x:tag). The platform is the
host's (linux/amd64 or linux/arm64): that is what a node's containerd pulls and unpacks.
"""
import hashlib
import io
import json
import platform
import sys
import tarfile


def blob(data):
    return "sha256:" + hashlib.sha256(data).hexdigest(), data


def add_file(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, name, module = sys.argv[1:4]
    args = sys.argv[4:]
    with open(module, "rb") as f:
        wasm = f.read()

    layer_buf = io.BytesIO()
    with tarfile.open(fileobj=layer_buf, mode="w", format=tarfile.PAX_FORMAT) as layer:
        add_file(layer, "app.wasm", wasm, 0o755)
    layer_digest, layer = blob(layer_buf.getvalue())

    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    config = {
        "architecture": arch,
        "os": "linux",
        "config": {"Entrypoint": ["/app.wasm"], "Cmd": args, "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    }
    config_digest, config_bytes = blob(json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest, "size": len(layer)}],
    }
    manifest_digest, manifest_bytes = blob(json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest, "size": len(manifest_bytes),
            "platform": {"architecture": arch, "os": "linux"},
            "annotations": {"io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]},
        }],
    }
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        add_file(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_file(tar, "index.json", json.dumps(index).encode())
        for digest, data in ((layer_digest, layer), (config_digest, config_bytes),
                             (manifest_digest, manifest_bytes)):
            add_file(tar, "blobs/sha256/" + digest.split(":", 1)[1], data)


if __name__ == "__main__":
    main()
