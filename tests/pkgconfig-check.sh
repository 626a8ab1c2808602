#!/usr/bin/env bash
# tests/pkgconfig-check.sh BUILD_DIR SOURCE_DIR - install dmasim into a
# scratch prefix and use it the way a newcomer would:
#  - the installed tools run as installed (their RPATH finds the library);
#  - examples/minimal.c builds with nothing but `pkg-config --cflags --libs
#    dmasim`, and runs with an rpath from `pkg-config --variable=libdir`
#    (no LD_LIBRARY_PATH), as README.md tells;
#  - the kernel-named headers come before the system's uapi headers of the
#    same name, with pkg-config and with the CMake package;
#  - the static library links with Libs.private;
#  - find_package(dmasim) gives dmasim::dmasim;
#  - docs and examples are installed under share/doc/dmasim.
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -n1)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
unset LD_LIBRARY_PATH
flags=$(pkg-config --cflags --libs dmasim)
echo "pkg-config --cflags --libs dmasim: $flags"

# The installed tool runs from its prefix.
"$tmp/prefix/bin/dmasim" --list-backends | grep -q 'cache'
echo "installed dmasim tool runs (RPATH $(readelf -d "$tmp/prefix/bin/dmasim" | sed -n 's/.*R.*PATH.*\[\(.*\)\]/\1/p'))"

# A program built with pkg-config and an rpath from its libdir runs as is.
rpath=$(pkg-config --variable=libdir dmasim)
cc -std=c11 -Wall -Wextra -Werror "$src/examples/minimal.c" $flags -Wl,-rpath,"$rpath" -o "$tmp/minimal"
out=$("$tmp/minimal")
echo "$out"
grep -q 'written by the device' <<<"$out"

# Kernel names that are also uapi headers resolve to dmasim's.
cat > "$tmp/order.c" <<'C'
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/iommu.h>
#if !defined(DMASIM_COMPAT_LINUX_KERNEL_H) || !defined(DMASIM_COMPAT_LINUX_TYPES_H) || \
	!defined(DMASIM_COMPAT_LINUX_IOMMU_H)
#error "a system uapi header was used instead of dmasim's"
#endif
int main(void) { return IS_ERR(ERR_PTR(-EPROBE_DEFER)) && iommu_get_domain_for_dev(NULL) == NULL ? 0 : 1; }
C
cc -std=c11 -Wall -Wextra -Werror -Wimplicit-function-declaration "$tmp/order.c" $flags \
	-Wl,-rpath,"$rpath" -o "$tmp/order"
"$tmp/order" >/dev/null 2>&1

# The static library alone, with Libs.private.
cc -std=c11 "$src/examples/minimal.c" $(pkg-config --cflags dmasim) "$libdir/libdmasim.a" \
	$(pkg-config --static --libs dmasim | sed 's/-ldmasim//') -o "$tmp/minimal-static"
"$tmp/minimal-static" | grep -q 'written by the device'

# find_package(dmasim) from a consumer project (CMake puts its own install RPATH in).
mkdir -p "$tmp/consumer"
cat > "$tmp/consumer/CMakeLists.txt" <<CMK
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(dmasim REQUIRED)
add_executable(minimal "$src/examples/minimal.c")
target_link_libraries(minimal PRIVATE dmasim::dmasim)
add_executable(order "$tmp/order.c")
target_compile_options(order PRIVATE -Werror -Wimplicit-function-declaration)
target_link_libraries(order PRIVATE dmasim::dmasim)
CMK
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer/build" >/dev/null
"$tmp/consumer/build/minimal" | grep -q 'written by the device'
"$tmp/consumer/build/order" >/dev/null 2>&1

# Documentation and examples.
test -f "$tmp/prefix/share/doc/dmasim/kernel-headers.md"
test -f "$tmp/prefix/share/doc/dmasim/examples/minimal.c"
test -f "$tmp/prefix/share/doc/dmasim/README.md"
echo "pkg-config, rpath, header order, static, find_package and installed docs: ok"
