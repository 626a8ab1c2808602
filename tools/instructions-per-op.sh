#!/bin/sh
# Instructions per operation of a dmasim-loop mode, exactly, with callgrind:
# (instructions for 2N operations - instructions for N) / N, so that set-up
# and tear-down cancel out.
#   tools/instructions-per-op.sh BUILD_DIR MODE [SPEC] [N]
# e.g. tools/instructions-per-op.sh build-rel map "iommu=on mode=lazy debug=off"
set -eu
build=$1 mode=$2 spec=${3:-iommu=on mode=lazy debug=off} n=${4:-50000}
ir() {
	DMASIM_SPEC= valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$build/dmasim-loop" "$mode" "$1" "$spec" 2>&1 |
		awk '/Collected/ { print $4 }' | tr -d ,
}
a=$(ir "$n")
b=$(ir $((2 * n)))
echo "$mode: $(( (b - a) / n )) instructions per operation ($spec)"
