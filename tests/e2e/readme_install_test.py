#!/usr/bin/python3
"""The README's real-cluster install blocks (fenced `sh` blocks after `<!-- ci-install: NAME -->`),
checked as written.

  readme_install_test.py --static SOURCE_DIR   (unit) the blocks are there, use only kubectl and
      certs/make-certs.sh, every object they wait for is in what they apply, and the cert-manager
      way's file holds the Certificate, the Issuers and the CA-injection annotation.
  readme_install_test.py BUILD_DIR             (e2e, root) the static checks, then on kubesim:
      the `script` block (certificates from certs/make-certs.sh, the webhook rolled out) and the
      `example` block run by bash exactly as written, with HOME a fresh folder; then the webhook
      serves with the CA the script made and the example StatefulSet forms a balanced cluster.
      With KUBESIM_BIN_DIR set, kubesim runs the binaries found there instead of BUILD_DIR's
      (images_build_test.sh: the binaries of the OCI images, from their own root filesystems).

cert-manager cannot run on kubesim (no images), so its block is only checked statically."""
import base64
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BLOCK_RE = re.compile(r"<!-- ci-install: (\S+) -->\n```sh\n(.*?)\n```", re.S)
WANT_BLOCKS = ("script", "cert-manager", "example")
CERT_MANAGER_RELEASE = "https://github.com/cert-manager/cert-manager/releases/download/"


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def readme_blocks(src):
    with open(os.path.join(src, "README.md")) as f:
        found = BLOCK_RE.findall(f.read())
    names = [n for n, _ in found]
    for want in WANT_BLOCKS:
        if names.count(want) != 1:
            fail(f"README.md needs exactly one ```sh block after <!-- ci-install: {want} -->, "
                 f"found {names.count(want)}")
    return dict(found)


def commands(block):
    """The block's commands: `\\` continuations joined, blank lines and comments dropped."""
    out = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(shlex.split(line, comments=True))
    return out


def render(path):
    p = subprocess.run(["kubectl", "kustomize", path], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"kubectl kustomize {path} failed:\n{p.stderr}")
    return [d for d in yaml.safe_load_all(p.stdout) if d]


def load_file(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def check_block(name, block, src, home):
    """Static checks of one block; runs its certs/make-certs.sh lines (into `home`) so that the
    overlay it applies can be rendered. Returns the objects it applies."""
    applied, waits, external = [], [], False
    env = dict(os.environ, HOME=home)
    for argv in commands(block):
        argv = [home + a[1:] if a.startswith("~") else a for a in argv]  # bash's ~, HOME=home
        if argv[0] == "certs/make-certs.sh":
            p = subprocess.run([os.path.join(src, argv[0]), *argv[1:]], cwd=src, env=env,
                               capture_output=True, text=True)
            if p.returncode != 0:
                fail(f"{name}: {' '.join(argv)} failed:\n{p.stderr}")
            continue
        if argv[0] != "kubectl":
            fail(f"{name}: only kubectl and certs/make-certs.sh belong in an install block: {argv}")
        ns = argv[argv.index("-n") + 1] if "-n" in argv else None
        if "apply" in argv:
            if "-k" in argv:
                applied += render(os.path.join(src, argv[argv.index("-k") + 1]))
            elif "-f" in argv and argv[argv.index("-f") + 1].startswith(CERT_MANAGER_RELEASE):
                external = True
            elif "-f" in argv:
                applied += load_file(os.path.join(src, argv[argv.index("-f") + 1]))
            else:
                fail(f"{name}: cannot tell what this applies: {argv}")
        elif "rollout" in argv or "wait" in argv:
            target = next(a for a in argv if "/" in a and not a.startswith("-"))
            waits.append((ns, target))
    for ns, target in waits:
        kind, obj = target.split("/", 1)
        if external and ns == "cert-manager":
            continue  # cert-manager's own release manifest
        if not any(d["kind"].lower() == kind.lower() and d["metadata"]["name"] == obj
                   and d["metadata"].get("namespace") == ns for d in applied):
            fail(f"{name}: waits for {kind}/{obj} in namespace {ns}, which the block does not apply")
    if not waits:
        fail(f"{name}: the block waits for nothing (want a rollout status or wait)")
    return applied


def one(docs, kind, name):
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    if len(found) != 1:
        fail(f"want exactly one {kind}/{name}, found {len(found)}")
    return found[0]


def static_checks(src):
    blocks = readme_blocks(src)
    with tempfile.TemporaryDirectory() as home:
        script = check_block("script", blocks["script"], src, home)
        one(script, "Secret", "redis-cluster-webhook-tls")
        (hook,) = one(script, "MutatingWebhookConfiguration", "redis-cluster-webhook")["webhooks"]
        with open(os.path.join(home, "redis-cluster-certs", "ca.crt"), "rb") as f:
            if base64.b64decode(hook["clientConfig"]["caBundle"]) != f.read():
                fail("script: the applied caBundle is not the CA certs/make-certs.sh made")

        cm = check_block("cert-manager", blocks["cert-manager"], src, home)
        if cm != render(os.path.join(src, "certs", "cert-manager")):
            fail("cert-manager: the file the block applies is not `kubectl kustomize certs/cert-manager/`"
                 " (regenerate: make install-yaml)")
        cert = one(cm, "Certificate", "redis-cluster-webhook")
        if cert["spec"]["secretName"] != "redis-cluster-webhook-tls":
            fail(f"cert-manager: the Certificate writes {cert['spec']['secretName']}")
        issuer = one(cm, "Issuer", cert["spec"]["issuerRef"]["name"])
        ca = one(cm, "Certificate", "redis-cluster-webhook-ca")
        if issuer["spec"]["ca"]["secretName"] != ca["spec"]["secretName"]:
            fail("cert-manager: the CA Issuer does not use the CA Certificate's Secret")
        hook = one(cm, "MutatingWebhookConfiguration", "redis-cluster-webhook")
        want = f"{cert['metadata']['namespace']}/{cert['metadata']['name']}"
        got = hook["metadata"].get("annotations", {}).get("cert-manager.io/inject-ca-from")
        if got != want:
            fail(f"cert-manager: inject-ca-from is {got!r}, want {want!r}")
        if any(d["kind"] == "Secret" for d in cm):
            fail("cert-manager: the file holds a Secret")

        example = check_block("example", blocks["example"], src, home)
        sts = one(example, "StatefulSet", "redis")
        if sts["metadata"]["labels"].get("redis-cluster") != "managed":
            fail("example: the StatefulSet is not labelled redis-cluster=managed")
    print("ok: README install blocks (script, cert-manager, example) are consistent")
    return blocks


def run_block(name, block, home):
    """Runs the block with bash exactly as written (set -e: the first failing command fails)."""
    print(f"== README block {name}:\n{block}", flush=True)
    path = os.path.join(home, f"readme-{name}.sh")
    with open(path, "w") as f:
        f.write(block + "\n")
    p = subprocess.run(["bash", "-euxo", "pipefail", path], cwd=REPO,
                       env=dict(os.environ, HOME=home), timeout=900)
    if p.returncode != 0:
        fail(f"README block {name} failed (exit {p.returncode}); its commands are above")


def inside_kubesim():
    sys.path.insert(0, HERE)
    import kube  # noqa: E402 (needs KUBESIM_STATE_DIR, set by kubesim-run)

    blocks = readme_blocks(REPO)
    home = os.path.join(kube.STATE_DIR, "readme-home")
    os.makedirs(home, exist_ok=True)
    run_block("script", blocks["script"], home)
    deploy = kube.get_json("redis-cluster-system", "deployment", "redis-cluster-webhook")
    if deploy["status"].get("readyReplicas") != 2:
        fail(f"the webhook has {deploy['status'].get('readyReplicas')} ready replicas, want 2")
    config = kube.get_json(None, "mutatingwebhookconfiguration", "redis-cluster-webhook")
    with open(os.path.join(home, "redis-cluster-certs", "ca.crt"), "rb") as f:
        if base64.b64decode(config["webhooks"][0]["clientConfig"]["caBundle"]) != f.read():
            fail("caBundle is not the CA the README's certs/make-certs.sh made")

    run_block("example", blocks["example"], home)
    sts = kube.get_json("redis-demo", "statefulset", "redis")
    names = [c["name"] for c in sts["spec"]["template"]["spec"].get("initContainers", [])]
    if "redis-cluster-agent" not in names:
        fail(f"the example StatefulSet was not mutated by the webhook: init containers {names}")
    # The image the webhook injects is its Deployment's REDIS_CLUSTER_AGENT_IMAGE, expanded into
    # --agent-image by the kubelet (deploy/webhook-deployment.yaml).
    (container,) = deploy["spec"]["template"]["spec"]["containers"]
    want = next(e["value"] for e in container["env"] if e["name"] == "REDIS_CLUSTER_AGENT_IMAGE")
    images = {c["name"]: c["image"] for c in sts["spec"]["template"]["spec"]["initContainers"]
              if c["name"] in ("redis-cluster-init", "redis-cluster-agent")}
    if set(images.values()) != {want}:
        fail(f"injected agent images {images}, want {want} (the webhook's REDIS_CLUSTER_AGENT_IMAGE)")

    def status():
        s = kube.get_json("redis-demo", "statefulset", "redis") or {}
        text = s.get("metadata", {}).get("annotations", {}).get("redis-cluster.io/status", "")
        return text if "slots=16384/16384" in text and "balanced=yes" in text else None

    print("ok: formed:", kube.wait_for("the example cluster to serve every slot, balanced",
                                       status, timeout=300, interval=1))
    print("ok: the README's install (way 1) and example run as written on kubesim")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--static":
        static_checks(os.path.abspath(sys.argv[2]))
    elif len(sys.argv) == 2 and sys.argv[1] == "--inside-kubesim":
        inside_kubesim()
    elif len(sys.argv) == 2:
        static_checks(REPO)
        bin_dir = os.environ.get("KUBESIM_BIN_DIR") or subprocess.run(
            [os.path.join(HERE, "bin-dir.sh"), sys.argv[1]], check=True, capture_output=True,
            text=True).stdout.strip()
        kubesim_run = os.path.join(REPO, "tests", "kubesim", "kubesim-run")
        os.chdir(REPO)
        sys.stdout.flush()
        os.execv(kubesim_run, [kubesim_run, "--bin-dir", bin_dir, "--",
                               "/usr/bin/python3", os.path.abspath(__file__), "--inside-kubesim"])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
