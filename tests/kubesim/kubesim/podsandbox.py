"""The pod sandbox holder: runs as `unshare --net --mount --uts --propagation private -- python3 -m
kubesim.podsandbox SPEC.json`, builds the pod's root (an overlay of / with a tmpfs upper layer, so
mount points never touch the host), bind-mounts volumes at their mountPaths, writes /etc/hosts and
/etc/resolv.conf, sets the hostname, prints "ready" and becomes `sleep infinity` to keep the
namespaces alive. Containers enter with nsenter + chroot."""
import ctypes
import json
import os
import sys

_libc = ctypes.CDLL(None, use_errno=True)
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC = 1, 32, 4096, 16384


def mount(source, target, fstype, flags=0, data=""):
    if _libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                   data.encode() if data else None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def resolve_in_root(root, path):
    """Host path of `path` as seen inside root, following symlinks inside root (e.g. /var/run -> /run)."""
    parts = [p for p in path.split("/") if p]
    cur, hops = root, 0
    while parts:
        p = parts.pop(0)
        if p == "..":
            cur = os.path.dirname(cur) if cur != root else root
            continue
        nxt = os.path.join(cur, p)
        if os.path.islink(nxt):
            hops += 1
            if hops > 40:
                raise OSError(f"too many symlinks resolving {path}")
            target = os.readlink(nxt)
            parts = [q for q in target.split("/") if q] + parts
            cur = root if target.startswith("/") else cur
            continue
        cur = nxt
    return cur


def make_mount_point(root, path, is_dir):
    target = resolve_in_root(root, path)
    if is_dir:
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "a").close()
    return target


def write_in_root(root, path, text):
    target = resolve_in_root(root, path)
    if os.path.islink(target) or os.path.exists(target):
        os.unlink(target)
    with open(target, "w") as f:
        f.write(text)


def build(spec):
    scratch, root = spec["scratch"], spec["rootfs"]
    mount("tmpfs", scratch, "tmpfs", 0, "mode=0755")
    for d in ("upper", "work"):
        os.makedirs(os.path.join(scratch, d))
    mount("overlay", root, "overlay", 0,
          f"lowerdir=/,upperdir={scratch}/upper,workdir={scratch}/work")
    for src, dst, flags in (("/proc", "proc", MS_BIND | MS_REC), ("/dev", "dev", MS_BIND | MS_REC),
                            ("/sys", "sys", MS_BIND | MS_REC)):
        mount(src, os.path.join(root, dst), "", flags)
    for d in ("tmp", "run"):
        mount("tmpfs", os.path.join(root, d), "tmpfs", 0, "mode=1777")
    for host_dir in spec.get("host_dirs", []):  # e.g. KUBESIM_BIN_DIR, visible at the same path
        target = make_mount_point(root, host_dir, True)
        mount(host_dir, target, "", MS_BIND | MS_REC)
    # Volumes, parents before children.
    for v in sorted(spec["mounts"], key=lambda m: m["path"].rstrip("/").count("/")):
        is_dir = os.path.isdir(v["source"])
        target = make_mount_point(root, v["path"], is_dir)
        mount(v["source"], target, "", MS_BIND | MS_REC)
        if v.get("readOnly"):
            mount(v["source"], target, "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC)
    for path, text in spec["files"].items():
        write_in_root(root, path, text)
    for path, target in spec.get("links", {}).items():  # the project's binaries, as in its images
        link = resolve_in_root(root, path)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(target, link)
    hostname = spec["hostname"].encode()
    if _libc.sethostname(hostname, len(hostname)) != 0:
        raise OSError(ctypes.get_errno(), "sethostname")


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    try:
        build(spec)
    except Exception as e:  # reported to the kubelet on stdout, which marks the pod failed
        print(f"error: {e}", flush=True)
        return 1
    print("ready", flush=True)
    os.execv("/usr/bin/sleep", ["sleep", "infinity"])


if __name__ == "__main__":
    sys.exit(main())
