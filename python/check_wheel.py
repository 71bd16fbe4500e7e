"""Checks a built wheel the way installers and PyPI read it, with the stdlib only.

    python3 python/check_wheel.py dist-python/tap_enterpret-X.Y.Z-py3-none-any.whl

Prints a JSON summary (name, version, tag, METADATA's fields, files, console scripts) and exits 1
with each problem on stderr when the wheel breaks a rule of PEP 427 / the binary distribution
format: the file name's parts, one ``.dist-info`` folder named after them, WHEEL's version, purelib
flag and tag, METADATA's required fields agreeing with the file name, RECORD listing every entry
once with its sha256 and size, and each console script naming a module the wheel holds. pip checks
less on install (it does not verify RECORD), so a broken wheel could install and fail later.
"""

from __future__ import annotations

import base64
import configparser
import csv
import hashlib
import io
import json
import re
import sys
import zipfile
from email.parser import Parser


def check(path: str) -> tuple[dict, list[str]]:
    problems: list[str] = []
    file_name = path.replace("\\", "/").rsplit("/", 1)[-1]
    match = re.fullmatch(r"([A-Za-z0-9_.]+)-([A-Za-z0-9_.!+]+)-([^-]+)-([^-]+)-([^-]+)\.whl", file_name)
    if match is None:
        return {}, [f"{file_name} is not a wheel file name (name-version-python-abi-platform.whl)"]
    name, version, python, abi, platform = match.groups()
    tag = f"{python}-{abi}-{platform}"
    with zipfile.ZipFile(path) as wheel:
        entries = {info.filename: wheel.read(info) for info in wheel.infolist() if not info.is_dir()}
    info_dirs = {entry.split("/", 1)[0] for entry in entries if entry.split("/", 1)[0].endswith(".dist-info")}
    expected_dir = f"{name}-{version}.dist-info"
    if info_dirs != {expected_dir}:
        problems.append(f"dist-info folders {sorted(info_dirs)}, expected exactly {expected_dir}")

    def text(member: str) -> str:
        data = entries.get(f"{expected_dir}/{member}")
        if data is None:
            problems.append(f"{expected_dir}/{member} is missing")
            return ""
        return data.decode("utf-8")

    wheel_fields = Parser().parsestr(text("WHEEL"))
    if wheel_fields.get("Wheel-Version") != "1.0":
        problems.append(f"WHEEL: Wheel-Version {wheel_fields.get('Wheel-Version')!r}, expected 1.0")
    if wheel_fields.get("Root-Is-Purelib") != "true":
        problems.append("WHEEL: Root-Is-Purelib is not true")
    if wheel_fields.get_all("Tag") != [tag]:
        problems.append(f"WHEEL: Tag {wheel_fields.get_all('Tag')}, expected [{tag!r}] from the file name")

    metadata = Parser().parsestr(text("METADATA"))
    fields = {key: metadata.get_all(key) for key in dict.fromkeys(metadata.keys())}
    for required in ("Metadata-Version", "Name", "Version"):
        if required not in fields:
            problems.append(f"METADATA: {required} is missing")
    if re.sub(r"[-_.]+", "_", (metadata.get("Name") or "")).lower() != name.lower():
        problems.append(f"METADATA: Name {metadata.get('Name')!r} does not match the file name's {name!r}")
    if metadata.get("Version") != version:
        problems.append(f"METADATA: Version {metadata.get('Version')!r} does not match the file name's {version!r}")

    record_name = f"{expected_dir}/RECORD"
    listed: dict[str, int] = {}
    for row in csv.reader(io.StringIO(text("RECORD"))):
        if not row:
            continue
        entry, digest, size = (row + ["", ""])[:3]
        listed[entry] = listed.get(entry, 0) + 1
        if entry == record_name:
            if digest or size:
                problems.append("RECORD: its own row must have no hash and no size")
            continue
        data = entries.get(entry)
        if data is None:
            problems.append(f"RECORD: {entry} is listed but not in the wheel")
            continue
        expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
        if digest != expected:
            problems.append(f"RECORD: {entry} has hash {digest}, its bytes hash to {expected}")
        if size != str(len(data)):
            problems.append(f"RECORD: {entry} has size {size}, it is {len(data)} bytes")
    for entry in entries:
        if listed.get(entry, 0) != 1:
            problems.append(f"RECORD: {entry} is listed {listed.get(entry, 0)} times, expected once")

    scripts: dict[str, str] = {}
    entry_points = configparser.ConfigParser(delimiters=("=",))
    entry_points.optionxform = str  # script names are case-sensitive
    entry_points.read_string(text("entry_points.txt"))
    if entry_points.has_section("console_scripts"):
        for script, target in entry_points.items("console_scripts"):
            scripts[script] = target
            module = target.split(":", 1)[0].strip()
            candidates = (module.replace(".", "/") + ".py", module.replace(".", "/") + "/__init__.py")
            if not any(candidate in entries for candidate in candidates):
                problems.append(f"entry_points.txt: {script} names module {module}, which the wheel does not hold")

    summary = {
        "name": name,
        "version": version,
        "tag": tag,
        "metadata": fields,
        "files": sorted(entries),
        "console_scripts": scripts,
    }
    return summary, problems


def main() -> None:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: check_wheel.py WHEEL\n")
        raise SystemExit(2)
    summary, problems = check(sys.argv[1])
    print(json.dumps(summary, indent=2))
    for problem in problems:
        sys.stderr.write(f"check_wheel: {problem}\n")
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
