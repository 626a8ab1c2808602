#!/bin/sh
# Instructions per operation of a dmasim-loop mode, exactly, with callgrind:
# (instructions for 2N operations - instructions for N) / N, so that set-up
# and tear-down cancel out.
#   tools/instructions-per-op.sh BUILD_DIR MODE [SPEC] [N]
#   tools/instructions-per-op.sh BUILD_DIR all [N]
# e.g. tools/instructions-per-op.sh build-rel map "iommu=on mode=lazy debug=off"
# SPEC defaults to "iommu=on mode=lazy debug=off"; "" is the default machine.
# `all` prints the instruction goals of issue 9 (section 4) as a table: each
# operation, its count and its goal.  Measure a RelWithDebInfo build, as the
# issue's numbers are:
#   cmake -S . -B build-rwd -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build-rwd -j2
#   tools/instructions-per-op.sh build-rwd all
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR MODE [SPEC] [N]  |  $0 BUILD_DIR all [N]" >&2
	exit 2
fi
build=$1 mode=$2

# ir MODE N SPEC: instructions of one dmasim-loop run.
ir() {
	out=$(DMASIM_SPEC= valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$build/dmasim-loop" "$1" "$2" "$3" 2>&1) || {
		printf '%s\n' "$out" >&2
		echo "$0: dmasim-loop $1 $2 \"$3\" failed" >&2
		exit 1
	}
	c=$(printf '%s\n' "$out" | awk '/Collected/ { print $4 }' | tr -d ,)
	case $c in
	'' | *[!0-9]*)
		printf '%s\n' "$out" >&2
		echo "$0: no instruction count from callgrind" >&2
		exit 1
		;;
	esac
	echo "$c"
}

# per_op MODE SPEC N
per_op() {
	a=$(ir "$1" "$3" "$2") || exit 1
	b=$(ir "$1" $(($3 * 2)) "$2") || exit 1
	echo $(((b - a) / $3))
}

if [ "$mode" != all ]; then
	spec=${3-iommu=on mode=lazy debug=off} n=${4:-50000}
	got=$(per_op "$mode" "$spec" "$n") || exit 1
	echo "$mode: $got instructions per operation ($spec)"
	exit 0
fi

n=${3:-50000}
type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
echo "Instructions per operation, issue 9 section 4 ($build: ${type:-unknown build type}; callgrind, N=$n and 2N)"
[ "$type" = RelWithDebInfo ] || echo "(the issue's numbers are of a RelWithDebInfo build)"
printf '%-44s %-5s %-31s %8s %8s %s\n' operation mode spec instr goal met
# operation | dmasim-loop mode | spec | goal
while IFS='|' read -r what m spec goal; do
	got=$(per_op "$m" "$spec" "$n") || exit 1
	if [ "$got" -le "$goal" ]; then met=yes; else met=NO; fi
	printf '%-44s %-5s %-31s %8s %8s %s\n' "$what" "$m" "$spec" "$got" "<= $goal" "$met"
done <<'GOALS'
map+unmap of a 4 KiB page, IOMMU lazy|map|iommu=on mode=lazy debug=off|500
map+unmap of a 4 KiB page, IOMMU strict|map|iommu=on mode=strict debug=off|600
map+unmap of a 4 KiB page, direct, debug off|map|iommu=off debug=off|150
map+unmap of a 4 KiB page, default, debug on|map|debug=on|2500
1-byte dmasim_dev_read, IOMMU (IOTLB hit)|read|iommu=on mode=lazy debug=off|150
1-byte dmasim_dev_read, direct|read|iommu=off debug=off|100
GOALS
