"""Maps container images and commands to binaries on this machine (there is no image store)."""
import os
import shutil

PROJECT_BINARIES = ("redis-cluster-agent", "redis-cluster-webhook")
SHELL_IMAGES = ("busybox", "alpine", "debian", "ubuntu", "bash")


class ImageError(Exception):
    pass


def _image_base(image):
    last = image.split("/")[-1]
    return last.split("@")[0].split(":")[0]


REDIS_SERVER_NAMES = ("redis-server", "valkey-server")


def redis_server_override():
    """$RC_REDIS_SERVER (a path): the server redis images run, instead of redis-server on PATH."""
    path = os.environ.get("RC_REDIS_SERVER", "")
    return os.path.abspath(path) if path else ""


def find_binary(name, bin_dir):
    base = os.path.basename(name)
    if base in REDIS_SERVER_NAMES and redis_server_override():
        if not os.access(redis_server_override(), os.X_OK):
            raise ImageError(f"RC_REDIS_SERVER={redis_server_override()} is not an executable")
        return redis_server_override()
    if base in PROJECT_BINARIES or "/" not in name:
        if bin_dir and os.access(os.path.join(bin_dir, base), os.X_OK):
            return os.path.join(bin_dir, base)
        if base in PROJECT_BINARIES:
            raise ImageError(f"{base} not found in KUBESIM_BIN_DIR ({bin_dir or 'unset'})")
    if "/" in name and os.access(name, os.X_OK):
        return name
    found = shutil.which(base, path=os.pathsep.join(filter(None, [bin_dir, os.environ.get("PATH", "")])))
    if not found:
        raise ImageError(f'exec: "{name}": executable file not found in $PATH')
    return found


def argv_for(container, bin_dir):
    """command/args -> argv with argv[0] an absolute host path. Mirrors the images' entrypoints:
    redis*/valkey* -> redis-server (the official image's entrypoint prepends redis-server to args
    that start with '-' or name a .conf file); the project's images -> their binaries in bin_dir."""
    image = container.get("image", "")
    base = _image_base(image)
    command, args = list(container.get("command") or []), list(container.get("args") or [])
    if not command:
        if base.startswith(("redis", "valkey")) and not any(p in image for p in PROJECT_BINARIES):
            if not args or args[0].startswith("-") or args[0].endswith(".conf"):
                command = ["redis-server"]
                if not args or args[0].startswith("-"):
                    # The official image builds redis with protected-mode off by default.
                    if "--protected-mode" not in args:
                        args = ["--protected-mode", "no"] + args
        elif any(p in image for p in PROJECT_BINARIES):
            command = [next(p for p in PROJECT_BINARIES if p in image)]
        elif base in SHELL_IMAGES:
            command = [] if args else ["sh"]
        else:
            raise ImageError(f"image {image!r} is not mapped to a local binary and the container "
                             "has no command")
    argv = command + args
    if not argv:
        raise ImageError("empty command")
    argv[0] = find_binary(argv[0], bin_dir)
    return argv
