#!/usr/bin/python3
"""The install manifests, rendered the way users render them (kubectl kustomize),
and the certificate script. Checks the kinds and the fields the design asks for.
usage: deploy_manifests_test.py SOURCE_DIR"""
import base64
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

import yaml

SRC = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else ".")


def kustomize(path):
    out = subprocess.run(["kubectl", "kustomize", path], check=True, capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def one(docs, kind, name):
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"want exactly one {kind}/{name}, got {len(found)}"
    return found[0]


def expand(text, env):
    """The kubelet's $(VAR) expansion of container args (no $$ escapes in our manifests)."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), text)


def webhook_container(docs):
    (c,) = one(docs, "Deployment", "redis-cluster-webhook")["spec"]["template"]["spec"]["containers"]
    return c


def agent_image_flag(c):
    """The --agent-image value the webhook process sees: its arg, expanded from its env."""
    env = {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}
    flags = [expand(a, env) for a in c["args"] if a.startswith("--agent-image=")]
    assert len(flags) == 1, c["args"]
    return flags[0].split("=", 1)[1]


class DeployBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = kustomize(os.path.join(SRC, "deploy"))

    def test_kinds(self):
        kinds = sorted((d["kind"], d["metadata"]["name"]) for d in self.docs)
        for want in [("Namespace", "redis-cluster-system"), ("Deployment", "redis-cluster-webhook"),
                     ("Service", "redis-cluster-webhook"), ("PodDisruptionBudget", "redis-cluster-webhook"),
                     ("MutatingWebhookConfiguration", "redis-cluster-webhook"),
                     ("ClusterRole", "redis-cluster-agent"), ("ServiceAccount", "redis-cluster-webhook")]:
            self.assertIn(want, kinds)
        self.assertNotIn("Secret", [k for k, _ in kinds], "no key material in deploy/")

    def test_deployment(self):
        dep = one(self.docs, "Deployment", "redis-cluster-webhook")
        self.assertEqual(dep["metadata"]["namespace"], "redis-cluster-system")
        self.assertEqual(dep["spec"]["replicas"], 2)
        pod = dep["spec"]["template"]["spec"]
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertEqual(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault")
        (c,) = pod["containers"]
        self.assertEqual(c["image"], "redis-cluster-webhook:0.1.0")
        sc = c["securityContext"]
        self.assertFalse(sc["allowPrivilegeEscalation"])
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertTrue(sc["readOnlyRootFilesystem"])
        for probe in ("readinessProbe", "livenessProbe"):
            self.assertEqual(c[probe]["httpGet"]["path"], "/healthz")
            self.assertEqual(c[probe]["httpGet"]["scheme"], "HTTPS")
        self.assertIn("requests", c["resources"])
        self.assertIn("limits", c["resources"])
        self.assertEqual([p["containerPort"] for p in c["ports"]], [8443])
        args = c["args"]
        self.assertIn("--port=8443", args)
        self.assertEqual(agent_image_flag(c), "redis-cluster-agent:0.1.0")
        (vol,) = pod["volumes"]
        self.assertEqual(vol["secret"]["secretName"], "redis-cluster-webhook-tls")
        (mount,) = c["volumeMounts"]
        self.assertEqual(mount["name"], vol["name"])
        self.assertIn(f"--tls-cert-file={mount['mountPath']}/tls.crt", args)
        self.assertIn(f"--tls-key-file={mount['mountPath']}/tls.key", args)
        pdb = one(self.docs, "PodDisruptionBudget", "redis-cluster-webhook")
        self.assertEqual(pdb["spec"]["selector"]["matchLabels"], dep["spec"]["selector"]["matchLabels"])

    def test_service(self):
        svc = one(self.docs, "Service", "redis-cluster-webhook")
        self.assertEqual(svc["metadata"]["namespace"], "redis-cluster-system")
        (port,) = svc["spec"]["ports"]
        self.assertEqual(port["port"], 443)
        self.assertEqual(port["targetPort"], "https")

    def test_webhook_configuration(self):
        (hook,) = one(self.docs, "MutatingWebhookConfiguration", "redis-cluster-webhook")["webhooks"]
        self.assertEqual(hook["admissionReviewVersions"], ["v1"])
        self.assertEqual(hook["sideEffects"], "None")
        self.assertLessEqual(hook["timeoutSeconds"], 5)
        self.assertEqual(hook["failurePolicy"], "Fail")
        self.assertEqual(hook["reinvocationPolicy"], "IfNeeded")
        self.assertEqual(hook["objectSelector"], {"matchLabels": {"redis-cluster": "managed"}})
        (expr,) = hook["namespaceSelector"]["matchExpressions"]
        self.assertEqual(expr["key"], "kubernetes.io/metadata.name")
        self.assertEqual(expr["operator"], "NotIn")
        self.assertEqual(set(expr["values"]), {"kube-system", "redis-cluster-system"})
        (rule,) = hook["rules"]
        self.assertEqual((rule["apiGroups"], rule["apiVersions"], rule["resources"]), (["apps"], ["v1"], ["statefulsets"]))
        self.assertEqual(set(rule["operations"]), {"CREATE", "UPDATE"})
        svc = hook["clientConfig"]["service"]
        self.assertEqual((svc["name"], svc["namespace"], svc["path"], svc["port"]),
                         ("redis-cluster-webhook", "redis-cluster-system", "/mutate", 443))

    def test_agent_cluster_role(self):
        role = one(self.docs, "ClusterRole", "redis-cluster-agent")
        granted = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"]
                   for r in rule["resources"] for v in rule["verbs"]}
        # Least rights: exactly what the agent calls, nothing more (kubesim's
        # RBAC check makes the e2e story fail if one of these is missing).
        # patch statefulsets: the coordinator's redis-cluster.io/status annotation.
        want = {("apps", "statefulsets", "get"), ("apps", "statefulsets", "patch"),
                ("", "pods", "list"), ("", "services", "get"), ("", "events", "create"), ("policy", "poddisruptionbudgets", "list"),
                ("policy", "poddisruptionbudgets", "create")}
        want |= {("coordination.k8s.io", "leases", v) for v in ("get", "create", "update")}
        self.assertEqual(granted, want)


class Images(unittest.TestCase):
    """One kustomize `images:` edit sets an image everywhere it is used: the agent entry changes
    the image the webhook injects (REDIS_CLUSTER_AGENT_IMAGE, which its --agent-image expands),
    the webhook entry its Deployment's image. Both as an overlay and edited in deploy/ itself."""

    AGENT = "registry.example.com/team/redis-cluster-agent"
    WEBHOOK = "registry.example.com/team/redis-cluster-webhook"

    def overlay(self, tmp, base, images):
        os.makedirs(os.path.join(tmp, "overlay"))
        with open(os.path.join(tmp, "overlay", "kustomization.yaml"), "w") as f:
            yaml.safe_dump({"resources": [os.path.relpath(base, os.path.join(tmp, "overlay"))],
                            "images": images}, f)
        return kustomize(os.path.join(tmp, "overlay"))

    def test_overlay_of_deploy(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(SRC, "deploy"), os.path.join(tmp, "deploy"))
            docs = self.overlay(tmp, os.path.join(tmp, "deploy"),
                                [{"name": "redis-cluster-agent", "newName": self.AGENT, "newTag": "9.9.9"}])
        c = webhook_container(docs)
        self.assertEqual(agent_image_flag(c), f"{self.AGENT}:9.9.9")
        self.assertEqual(c["image"], "redis-cluster-webhook:0.1.0", "only the agent entry was changed")
        dump = yaml.safe_dump_all(docs)
        self.assertNotIn("redis-cluster-agent:0.1.0", dump, "the old agent image is left somewhere")

    def test_overlay_of_cert_manager_with_digest(self):
        digest = "sha256:" + "ab" * 32
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(SRC, "deploy"), os.path.join(tmp, "deploy"))
            shutil.copytree(os.path.join(SRC, "certs"), os.path.join(tmp, "certs"))
            docs = self.overlay(tmp, os.path.join(tmp, "certs", "cert-manager"),
                                [{"name": "redis-cluster-agent", "newName": self.AGENT, "digest": digest},
                                 {"name": "redis-cluster-webhook", "newName": self.WEBHOOK, "newTag": "9.9.9"}])
        c = webhook_container(docs)
        self.assertEqual(agent_image_flag(c), f"{self.AGENT}@{digest}")
        self.assertEqual(c["image"], f"{self.WEBHOOK}:9.9.9")

    def test_edit_in_deploy_kustomization(self):
        """`kustomize edit set image` in deploy/ (or a release bumping newTag there)."""
        with tempfile.TemporaryDirectory() as tmp:
            deploy = os.path.join(tmp, "deploy")
            shutil.copytree(os.path.join(SRC, "deploy"), deploy)
            path = os.path.join(deploy, "kustomization.yaml")
            with open(path) as f:
                k = yaml.safe_load(f)
            for image in k["images"]:
                image["newTag"] = "7.7.7"
            with open(path, "w") as f:
                yaml.safe_dump(k, f)
            c = webhook_container(kustomize(deploy))
        self.assertEqual(agent_image_flag(c), "redis-cluster-agent:7.7.7")
        self.assertEqual(c["image"], "redis-cluster-webhook:7.7.7")


class Example(unittest.TestCase):
    def test_example(self):
        docs = kustomize(os.path.join(SRC, "deploy", "example"))
        one(docs, "Namespace", "redis-demo")
        sts = one(docs, "StatefulSet", "redis")
        self.assertEqual(sts["metadata"]["namespace"], "redis-demo")
        self.assertEqual(sts["metadata"]["labels"]["redis-cluster"], "managed")
        self.assertEqual(sts["spec"]["replicas"], 6)
        self.assertEqual(sts["spec"]["serviceName"], "redis")
        (c,) = sts["spec"]["template"]["spec"]["containers"]
        self.assertEqual((c["name"], c["image"]), ("redis", "redis:7.0"))
        svc = one(docs, "Service", "redis")
        self.assertEqual(svc["spec"]["clusterIP"], "None")
        self.assertTrue(svc["spec"]["publishNotReadyAddresses"])
        self.assertEqual(svc["spec"]["selector"], {"app": "redis"})
        self.assertEqual({p["name"]: p["port"] for p in svc["spec"]["ports"]}, {"client": 6379, "cluster-bus": 16379})
        self.assertEqual(one(docs, "PodDisruptionBudget", "redis")["spec"]["maxUnavailable"], 1)
        rb = one(docs, "RoleBinding", "redis-cluster-agent")
        self.assertEqual(rb["roleRef"], {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "redis-cluster-agent"})
        self.assertEqual(rb["subjects"], [{"kind": "ServiceAccount", "name": "redis", "namespace": "redis-demo"}])
        one(docs, "ServiceAccount", "redis")
        self.assertEqual(sts["spec"]["template"]["spec"]["serviceAccountName"], "redis")


class Certs(unittest.TestCase):
    def test_make_certs_overlay(self):
        script = os.path.join(SRC, "certs", "make-certs.sh")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            subprocess.run([script, out], check=True, capture_output=True)
            for f in ("ca.crt", "ca.key", "tls.crt", "tls.key", "tls-secret.yaml", "kustomization.yaml"):
                self.assertTrue(os.path.exists(os.path.join(out, f)), f)
            for key in ("ca.key", "tls.key"):
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(out, key)).st_mode) & 0o077, 0, f"{key} readable by others")
            subprocess.run(["openssl", "verify", "-CAfile", f"{out}/ca.crt", f"{out}/tls.crt"], check=True, capture_output=True)
            sans = subprocess.run(["openssl", "x509", "-in", f"{out}/tls.crt", "-noout", "-ext", "subjectAltName"],
                                  check=True, capture_output=True, text=True).stdout
            for name in ("redis-cluster-webhook.redis-cluster-system.svc",
                         "redis-cluster-webhook.redis-cluster-system.svc.cluster.local"):
                self.assertIn(f"DNS:{name}", sans)
            docs = kustomize(out)
            ca = read(f"{out}/ca.crt")
            (hook,) = one(docs, "MutatingWebhookConfiguration", "redis-cluster-webhook")["webhooks"]
            self.assertEqual(base64.b64decode(hook["clientConfig"]["caBundle"]), ca)
            secret = one(docs, "Secret", "redis-cluster-webhook-tls")
            self.assertEqual(secret["metadata"]["namespace"], "redis-cluster-system")
            self.assertEqual(base64.b64decode(secret["data"]["tls.crt"]), read(f"{out}/tls.crt"))
            self.assertIn(b"PRIVATE KEY", base64.b64decode(secret["data"]["tls.key"]))
            one(docs, "Deployment", "redis-cluster-webhook")
            # Re-running rotates the serving certificate under the same CA.
            old_crt = read(f"{out}/tls.crt")
            subprocess.run([script, out], check=True, capture_output=True)
            self.assertEqual(read(f"{out}/ca.crt"), ca)
            self.assertNotEqual(read(f"{out}/tls.crt"), old_crt)
            subprocess.run(["openssl", "verify", "-CAfile", f"{out}/ca.crt", f"{out}/tls.crt"], check=True, capture_output=True)

    def test_usage(self):
        script = os.path.join(SRC, "certs", "make-certs.sh")
        self.assertEqual(subprocess.run([script], capture_output=True).returncode, 2)
        self.assertEqual(subprocess.run([script, "--help"], capture_output=True).returncode, 0)

    def test_cert_manager_overlay(self):
        docs = kustomize(os.path.join(SRC, "certs", "cert-manager"))
        hook = one(docs, "MutatingWebhookConfiguration", "redis-cluster-webhook")
        self.assertEqual(hook["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
                         "redis-cluster-system/redis-cluster-webhook")
        cert = one(docs, "Certificate", "redis-cluster-webhook")
        self.assertEqual(cert["spec"]["secretName"], "redis-cluster-webhook-tls")
        self.assertIn("redis-cluster-webhook.redis-cluster-system.svc", cert["spec"]["dnsNames"])

    def test_no_private_key_committed(self):
        tracked = subprocess.run(["git", "-C", SRC, "ls-files"], capture_output=True, text=True).stdout.split()
        for path in tracked:
            full = os.path.join(SRC, path)
            if os.path.isfile(full) and os.path.getsize(full) < 1_000_000:
                with open(full, "rb") as f:
                    self.assertNotIn(b"-----BEGIN " + b"PRIVATE KEY", f.read(), path)  # split: this file itself


if __name__ == "__main__":
    unittest.main(verbosity=2)
