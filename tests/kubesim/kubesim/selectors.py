"""Label selectors: the string form (?labelSelector=) and the LabelSelector object form."""
import re

from .errors import bad_request

_SET_RE = re.compile(r"^\s*([^\s!=,()]+)\s+(in|notin)\s+\(([^)]*)\)\s*")


def _split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def parse(selector):
    """Returns a list of (key, op, values) requirements."""
    reqs = []
    for part in _split_top(selector or ""):
        part = part.strip()
        m = _SET_RE.match(part)
        if m:
            values = [v.strip() for v in m.group(3).split(",") if v.strip()]
            reqs.append((m.group(1), m.group(2), values))
        elif "!=" in part:
            k, v = part.split("!=", 1)
            reqs.append((k.strip(), "notin", [v.strip()]))
        elif "==" in part:
            k, v = part.split("==", 1)
            reqs.append((k.strip(), "in", [v.strip()]))
        elif "=" in part:
            k, v = part.split("=", 1)
            reqs.append((k.strip(), "in", [v.strip()]))
        elif part.startswith("!"):
            reqs.append((part[1:].strip(), "doesnotexist", []))
        elif re.match(r"^[\w./-]+$", part):
            reqs.append((part, "exists", []))
        else:
            raise bad_request(f"unable to parse requirement: {part!r}")
    return reqs


def from_label_selector(sel):
    """metav1.LabelSelector -> requirements. None selects nothing; {} selects everything."""
    if sel is None:
        return None
    reqs = [(k, "in", [v]) for k, v in (sel.get("matchLabels") or {}).items()]
    for e in sel.get("matchExpressions") or []:
        op = e["operator"].lower()
        reqs.append((e["key"], op, e.get("values") or []))
    return reqs


def matches(reqs, labels):
    if reqs is None:
        return False
    labels = labels or {}
    for key, op, values in reqs:
        if op == "in" and labels.get(key) not in values:
            return False
        if op == "notin" and key in labels and labels[key] in values:
            return False
        if op == "exists" and key not in labels:
            return False
        if op == "doesnotexist" and key in labels:
            return False
    return True


def field_matches(selector, obj):
    """Only what kubectl uses: metadata.name / metadata.namespace (=, ==, !=), spec.nodeName."""
    for part in _split_top(selector or ""):
        neg = "!=" in part
        k, v = re.split(r"!=|==|=", part, maxsplit=1)
        cur = obj
        for p in k.strip().split("."):
            cur = (cur or {}).get(p) if isinstance(cur, dict) else None
        if (str(cur or "") == v.strip()) == neg:
            return False
    return True
