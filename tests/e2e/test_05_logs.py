"""Issue 7, test 9: `kubectl logs redis-0 -c redis-cluster-agent` (the coordinator) tells the story
so far (formed, scaled to 8, scaled to 6) in plain lines, in the order it happened."""
import re

import kube

# klog's header: Lmmdd hh:mm:ss.uuuuuu threadid file:line] message
KLOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ [^ \]]+:\d+\] (.*)$")

# A rebalance or drain that moved nothing: noise in the story (FINDINGS.md #3).
NOOP = re.compile(r"nothing to move|(rebalance|drain) done: moved 0 slots")
# What the engine may say between a decision and its plan (settling the cluster first).
SETTLING = re.compile(r"waiting up to \d+ ms for the nodes to agree|found \d+ open slot|open slot: |"
                      r"master \S+ reports cluster_state:fail")

# What a reader must be able to follow, in order (each a regular expression on one line).
CHAPTERS = [
    r"redis-0 coordinates the cluster",
    r"creating a cluster of 3 masters with 1 replica",
    r"redis-6.*meeting|meeting.*redis-6|redis-7.*meeting|meeting.*redis-7",
    r"rebalancing",
    r"cluster balanced: 4 masters",
    r"draining leaving master\(s\) redis-[67]",
    r"removing drained leaving node\(s\) .*redis-[67]",
    r"cluster balanced: 3 masters",
]


def test_coordinator_log_tells_the_story(story):
    text = kube.logs(story.ns, "redis-0", "redis-cluster-agent")
    lines = text.splitlines()
    messages = []
    for line in lines:
        m = KLOG.match(line)
        assert m, f"not a klog line: {line!r}"
        messages.append(m.group(1))
    for msg in messages:
        assert len(msg) < 400, f"line too long to read: {msg[:200]}..."
        assert not msg.lstrip().startswith(("{", "[")), f"a JSON blob instead of words: {msg[:200]}"
    at = 0
    for chapter in CHAPTERS:
        found = next((i for i in range(at, len(messages)) if re.search(chapter, messages[i])), None)
        assert found is not None, (f"the log does not say /{chapter}/ after line {at}:\n" +
                                   "\n".join(messages[at:at + 40]))
        at = found + 1
    # No rebalance that moves nothing (FINDINGS.md #3): every "rebalancing" decision is followed
    # by the engine's plan of the slots it moves, never by "nothing to move" / "moved 0 slots".
    noop = [m for m in messages if NOOP.search(m)]
    assert not noop, "no-op rebalance lines:\n" + "\n".join(noop)
    for i, msg in enumerate(messages):
        if re.search(r"^slots are uneven .*: rebalancing", msg):
            nxt = next((m for m in messages[i + 1:] if not SETTLING.match(m)), "")
            assert re.match(r"rebalance: move \d+ slot", nxt), \
                f"{msg!r} is not followed by a plan that moves slots (next: {nxt!r})"
    # Nothing repeats every loop: a quiet cluster keeps a quiet log.
    repeated = max(messages.count(m) for m in set(messages))
    assert repeated <= 5, [m for m in set(messages) if messages.count(m) == repeated]
    print("\n".join(lines[-40:]))


def test_events_on_the_statefulset(story):
    """The coordinator also records what it did as Events on the StatefulSet."""
    evs = [e for e in kube.events(story.ns)
           if e.get("involvedObject", e.get("regarding", {})).get("kind") == "StatefulSet"]
    assert evs, "no Event on the StatefulSet"
    texts = " | ".join(f"{e.get('reason')}: {e.get('message', e.get('note', ''))}" for e in evs)
    assert "creating a cluster" in texts or "create" in texts.lower(), texts
