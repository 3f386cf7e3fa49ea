#!/usr/bin/env python3
"""Prints "<passed> <failed>" counted from Bazel's test.xml files.

Usage: count_results.py TESTLOGS_DIR [SINCE_EPOCH_SECONDS]

Each test target writes bazel-testlogs/<target>/test.xml (JUnit format, from
GoogleTest or synthesised by Bazel when a test crashes or times out). A
target whose XML is missing or unreadable counts as one failure.
"""
import pathlib
import sys
import xml.etree.ElementTree as ET


def count(root: pathlib.Path, since: float = 0.0) -> tuple[int, int]:
    """Counts test.xml files written at or after `since` (epoch seconds)."""
    passed = failed = 0
    if not root.exists():
        return 0, 0
    for xml in sorted(root.rglob("test.xml")):
        if xml.stat().st_mtime < since:
            continue  # left over from an earlier `bazel test`
        try:
            tree = ET.parse(xml)
        except ET.ParseError:
            failed += 1
            continue
        cases = list(tree.getroot().iter("testcase"))
        if not cases:  # a target without test cases: judge by the suite attrs
            suites = tree.getroot()
            bad = int(suites.get("failures", 0)) + int(suites.get("errors", 0))
            failed += 1 if bad else 0
            passed += 0 if bad else 1
            continue
        for case in cases:
            if case.get("status") == "notrun" or case.find("skipped") is not None:
                continue
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            else:
                passed += 1
    return passed, failed


if __name__ == "__main__":
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs")
    since = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    p, f = count(root, since)
    print(p, f)
