#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The layer order of lib/, checked on every #include "dir/file.h".

A file may include headers of its own layer and of the layers below it,
never one above it nor a peer on the same floor (udp and tcp do not know
each other). The roof (lib/stack/) is the only layer that knows every
other one: it creates stacks, dispatches input upwards and runs the loop.
Also checked: every internal include names its layer ("tcp/tcb.h", not
"tcb.h"), and no internal header shares a basename with a public one in
lib/include/tern/. Prints one line per violation; exit 1 if any.

usage: check_layers.py [LIB_DIR]
"""
import os
import re
import sys

# (floor, layer): higher floors may include lower ones; same floor, same
# layer only.
LAYERS = {
    "core": 0,      # clock, counters, timer wheel, the stack struct, staging
    "wire": 1,      # pure parse/emit of headers, checksums
    "flow": 1,      # who owns a 4-tuple: RSS prediction, software steering
    "tcp/cc": 1,    # congestion control algorithms behind a narrow view
    "netif": 2,     # ethdev setup and I/O
    "ip": 3,        # eth, arp, ip4, icmp, routes
    "udp": 4,
    "tcp": 4,
    "chan": 5,      # app channels
    "stack": 6,     # the roof: create/free, input dispatch, the loop
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel):
    """Layer of a path relative to lib/ (longest matching prefix)."""
    best = None
    for name in LAYERS:
        if rel == name or rel.startswith(name + "/"):
            if best is None or len(name) > len(best):
                best = name
    return best


def main():
    lib = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "lib")
    lib = os.path.normpath(lib)
    public = set(os.listdir(os.path.join(lib, "include", "tern")))
    errors = []
    checked = 0
    for d, _, files in os.walk(lib):
        rel_dir = os.path.relpath(d, lib)
        if rel_dir.startswith("include"):
            continue
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, f))
            me = layer_of(rel)
            if me is None:
                errors.append("%s: not in any layer of check_layers.py" % rel)
                continue
            if f.endswith(".h") and f in public:
                errors.append("%s: internal header named like <tern/%s>" % (rel, f))
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                text = fh.read()
            for inc in INCLUDE.findall(text):
                checked += 1
                if inc.endswith(".def"):
                    target = layer_of(inc)
                else:
                    target = layer_of(inc)
                if target is None or "/" not in inc:
                    errors.append('%s: #include "%s" does not name its layer' % (rel, inc))
                    continue
                if target == me:
                    continue
                if LAYERS[target] >= LAYERS[me]:
                    errors.append('%s (%s) includes "%s" (%s): %s' % (
                        rel, me, inc, target,
                        "a peer" if LAYERS[target] == LAYERS[me] else "a layer above"))
    for e in errors:
        print(e)
    print("%s 1 - check_layers: %d includes checked, %d violation(s)" % (
        "not ok" if errors else "ok", checked, len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
