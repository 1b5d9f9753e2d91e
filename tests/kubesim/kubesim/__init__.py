"""kubesim: a small Kubernetes stand-in for tests (see ../README.md)."""
