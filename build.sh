#!/usr/bin/env bash
# build.sh - the set-up commands of the README (and CI: .ci/run = ./build.sh test).
#
#   ./build.sh demo   install what is missing, build, run the headline demo
#   ./build.sh test   install what is missing, build, run the whole test suite,
#                     then again built with AddressSanitizer + UBSan, then the
#                     threaded tests (stress, in-flight DMA, sync helpers,
#                     device models in exec=threaded)
#                     built with ThreadSanitizer
#
# Run as root on a fresh Debian machine (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config libcmocka-dev libbsd-dev libunwind8 valgrind)
JOBS=$(nproc 2>/dev/null || echo 2)

install_missing() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	echo "build.sh: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() { # build DIR [cmake args...]
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
	cmake --build "$dir" -j"$JOBS"
}

# The threaded tests under ThreadSanitizer: only their targets are built.
TSAN_TESTS=(test-stress test-inflight test-sync test-irq test-vtime scenario-nic test-dmaengine scenario-dmaengine)
tsan() {
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DDMASIM_SANITIZE=thread \
		-DDMASIM_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF >/dev/null
	cmake --build build-tsan -j"$JOBS" --target "${TSAN_TESTS[@]}"
	local re
	re="^($(IFS='|'; echo "${TSAN_TESTS[*]}"))\$"
	# TSan runs them 5-15x slower: fewer rounds (the races show in any).
	DMASIM_INFLIGHT_ROUNDS=${DMASIM_INFLIGHT_ROUNDS:-60} DMASIM_STRESS_JOBS=${DMASIM_STRESS_JOBS:-100} \
		TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j"$JOBS" -R "$re"
}

case "${1:-}" in
demo)
	install_missing
	build build
	./build/rx-ring
	;;
test)
	install_missing
	build build
	ctest --test-dir build --output-on-failure -j"$JOBS"
	build build-asan -DDMASIM_SANITIZE=address,undefined
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j"$JOBS"
	tsan
	;;
tsan)
	install_missing
	tsan
	;;
*)
	echo "usage: $0 demo|test|tsan" >&2
	exit 2
	;;
esac
