"""Controllers: StatefulSet, Deployment and a small garbage collector."""
import sys
import threading
import traceback


class Loop:
    """Runs reconcile() on every store change (and at least twice a second)."""

    name = "controller"

    def __init__(self, store, registry):
        self.store, self.registry = store, registry
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=self.name)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()

    def _run(self):
        while not self._stop.is_set():
            seen = self.store.resource_version
            try:
                self.reconcile()
            except Exception as e:
                traceback.print_exc()
                print(f"kubesim: {self.name}: {e}", file=sys.stderr, flush=True)
            self.store.wait_change(0.5, since=seen)

    def reconcile(self):
        raise NotImplementedError
