#!/usr/bin/env python3
"""Baseline 3: Python csv + orjson, the floor under what a connector on Airbyte's Python CDK does.

The CDK serialises records with orjson, so csv.DictReader + orjson.dumps, with nothing else per
record, is the fastest a Python connector can go. Same downloads (urllib), parsing and envelopes
as the stdlib baseline; records written as bytes to stdout's buffer.

    python3 integration_tests/bench/baselines/python_orjson_baseline.py PLAN.json [--local]

With --local each file is read from the emulator's own copy on local disk (the plan's `path`), not
downloaded: the floor of Python's cost, with records identical to the connector's (the two added
fields included).

Exits 3 with a message when orjson is not installed (the benchmark then skips this row).
"""
import csv
import io
import json
import sys
import time
import urllib.request

try:
    import orjson
except ImportError:
    sys.stderr.write("orjson is not installed for python3 (pip install orjson)\n")
    sys.exit(3)


def main() -> int:
    local = sys.argv[2:] == ["--local"]
    if len(sys.argv) != 2 and not local:
        sys.stderr.write("usage: python_orjson_baseline.py PLAN.json [--local]\n")
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    stream = plan["stream"]
    window_end = plan["windowEnd"]
    write = sys.stdout.buffer.write
    dumps = orjson.dumps
    newline = orjson.OPT_APPEND_NEWLINE
    records = 0
    csv.field_size_limit(1 << 30)
    for file in plan["files"]:
        file_url = file["fileUrl"]
        with open(file["path"], "rb") if local else urllib.request.urlopen(file["url"]) as response:
            if not local and response.status != 200:
                raise RuntimeError(f"GET {file_url}: HTTP {response.status}")
            text = io.TextIOWrapper(response, encoding="utf-8-sig", newline="")
            for row in csv.DictReader(text):
                row["_ab_export_window_end"] = window_end
                row["_ab_source_file_url"] = file_url
                message = {"type": "RECORD", "record": {"stream": stream, "data": row, "emitted_at": int(time.time() * 1000)}}
                write(dumps(message, option=newline))
                records += 1
    sys.stdout.buffer.flush()
    sys.stderr.write(f"python orjson baseline: {records} records from {len(plan['files'])} files\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
