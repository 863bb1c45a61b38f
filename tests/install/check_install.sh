#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install libtern into a scratch DESTDIR, then build tests/install/embed.c
# the way a custom DPDK app would (pkg-config --cflags --libs libtern, both
# against the shared and the static library) and run both binaries.
# usage: check_install.sh SOURCE_ROOT BUILD_DIR [SANITIZERS]
# (SANITIZERS: the build's b_sanitize, so the app is built the same way)
set -euo pipefail
src=$1
build=$2
san=()
[ -n "${3:-}" ] && [ "$3" != none ] && san=(-fsanitize="$3")
tmp=$(mktemp -d /tmp/tern-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >/dev/null
pc=$(find "$tmp/root" -name libtern.pc | head -n1)
if [ -z "$pc" ]; then
	echo "not ok - libtern.pc installed"
	exit 1
fi
echo "ok - libtern.pc installed"
for h in tern.h config.h stack.h netif.h chan.h tcp.h udp.h stats.h; do
	if ! find "$tmp/root" -path "*/include/tern/$h" | grep -q .; then
		echo "not ok - header tern/$h installed"
		exit 1
	fi
done
echo "ok - public headers installed"

# relocate libtern.pc's prefix into the scratch root (libdpdk stays the
# system's), as if it had been installed there
prefix=$(sed -n 's/^prefix=//p' "$pc")
mkdir -p "$tmp/pc"
sed "s#^prefix=.*#prefix=$tmp/root$prefix#" "$pc" >"$tmp/pc/libtern.pc"
export PKG_CONFIG_PATH="$tmp/pc"
libdir=$(dirname "$(dirname "$pc")")
cc "${san[@]}" -Wall -Wextra -Werror "$src/tests/install/embed.c" -o "$tmp/embed" \
	$(pkg-config --cflags --libs libtern)
echo "ok - embed.c builds with pkg-config (shared)"
LD_LIBRARY_PATH="$libdir" "$tmp/embed"
cc "${san[@]}" -Wall -Wextra -Werror "$src/tests/install/embed.c" -o "$tmp/embed-static" \
	$(pkg-config --cflags libtern) "$libdir/libtern.a" \
	$(pkg-config --libs libdpdk numa libsodium inih) -pthread
echo "ok - embed.c builds against libtern.a (DPDK shared)"
"$tmp/embed-static"

# README's embedding example, exactly as printed: the first ```c block
# after its heading, compiled and linked (it serves forever: not run)
awk '/^## Using libtern in a DPDK app/ { sec = 1 } sec && /^```c$/ { on = 1; next }
	on && /^```$/ { exit } on { print }' "$src/README.md" >"$tmp/readme_app.c"
if [ ! -s "$tmp/readme_app.c" ]; then
	echo "not ok - README's embedding example found"
	exit 1
fi
cc "${san[@]}" -Wall -Wextra -Werror "$tmp/readme_app.c" -o "$tmp/readme_app" \
	$(pkg-config --cflags --libs libtern)
echo "ok - README's embedding example builds as printed"
