#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what tern needs to build and test on Debian bookworm (root).
# clang and libclang-rt-dev (libFuzzer's runtime) are for the fuzz build.
# dpdk-dev brings dpdk-dumpcap and dpdk-telemetry.py (README, "Operating tern").
# Installs only what is missing, so a second run costs nothing.
set -euo pipefail

TERN_PACKAGES=(
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk dpdk-dev libnuma-dev libinih-dev libsodium-dev
	libcmocka-dev libjansson-dev python3 python3-scapy
	iproute2 iputils-ping procps tcpdump nftables ethtool
	curl wrk nginx-light gnuplot-nox tshark
	clang libclang-rt-dev
)

missing=()
for p in "${TERN_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# never start services (nginx) on install: tests run their own
	guard=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		guard=1
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	[ "$guard" -eq 0 ] || rm -f /usr/sbin/policy-rc.d
fi
