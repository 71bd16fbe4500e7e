#!/usr/bin/env python3
"""Baseline 2: Python's standard library, a floor under what Airbyte's Python CDK spends per record.

Downloads each signed URL of an export plan in turn over HTTP (urllib), parses it with
csv.DictReader, and writes one Airbyte RECORD envelope per row with json.dumps and
sys.stdout.write, the same envelopes as the connector and the Node baseline.

    python3 integration_tests/bench/baselines/python_baseline.py PLAN.json
"""
import csv
import io
import json
import sys
import time
import urllib.request


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python_baseline.py PLAN.json\n")
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    stream = plan["stream"]
    window_end = plan["windowEnd"]
    sys.stdout.reconfigure(encoding="utf-8")
    write = sys.stdout.write
    dumps = json.dumps
    records = 0
    csv.field_size_limit(1 << 30)
    for file in plan["files"]:
        file_url = file["fileUrl"]
        with urllib.request.urlopen(file["url"]) as response:
            if response.status != 200:
                raise RuntimeError(f"GET {file_url}: HTTP {response.status}")
            text = io.TextIOWrapper(response, encoding="utf-8-sig", newline="")
            for row in csv.DictReader(text):
                row["_ab_export_window_end"] = window_end
                row["_ab_source_file_url"] = file_url
                message = {"type": "RECORD", "record": {"stream": stream, "data": row, "emitted_at": int(time.time() * 1000)}}
                write(dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n")
                records += 1
    sys.stdout.flush()
    sys.stderr.write(f"python baseline: {records} records from {len(plan['files'])} files\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
