"""For conftest.py files whose pytest session must run inside kubesim-run (kubesim's own tests,
tests/e2e): `python3 -m pytest ...` started outside one re-executes itself under it."""
import os
import sys

KUBESIM_DIR = os.path.dirname(os.path.abspath(__file__))
KUBESIM_RUN = os.path.join(KUBESIM_DIR, "kubesim-run")


def inside_kubesim():
    """True in a process kubesim-run started (it sets KUBESIM_STATE_DIR)."""
    return "KUBESIM_STATE_DIR" in os.environ


def run_session_inside_kubesim(config, argv):
    """For pytest_configure(config): inside kubesim-run, returns and the session goes on. Outside,
    replaces this process with argv (absolute argv[0]: kubesim-run, or a script that execs it,
    with a pytest command after it), after handing the terminal back from pytest's output
    capture, so that run's output and exit code are the session's. Does not return then."""
    if inside_kubesim():
        return
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman:
        capman.stop_global_capturing()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
