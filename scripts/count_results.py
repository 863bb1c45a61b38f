#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count test cases from meson's testlog.json of each build directory given:
cmocka binaries report their cases ("[  PASSED  ] N test(s)", "[  FAILED  ]
N test(s)"), TAP-style scripts their "ok"/"not ok" lines; a test that crashed
or timed out before reporting counts as one failure. Prints a summary per
build and ends with the line "N passed, N failed"."""
import json
import re
import sys

PASSED = re.compile(r"^\[  PASSED  \] (\d+) test", re.M)
FAILED = re.compile(r"^\[  FAILED  \] (\d+) test", re.M)
TAP_OK = re.compile(r"^ok\b", re.M)
TAP_NOT_OK = re.compile(r"^not ok\b", re.M)


def count(entry):
    out = (entry.get("stdout") or "") + (entry.get("stderr") or "")
    if entry.get("result") == "SKIP":
        return 0, 0    # said why on its line (exit 77, "1..0 # SKIP why")
    good = entry.get("result") in ("OK", "EXPECTEDFAIL")
    p = sum(int(x) for x in PASSED.findall(out))
    f = sum(int(x) for x in FAILED.findall(out))
    if not p and not f:
        p, f = len(TAP_OK.findall(out)), len(TAP_NOT_OK.findall(out))
    if not p and not f:
        p, f = (1, 0) if good else (0, 1)
    if not good and f == 0:
        f = 1          # crashed, timed out or exited non-zero after passing cases
    return p, f


def main(dirs):
    total_p = total_f = 0
    for d in dirs:
        try:
            lines = open(f"{d}/meson-logs/testlog.json").read().splitlines()
        except OSError:
            print(f"{d}: no test log")
            total_f += 1
            continue
        for line in lines:
            e = json.loads(line)
            p, f = count(e)
            total_p += p
            total_f += f
            print(f"{d.rsplit('/', 1)[-1]:12} {e['name']:24} {e['result']:8} {p} passed, {f} failed")
    print(f"{total_p} passed, {total_f} failed")
    return 0 if total_f == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
