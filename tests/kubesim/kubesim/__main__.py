"""python3 -m kubesim serve ...: runs the API server, controllers, kubelet and DNS in one process."""
import sys

from .server import main

sys.exit(main(sys.argv[1:]))
