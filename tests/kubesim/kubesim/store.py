"""In-memory object store: resourceVersion, uid, generation, and a change log for watches."""
import bisect
import copy
import datetime
import threading
import uuid

from . import errors, resources, selectors

_LOG_LIMIT = 10000  # watch history; older resourceVersions get 410 Gone (clients re-list)


_RFC3339 = "%Y-%m-%dT%H:%M:%SZ"


def now_rfc3339(offset_seconds=0):
    """The time now (plus offset_seconds) as the API writes timestamps."""
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return t.strftime(_RFC3339)


def _shift_rfc3339(stamp, seconds):
    t = datetime.datetime.strptime(stamp, _RFC3339) + datetime.timedelta(seconds=seconds)
    return t.strftime(_RFC3339)


def _spec_part(obj):
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objs = {}   # (storage key, namespace, name) -> object
        self._rv = 1
        self._log = []    # (rv, event type, storage key, object, previous object or None)

    # -- helpers --------------------------------------------------------
    def _key(self, r, ns, name):
        return (resources.storage_key(r), ns if r.namespaced else "", name)

    def _record(self, kind, r, obj, prev=None):
        self._log.append((int(obj["metadata"]["resourceVersion"]), kind, resources.storage_key(r),
                          copy.deepcopy(obj), prev))
        if len(self._log) > _LOG_LIMIT:
            del self._log[: len(self._log) // 2]
        self.changed.notify_all()

    def _next_rv(self):
        self._rv += 1
        return str(self._rv)

    @property
    def resource_version(self):
        with self.lock:
            return str(self._rv)

    # -- CRUD -----------------------------------------------------------
    def create(self, r, obj):
        with self.lock:
            md = obj.setdefault("metadata", {})
            if not md.get("name") and md.get("generateName"):
                md["name"] = md["generateName"] + uuid.uuid4().hex[:5]
            if not md.get("name"):
                raise errors.invalid(r, "", "metadata.name: Required value: name or generateName is required")
            if r.namespaced:
                md["namespace"] = md.get("namespace") or "default"
                if not self.get_or_none(resources.find("", "v1", "namespaces"), "", md["namespace"]):
                    raise errors.ApiError(404, "NotFound", f'namespaces "{md["namespace"]}" not found')
            else:
                md.pop("namespace", None)
            key = self._key(r, md.get("namespace", ""), md["name"])
            if key in self._objs:
                raise errors.already_exists(r, md["name"])
            obj["apiVersion"], obj["kind"] = r.group_version, r.kind
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now_rfc3339()
            md["resourceVersion"] = self._next_rv()
            md["generation"] = 1
            for k in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
                md.pop(k, None)
            self._objs[key] = copy.deepcopy(obj)
            self._record("ADDED", r, obj)
            return obj

    def get_or_none(self, r, ns, name):
        with self.lock:
            o = self._objs.get(self._key(r, ns, name))
            return copy.deepcopy(o) if o else None

    def get(self, r, ns, name):
        o = self.get_or_none(r, ns, name)
        if o is None:
            raise errors.not_found(r, name)
        return o

    def list(self, r, ns=None, label_selector=None, field_selector=None, label_reqs=None):
        reqs = label_reqs if label_reqs is not None else selectors.parse(label_selector)
        with self.lock:
            out = []
            for (sk, ons, _), o in sorted(self._objs.items()):
                if sk != resources.storage_key(r) or (ns and r.namespaced and ons != ns):
                    continue
                if not selectors.matches(reqs, o["metadata"].get("labels")):
                    continue
                if field_selector and not selectors.field_matches(field_selector, o):
                    continue
                out.append(copy.deepcopy(o))
            return out, str(self._rv)

    def update(self, r, obj, check_rv=True, status_only=False):
        """Replaces an object. status_only keeps the stored spec (the /status subresource)."""
        with self.lock:
            md = obj.get("metadata", {})
            key = self._key(r, md.get("namespace", "default"), md.get("name"))
            cur = self._objs.get(key)
            if cur is None:
                raise errors.not_found(r, md.get("name"))
            if check_rv and md.get("resourceVersion") and md["resourceVersion"] != cur["metadata"]["resourceVersion"]:
                raise errors.conflict(r, md["name"])
            new = copy.deepcopy(obj)
            if status_only:
                new = copy.deepcopy(cur)
                new["status"] = copy.deepcopy(obj.get("status"))
            nmd = new.setdefault("metadata", {})
            for k in ("uid", "creationTimestamp", "namespace", "deletionTimestamp",
                      "deletionGracePeriodSeconds"):
                if k in cur["metadata"]:
                    nmd[k] = cur["metadata"][k]
                else:
                    nmd.pop(k, None)
            new["apiVersion"], new["kind"] = r.group_version, r.kind
            nmd["generation"] = cur["metadata"].get("generation", 1)
            if _spec_part(new) != _spec_part(cur):
                nmd["generation"] += 1
            nmd["resourceVersion"] = self._next_rv()
            self._objs[key] = new
            self._record("MODIFIED", r, new, cur)
            return copy.deepcopy(new)

    def mark_deleting(self, r, ns, name, grace):
        """Starts a graceful delete: deletionTimestamp (when the object is due to go: now + grace)
        and deletionGracePeriodSeconds, as the API server sets them. On an object already being
        deleted only a shorter grace counts: it lowers deletionGracePeriodSeconds and moves
        deletionTimestamp earlier by the difference; a longer one changes nothing."""
        with self.lock:
            cur = self._objs.get(self._key(r, ns, name))
            if cur is None:
                raise errors.not_found(r, name)
            md = cur["metadata"]
            if not md.get("deletionTimestamp"):
                md["deletionTimestamp"] = now_rfc3339(grace)
                md["deletionGracePeriodSeconds"] = grace
            elif grace < md.get("deletionGracePeriodSeconds", 0):
                md["deletionTimestamp"] = _shift_rfc3339(md["deletionTimestamp"],
                                                         grace - md["deletionGracePeriodSeconds"])
                md["deletionGracePeriodSeconds"] = grace
            else:
                return copy.deepcopy(cur)
            md["resourceVersion"] = self._next_rv()
            self._record("MODIFIED", r, cur)
            return copy.deepcopy(cur)

    def delete(self, r, ns, name):
        with self.lock:
            key = self._key(r, ns, name)
            cur = self._objs.pop(key, None)
            if cur is None:
                raise errors.not_found(r, name)
            cur["metadata"]["resourceVersion"] = self._next_rv()
            self._record("DELETED", r, cur)
            return copy.deepcopy(cur)

    # -- watch ----------------------------------------------------------
    def events_since(self, r, rv, timeout):
        """Blocks up to timeout for changes after rv; returns ([(type, object, previous object or
        None)], newest rv) or None if rv is too old. Previous objects are shared: do not modify."""
        sk = resources.storage_key(r)
        rv = int(rv)
        with self.lock:
            if self._log and rv < self._log[0][0] - 1:  # history after rv was dropped
                return None
            if self._rv <= rv:
                self.changed.wait(timeout)
            start = bisect.bisect_right([e[0] for e in self._log], rv)
            evs = [(t, copy.deepcopy(o), p) for (_, t, k, o, p) in self._log[start:] if k == sk]
            return evs, self._rv

    def wait_change(self, timeout, since=None):
        """Waits until the store changed after resourceVersion `since` (default: now)."""
        with self.lock:
            rv = self._rv if since is None else int(since)
            if self._rv == rv:
                self.changed.wait(timeout)
            return self._rv != rv

