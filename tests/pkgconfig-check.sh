#!/usr/bin/env bash
# tests/pkgconfig-check.sh BUILD_DIR SOURCE_DIR - install dmasim into a
# scratch prefix and build examples/minimal.c the way a newcomer would:
# with nothing but `pkg-config --cflags --libs dmasim`.  Also checks the
# CMake package (find_package(dmasim) giving dmasim::dmasim).
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -n1)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs dmasim)
echo "pkg-config --cflags --libs dmasim: $flags"
cc -std=c11 -Wall -Wextra -Werror "$src/examples/minimal.c" $flags -o "$tmp/minimal"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/minimal")
echo "$out"
grep -q 'written by the device' <<<"$out"
# The static library alone, with Libs.private.
cc -std=c11 "$src/examples/minimal.c" $(pkg-config --cflags dmasim) "$libdir/libdmasim.a" \
	$(pkg-config --static --libs dmasim | sed 's/-ldmasim//') -o "$tmp/minimal-static"
"$tmp/minimal-static" | grep -q 'written by the device'
# find_package(dmasim) from a consumer project.
mkdir -p "$tmp/consumer"
cat > "$tmp/consumer/CMakeLists.txt" <<CMK
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(dmasim REQUIRED)
add_executable(minimal "$src/examples/minimal.c")
target_link_libraries(minimal PRIVATE dmasim::dmasim)
CMK
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer/build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/consumer/build/minimal" | grep -q 'written by the device'
echo "pkg-config, static and find_package builds: ok"
