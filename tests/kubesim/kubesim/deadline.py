"""A termination deadline that a later, shorter delete can move earlier while others wait on it."""
import threading
import time


class Deadline:
    """`seconds` from now (monotonic). shorten() only ever moves it earlier and wakes every
    wait_for() at once, so a hook or a container being waited on is cut off at the new time."""

    def __init__(self, seconds):
        self._cond = threading.Condition()
        self._at = time.monotonic() + max(0.0, float(seconds))
        self.grace = float(seconds)  # the last grace period asked for (0: forced)

    def remaining(self):
        with self._cond:
            return max(0.0, self._at - time.monotonic())

    def shorten(self, seconds):
        """Moves the deadline to `seconds` from now if that is earlier. True when it moved."""
        with self._cond:
            at = time.monotonic() + max(0.0, float(seconds))
            if at >= self._at:
                return False
            self._at, self.grace = at, float(seconds)
            self._cond.notify_all()
            return True

    def wait_for(self, done, poll=0.05, limit=None):
        """Polls done() until it is true (returns True), the deadline passes or `limit` seconds
        have gone by (returns done()). A shorten() ends the wait without waiting for the poll."""
        end = None if limit is None else time.monotonic() + limit
        while not done():
            with self._cond:
                left = self._at - time.monotonic()
                if end is not None:
                    left = min(left, end - time.monotonic())
                if left <= 0:
                    break
                self._cond.wait(min(poll, left))
        return bool(done())
