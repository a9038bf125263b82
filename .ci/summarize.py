#!/usr/bin/env python3
"""Prints the closing 'N passed, N failed' line from meson's JUnit log. gtest
executables contribute one case per TEST; other tests one case each."""
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError, IndexError) as e:
    print(f"no test log ({e})")
    print("0 passed, 1 failed")
    sys.exit(0)
passed = failed = skipped = 0
for suite in root.iter("testsuite"):
    for case in suite.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
