"""Issue 7, test 11: the same story with `redis-cluster.io/password-secret`: a cluster that needs
the password forms, scales to 8 and back to 6 without losing a key, and the password appears in no
log line, no Event and no process argument."""
import hashlib
import hmac
import json
import os
import secrets

import redis
import yaml

import cluster
import kube

NS = "redis-secure"
SELECTOR = "app=redis"


def manifests():
    return kube.example_manifests(NS, {"redis-cluster.io/password-secret": "redis-auth"})


def process_args_with(secret):
    hits = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if secret in args:
            hits.append(f"{pid}: {args}")
    return hits


def files_with(secret, root):
    hits = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                with open(path, errors="replace") as f:
                    for line in f:
                        if secret in line:
                            hits.append(f"{path}: {line.strip()[:200]}")
            except OSError:
                continue
    return hits


def check_the_agents_acl_user(ips, password):
    """The agents talk to redis as their own ACL user, which may not flush."""
    for pod, ip in ips.items():
        admin = cluster.node(ip, password)
        users = {c.get("user") for c in admin.client_list()}
        admin.close()
        assert "redis-cluster-agent" in users, f"{pod}: no connection of the agent's user: {users}"
        assert "has no user" not in kube.logs(NS, pod, "redis-cluster-agent")
    agent_pw = hmac.new(password.encode(), b"redis-cluster-agent/v1", hashlib.sha256).hexdigest()
    as_agent = redis.Redis(host=next(iter(ips.values())), port=6379, username="redis-cluster-agent",
                           password=agent_pw, socket_timeout=2, decode_responses=True)
    assert as_agent.cluster("info")["cluster_state"] == "ok"
    try:
        as_agent.flushall()
        raise AssertionError("the agent's user may FLUSHALL")
    except redis.exceptions.NoPermissionError:
        pass
    as_agent.close()


def test_password_cluster_story(install):
    password = secrets.token_hex(16)
    kube.kubectl("create", "namespace", NS)
    kube.kubectl("-n", NS, "create", "secret", "generic", "redis-auth", f"--from-literal=password={password}")
    kube.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(manifests()))
    ips = cluster.wait_healthy(NS, SELECTOR, 3, 1, timeout=300, password=password)

    with_no_password = cluster.node(next(iter(ips.values())))
    try:
        with_no_password.ping()
        raise AssertionError("redis answered a client without the password")
    except cluster.redis.AuthenticationError:
        pass
    except cluster.redis.ResponseError as e:
        assert "NOAUTH" in str(e), e

    book = cluster.KeyBook()
    client = cluster.cluster_client(next(iter(ips.values())), password)
    book.write(client, "secure", 5000)
    client.close()
    during = process_args_with(password)

    kube.kubectl("-n", NS, "scale", "statefulset/redis", "--replicas=8")
    ips = cluster.wait_healthy(NS, SELECTOR, 4, 1, timeout=300, password=password)
    during += process_args_with(password)
    kube.kubectl("-n", NS, "scale", "statefulset/redis", "--replicas=6")
    ips = cluster.wait_healthy(NS, SELECTOR, 3, 1, timeout=300, password=password)

    client = cluster.cluster_client(next(iter(ips.values())), password)
    missing = book.missing(client)
    client.close()
    assert not missing, f"{len(missing)} keys lost, e.g. {missing[:5]}"

    if kube.redis_version() >= (6, 0):
        check_the_agents_acl_user(ips, password)
    else:  # no ACL before 6.0: the agent works as the default user, and init says so
        for pod in ips:
            init_log = kube.logs(NS, pod, "redis-cluster-init")
            assert "the agent works as the default user" in init_log, f"{pod}: {init_log[-500:]}"

    assert not during, "the password is in process arguments:\n" + "\n".join(during)
    # Every container log of the run (kubesim keeps them all, deleted pods' too) and the Events.
    log_hits = files_with(password, os.path.join(kube.STATE_DIR, "logs"))
    assert not log_hits, "the password is in logs:\n" + "\n".join(log_hits[:10])
    for pod in ips:  # the pods that stay, through `kubectl logs` as a user reads them
        assert password not in kube.logs(NS, pod, "redis-cluster-agent")
        assert password not in kube.logs(NS, pod, "redis")
    events = kube.kubectl("get", "events", "-A", "-o", "json").stdout
    assert password not in events, "the password is in an Event"
    assert json.loads(events)["items"], "no Events at all: nothing was checked"
