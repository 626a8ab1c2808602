#!/usr/bin/env bash
# tests/matrix-install-check.sh BUILD_DIR SOURCE_DIR - install dmasim into a
# scratch prefix and use the installed CMake package as a user's project
# would: two lines of CMake (find_package + dmasim_add_matrix_test) register
# one test per named machine; ctest runs them with each machine's spec.
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -n1)
mkdir -p "$tmp/user"
cat > "$tmp/user/CMakeLists.txt" <<CMK
cmake_minimum_required(VERSION 3.20)
project(user C)
enable_testing()
find_package(dmasim REQUIRED)
add_executable(minimal "$src/examples/minimal.c")
target_link_libraries(minimal PRIVATE dmasim::dmasim)
dmasim_add_matrix_test(NAME minimal COMMAND minimal)
dmasim_add_matrix_test(NAME some COMMAND minimal MACHINES iommu-lazy arm-noncoherent)
# A test that shows which spec it got.
dmasim_add_matrix_test(NAME spec COMMAND sh -c "test \"\\\$DMASIM_MACHINE\" = iommu-v7s && test \"\\\$DMASIM_SPEC\" = machine=iommu-v7s" MACHINES iommu-v7s)
CMK
cmake -S "$tmp/user" -B "$tmp/user/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/user/build" >/dev/null
machines=$("$build/dmasim" machines --names | wc -l)
registered=$(ctest --test-dir "$tmp/user/build" -N | grep -c 'minimal@' || true)
if [ "$registered" -ne "$machines" ]; then
	echo "dmasim_add_matrix_test registered $registered tests, not one per machine ($machines)" >&2
	exit 1
fi
# (minimal.c asks for a 32-bit device and kmalloc memory, which the PC takes from above 4 GiB:
# without a bounce pool it reaches (above4g, nobounce) it is refused, as it should be)
LD_LIBRARY_PATH="$libdir" ctest --test-dir "$tmp/user/build" -j2 --output-on-failure -E "@(above4g|nobounce)" | tail -3
listed=$(ctest --test-dir "$tmp/user/build" -N)
grep -q 'some@iommu-lazy' <<<"$listed"
test "$(grep -c 'some@' <<<"$listed")" -eq 2
# A machine name that does not exist stops the configure step with a message.
sed -i 's/MACHINES iommu-lazy arm-noncoherent/MACHINES no-such-machine/' "$tmp/user/CMakeLists.txt"
if cmake -S "$tmp/user" -B "$tmp/user/build2" -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/err" 2>&1; then
	echo "an unknown machine was accepted" >&2
	exit 1
fi
grep -q "no machine called 'no-such-machine'" "$tmp/err"
echo "dmasim_add_matrix_test from the installed package: ok ($machines machines)"
