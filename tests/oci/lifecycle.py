#!/usr/bin/env python3
"""The OCI runtime lifecycle by hand (runtime-spec runtime.md, the way runtime-tools' lifecycle
validation drives a runtime; its other tests run a native binary inside the container, which a
wasm-only runtime cannot). This script plays the shim: it is a child subreaper, so the
container process `create` leaves behind becomes its child and its exit status can be checked.

    lifecycle.py RUNTIME ROOTFS WORKDIR

ROOTFS holds the test guests (sleeper.wasm, exit7.wasm, hello.wasm). Prints "ok NAME" or
"FAIL NAME: why" per check, then "done".
"""
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36
RUNTIME, ROOTFS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
STATE_ROOT = os.path.join(WORK, "root")
LOG = os.path.join(WORK, "log.json")
failures = 0


def check(name, cond, why=""):
    global failures
    if cond:
        print(f"ok   lifecycle: {name}", flush=True)
    else:
        failures += 1
        print(f"FAIL lifecycle: {name}: {why}", flush=True)
    return cond


def runtime(*args, stdout=None, stderr=None):
    """Runs the runtime with the shim's global flags; returns (status, stdout text)."""
    cmd = [RUNTIME, "--root", STATE_ROOT, "--log", LOG, "--log-format", "json", *args]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                       stdout=stdout if stdout is not None else subprocess.PIPE,
                       stderr=stderr if stderr is not None else subprocess.PIPE, timeout=30)
    out = p.stdout.decode() if stdout is None else ""
    return p.returncode, out


def last_error():
    """The msg of the last error entry in the JSON log, as containerd's shim reads it."""
    msg = ""
    with open(LOG) as f:
        for line in f:
            entry = json.loads(line)
            assert set(entry) == {"level", "msg", "time"}, entry
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$", entry["time"]), entry
            if entry["level"] == "error":
                msg = entry["msg"]
    return msg


def bundle(name, args, annotations=None, extra=None):
    d = os.path.join(WORK, "bundles", name)
    os.makedirs(d, exist_ok=True)
    config = {
        "ociVersion": "1.0.2",
        "root": {"path": ROOTFS, "readonly": True},
        "process": {"args": args, "env": ["PATH=/"], "cwd": "/"},
        "annotations": annotations or {},
        "linux": {"namespaces": [{"type": "pid"}, {"type": "network"}]},
    }
    config.update(extra or {})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f)
    return d


def create(cid, bdir, out_path=None):
    out = open(out_path or os.path.join(WORK, cid + ".out"), "wb")
    status, _ = runtime("create", "--bundle", bdir, "--pid-file", os.path.join(WORK, cid + ".pid"),
                        cid, stdout=out, stderr=out)
    out.close()
    return status


def state(cid):
    status, out = runtime("state", cid)
    return json.loads(out) if status == 0 else None


def reap(pid, seconds=10):
    """Waits for our adopted child `pid`; returns its wait status or None."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        got, st = os.waitpid(pid, os.WNOHANG)
        if got == pid:
            return st
        time.sleep(0.02)
    return None


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    os.makedirs(WORK, exist_ok=True)
    open(LOG, "w").close()

    # --- errors before anything exists ---
    status, _ = runtime("state", "nope")
    check("state of an unknown id fails, 'does not exist' in the JSON log",
          status == 1 and "does not exist" in last_error(), f"{status} {last_error()!r}")
    b = bundle("sleeper", ["/sleeper.wasm", "30"], {"org.example/owner": "lifecycle"})
    status = create("../escape", b)
    check("create refuses an id that is not one path component",
          status == 1 and "invalid container id" in last_error(), last_error())

    # --- create: the process exists, blocked; nothing of the guest ran ---
    status = create("c1", b)
    s = state("c1")
    check("create succeeds; state says created", status == 0 and s and s["status"] == "created",
          f"{status} {s}")
    pid = int(open(os.path.join(WORK, "c1.pid")).read())
    check("state: ociVersion, id, pid (= --pid-file), bundle, annotations, rootfs, created",
          s and s["ociVersion"].startswith("1.") and s["id"] == "c1" and s["pid"] == pid and
          s["bundle"] == b and s["annotations"] == {"org.example/owner": "lifecycle"} and
          s["rootfs"] == ROOTFS and re.match(r"^\d{4}-\d\d-\d\dT.*Z$", s["created"]), s)
    check("the container process is alive and is our (the subreaper's) child",
          os.path.exists(f"/proc/{pid}") and
          int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1]) == os.getpid())
    time.sleep(0.2)
    check("create does not run the guest", os.path.getsize(os.path.join(WORK, "c1.out")) == 0,
          open(os.path.join(WORK, "c1.out")).read())
    status = create("c1", b)
    check("create of an existing id fails", status == 1 and "already exists" in last_error(),
          last_error())
    s = state("c1")
    check("... and leaves the first one alone", s and s["status"] == "created" and s["pid"] == pid, s)

    # --- start: running; the guest's output appears ---
    status, _ = runtime("start", "c1")
    s = state("c1")
    check("start succeeds; state says running", status == 0 and s and s["status"] == "running", s)
    deadline = time.time() + 5
    while time.time() < deadline and b"sleeper up" not in open(os.path.join(WORK, "c1.out"), "rb").read():
        time.sleep(0.02)
    check("the guest runs after start", b"sleeper up" in open(os.path.join(WORK, "c1.out"), "rb").read())
    status, _ = runtime("start", "c1")
    check("start twice fails", status == 1 and "already running" in last_error(), last_error())
    status, out = runtime("ps", "--format", "json", "c1")
    pids = json.loads(out) if status == 0 else []
    check("ps --format json: the container process, then its worker",
          len(pids) == 2 and pids[0] == pid, out)
    status, _ = runtime("delete", "c1")
    check("delete of a running container fails", status == 1 and "not stopped" in last_error(),
          last_error())
    status, _ = runtime("kill", "c1", "NOPE")
    check("kill with an unknown signal name fails", status == 1 and "unknown signal" in last_error(),
          last_error())

    # --- kill: stopped, dead of the signal ---
    status, _ = runtime("kill", "c1", "TERM")
    st = reap(pid)
    check("kill TERM: the container process dies of SIGTERM (as the shim sees it)",
          status == 0 and st is not None and os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGTERM,
          f"{status} {st}")
    time.sleep(0.1)
    check("the worker died too", not any(os.path.exists(f"/proc/{p}") for p in pids[1:]), pids)
    s = state("c1")
    check("state says stopped (pid 0)", s and s["status"] == "stopped" and s["pid"] == 0, s)
    status, _ = runtime("kill", "c1", "15")
    check("kill of a stopped container fails with runc's words",
          status == 1 and last_error() == "container not running", last_error())
    status, _ = runtime("kill", "--all", "c1", "9")
    check("kill --all of a stopped container succeeds (nothing to signal)", status == 0)
    status, _ = runtime("delete", "c1")
    check("delete of a stopped container succeeds", status == 0, last_error())
    check("... and its state is gone", state("c1") is None and not os.path.exists(
        os.path.join(STATE_ROOT, "c1")))
    status, _ = runtime("delete", "c1")
    check("delete of a deleted container fails", status == 1 and "does not exist" in last_error())
    status, _ = runtime("delete", "--force", "c1")
    check("delete --force of a deleted container succeeds", status == 0)

    # --- exit status: the guest's ---
    b7 = bundle("exit7", ["/exit7.wasm"])
    create("c7", b7)
    pid7 = int(open(os.path.join(WORK, "c7.pid")).read())
    runtime("start", "c7")
    st = reap(pid7)
    check("the container process exits with the guest's code (7)",
          st is not None and os.WIFEXITED(st) and os.WEXITSTATUS(st) == 7, st)
    s = state("c7")
    check("state after the guest exited: stopped", s and s["status"] == "stopped", s)
    runtime("delete", "c7")

    # --- a created container deleted without start: the guest never ran ---
    create("c2", bundle("hello", ["/hello.wasm"]))
    pid2 = int(open(os.path.join(WORK, "c2.pid")).read())
    status, _ = runtime("delete", "c2")
    st = reap(pid2)
    check("delete of a created container kills it; the guest never ran",
          status == 0 and st is not None and os.path.getsize(os.path.join(WORK, "c2.out")) == 0,
          f"{status} {st}")

    # --- delete --force of a running container ---
    create("c3", b)
    pid3 = int(open(os.path.join(WORK, "c3.pid")).read())
    runtime("start", "c3")
    status, _ = runtime("delete", "--force", "c3")
    st = reap(pid3)
    check("delete --force of a running container kills and removes it",
          status == 0 and st is not None and state("c3") is None, f"{status} {st}")

    # --- concurrent commands on different ids ---
    results = {}

    def lifecycle_of(i):
        cid = f"par{i}"
        r = [create(cid, b)]
        r.append(runtime("start", cid)[0])
        s = state(cid)
        r.append(0 if s and s["status"] == "running" else 1)
        r.append(runtime("kill", cid, "KILL")[0])
        results[cid] = r

    threads = [threading.Thread(target=lifecycle_of, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(16):
        pid_i = int(open(os.path.join(WORK, f"par{i}.pid")).read())
        reap(pid_i)
    deleted = sum(runtime("delete", f"par{i}")[0] == 0 for i in range(16))
    check("16 containers created, started, killed, deleted in parallel",
          all(r == [0, 0, 0, 0] for r in results.values()) and len(results) == 16 and deleted == 16,
          results)
    check("--root is empty afterwards", os.listdir(STATE_ROOT) == [], os.listdir(STATE_ROOT))

    # --- refusals in the bundle, before any process exists ---
    for name, extra, words in [
        ("a device", {"linux": {"devices": [{"path": "/dev/sda", "type": "b", "major": 8, "minor": 0}]}},
         "linux.devices: /dev/sda"),
        ("a hook", {"hooks": {"prestart": [{"path": "/bin/true"}]}}, "OCI hooks"),
        ("a policy annotation granting a directory",
         {"annotations": {"webcontainer.io/policy": 'dir = ["/etc"]'}}, "grants a directory"),
    ]:
        status = create("refused", bundle("refused", ["/hello.wasm"], extra=extra))
        check(f"create refuses {name}", status == 1 and words in last_error(), last_error())
    check("refusals leave nothing under --root", os.listdir(STATE_ROOT) == [])

    # --- commands there are not ---
    for cmd in (["exec", "--process", "p.json", "x"], ["pause", "x"], ["checkpoint", "x"],
                ["update", "--resources", "-", "x"], ["frobnicate"]):
        status, _ = runtime(*cmd)
        check(f"'{cmd[0]}' fails with one clear line in the log", status == 1 and
              (("not supported" in last_error()) or ("not yet implemented" in last_error()) or
               ("unknown command" in last_error())), last_error())
    status, out = runtime("features")
    f = json.loads(out) if status == 0 else {}
    check("features: JSON with ociVersionMin/Max, no hooks",
          f.get("ociVersionMin") == "1.0.0" and f.get("hooks") == [], out[:200])
    status, out = runtime("--version")
    check("--version", status == 0 and out.startswith("webcontainer-runc version "), out)
    print("done", flush=True)


if __name__ == "__main__":
    main()
    sys.exit(1 if failures else 0)
