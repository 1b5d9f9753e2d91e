#!/usr/bin/python3
"""deploy/monitoring/ and the metrics its rules read. promtool (Debian package prometheus)
checks the PrometheusRule's `groups:` (what a plain Prometheus rule file holds) and the
agent's and webhook's /metrics text, rendered by metrics_sample through the same Render()
the servers call. Every metric an alert names must be one the binaries export.
usage: promtool_test.py SOURCE_DIR METRICS_SAMPLE"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

SAMPLE = os.path.abspath(sys.argv.pop(2))
SRC = os.path.abspath(sys.argv.pop(1))
MONITORING = os.path.join(SRC, "deploy", "monitoring")
PROMTOOL = "/usr/bin/promtool"


def load_all(name):
    with open(os.path.join(MONITORING, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def sample(which):
    return subprocess.run([SAMPLE, which], check=True, capture_output=True, text=True).stdout


def check_metrics(text):
    return subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)


def names(text):
    return {line.split(" ")[2] for line in text.splitlines() if line.startswith("# TYPE ")}


class Rules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        (cls.rule,) = load_all("prometheusrule.yaml")

    def test_promtool_accepts_the_groups_as_a_rule_file(self):
        self.assertEqual((self.rule["apiVersion"], self.rule["kind"]),
                         ("monitoring.coreos.com/v1", "PrometheusRule"))
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            yaml.safe_dump(self.rule["spec"], f)  # the `groups:` document
            f.flush()
            p = subprocess.run([PROMTOOL, "check", "rules", f.name], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_the_alerts_the_issue_asks_for(self):
        alerts = {r["alert"]: r for g in self.rule["spec"]["groups"] for r in g["rules"]}
        for name in ("RedisClusterSlotsLost", "RedisClusterNotBalanced",
                     "RedisClusterMigrationStuck", "RedisClusterWebhookCertificateExpiresSoon"):
            self.assertIn(name, alerts)
        self.assertIn("redis_cluster_agent_cluster_lost_slots", alerts["RedisClusterSlotsLost"]["expr"])
        self.assertEqual(alerts["RedisClusterNotBalanced"]["for"], "10m")

    def test_every_metric_an_alert_names_is_exported(self):
        exported = set()
        for which in ("agent-coordinator", "agent-follower", "webhook"):
            exported |= names(sample(which))
        for group in self.rule["spec"]["groups"]:
            for rule in group["rules"]:
                for metric in re.findall(r"redis_cluster_\w+", rule["expr"]):
                    self.assertIn(metric, exported, f'{rule["alert"]} reads {metric}, which nobody exports')


class Metrics(unittest.TestCase):
    def test_promtool_finds_no_problem(self):
        for which in ("agent-coordinator", "agent-follower", "webhook"):
            with self.subTest(which):
                p = check_metrics(sample(which))
                self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))

    def test_only_the_coordinator_exports_the_cluster_wide_gauges(self):
        coordinator, follower = names(sample("agent-coordinator")), names(sample("agent-follower"))
        cluster_wide = {"redis_cluster_agent_cluster_balanced", "redis_cluster_agent_cluster_masters",
                        "redis_cluster_agent_cluster_nodes", "redis_cluster_agent_cluster_lost_slots",
                        "redis_cluster_agent_migration_progress_ratio",
                        "redis_cluster_agent_migration_running"}
        self.assertLessEqual(cluster_wide, coordinator)
        self.assertFalse(cluster_wide & follower, "a follower must not say 'not balanced'")
        for per_pod in ("redis_cluster_agent_coordinator", "redis_cluster_agent_redis_up",
                        "redis_cluster_agent_build_info"):
            self.assertIn(per_pod, follower)


class PodMonitors(unittest.TestCase):
    def test_the_agents_port_by_name_on_the_example_pods(self):
        docs = {d["metadata"]["name"]: d for d in load_all("podmonitor.yaml")}
        agent = docs["redis-cluster-agent"]
        self.assertEqual(agent["kind"], "PodMonitor")
        self.assertEqual(agent["spec"]["selector"]["matchLabels"], {"app": "redis"})
        (endpoint,) = agent["spec"]["podMetricsEndpoints"]
        self.assertEqual((endpoint["port"], endpoint["path"]), ("agent-http", "/metrics"))
        with open(os.path.join(SRC, "deploy", "example", "redis-statefulset.yaml")) as f:
            sts = next(d for d in yaml.safe_load_all(f) if d and d["kind"] == "StatefulSet")
        self.assertEqual(agent["metadata"]["namespace"], sts["metadata"]["namespace"])
        self.assertEqual(sts["spec"]["template"]["metadata"]["labels"], {"app": "redis"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
