"""The few defaults the real API server fills in that kubectl, controllers or webhooks look at."""


def _pod_spec(spec):
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        c.setdefault("imagePullPolicy", "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        for p in c.get("ports") or []:
            p.setdefault("protocol", "TCP")


def apply(kind, obj):
    spec = obj.setdefault("spec", {}) if kind not in (
        "Namespace", "ServiceAccount", "Secret", "ConfigMap", "Endpoints", "Event", "Role", "RoleBinding",
        "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration", "Node") else None
    if kind == "Pod":
        _pod_spec(spec)
        if not (obj.get("status") or {}).get("phase"):
            obj["status"] = {"phase": "Pending"}  # a new pod starts Pending
    elif kind in ("StatefulSet", "Deployment"):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        _pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))
        if kind == "StatefulSet":
            spec.setdefault("podManagementPolicy", "OrderedReady")
            spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
            spec.setdefault("persistentVolumeClaimRetentionPolicy",
                            {"whenDeleted": "Retain", "whenScaled": "Retain"})
        else:
            spec.setdefault("strategy", {"type": "RollingUpdate",
                                         "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
            spec.setdefault("progressDeadlineSeconds", 600)
    elif kind == "Service":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for p in spec.get("ports") or []:
            p.setdefault("protocol", "TCP")
            p.setdefault("targetPort", p.get("port"))
    elif kind == "Secret":
        obj.setdefault("type", "Opaque")
        if obj.get("stringData"):  # the API server folds stringData into data on write
            import base64
            data = obj.setdefault("data", {}) or {}
            for k, v in obj.pop("stringData").items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj["data"] = data
    elif kind == "MutatingWebhookConfiguration":
        for w in obj.get("webhooks") or []:
            w.setdefault("failurePolicy", "Fail")
            w.setdefault("matchPolicy", "Equivalent")
            w.setdefault("namespaceSelector", {})
            w.setdefault("objectSelector", {})
            w.setdefault("sideEffects", "None")
            w.setdefault("timeoutSeconds", 10)
            w.setdefault("reinvocationPolicy", "Never")
            svc = (w.get("clientConfig") or {}).get("service")
            if svc:
                svc.setdefault("port", 443)
    return obj
