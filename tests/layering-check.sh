#!/usr/bin/env bash
# tests/layering-check.sh SOURCE_DIR OBJECT... - the dependency rules of the
# layers (lib/README.md, iommu/README.md), checked on the library's object
# files: which object references a symbol that which other object defines.
#   1. DMA-API debugging is a layer of its own: nothing below the API layer
#      (the IOMMU, dma-direct, swiotlb, the memory model, the cache models)
#      references lib/debug/: no exception (who owns a mapping's lines is
#      lib/debug/ownership.c's, called from the API layer's hooks).
#   2. Backends use only their own folder's helpers and the shared
#      concurrency helper (lib/core/sync.c), and include no internal header.
#   3. Each file includes only the headers of its layer and those below.
set -euo pipefail
src=$(cd "$1" && pwd)
shift
fail=0
# "object symbol" for every global definition, and for every undefined
# reference; objects named by their source (lib/dma/swiotlb.c.o).
for o in "$@"; do
	name=${o##*/dmasim_obj.dir/}
	nm "$o" | awk -v o="$name" '$2 ~ /^[TDBR]$/ { print "D", o, $3 } $1 == "U" { print "U", o, $2 }'
done > /tmp/layering.$$
awk '$1 == "D" { def[$3] = $2 } $1 == "U" { use[NR] = $2 " " $3 }
     END { for (i in use) { split(use[i], a, " "); if (a[2] in def) print a[1], a[2], def[a[2]] } }' \
	/tmp/layering.$$ | sort > /tmp/layering-edges.$$
rm -f /tmp/layering.$$
while read -r from sym to; do
	case "$to" in lib/debug/*)
		case "$from" in
		iommu/*|lib/mm/*|lib/dma/dma-direct.c.o|lib/dma/swiotlb.c.o|lib/cache/*)
			echo "layering: $from uses $sym of DMA-API debugging ($to)"; fail=1 ;;
		esac
	esac
	case "$from" in iommu/iova/*|iommu/pgtable/*|lib/cache/cache-coherent.c.o|lib/cache/cache-noncoherent.c.o)
		if [ "$(dirname "$from")" != "$(dirname "$to")" ] && [ "$to" != lib/core/sync.c.o ]; then
			echo "layering: backend $from uses $sym of $to"; fail=1
		fi
	esac
done < /tmp/layering-edges.$$
echo "layering: $(wc -l < /tmp/layering-edges.$$) cross-object references checked"
rm -f /tmp/layering-edges.$$
cd "$src"
for f in iommu/iova/*.[ch] iommu/pgtable/*.[ch] lib/cache/cache-coherent.c lib/cache/cache-noncoherent.c; do
	if grep -n '#include "\(internal\|iommu-internal\|iommu/iommu\|iotlb\|debug/debug\|dev/dev\|dma/dma\|cache/cache\|core/core\|mm/mm\)\.h"' "$f"; then
		echo "layering: backend $f includes an internal header"; fail=1
	fi
done
# 3. Headers: one per layer, each file including only headers of its own
#    layer or below (lib/README.md "One header per layer").  Ranks, from the
#    bottom: machine 0, cache model 1, DMA ops 2, bus translation and the
#    IOMMU 3, DMA-API debugging 4, the API layer 5, dmaengine 6 (above the
#    device models and the DMA API, which it uses through the public API).  The known exceptions
#    (lib/README.md) are listed here so they cannot grow.
rank() {
	case "$1" in
	mm/*|core/*|lib/mm/*|lib/core/*) echo 0 ;;
	cache/*|lib/cache/*) echo 1 ;;
	lib/dma/dma-mapping.c|lib/dma/dma-alloc.c|lib/dma/dmapool.c|lib/dma/scatterlist.c|lib/dev/dev-access.c) echo 5 ;;
	dma/*|lib/dma/*) echo 2 ;;
	dev/*|lib/dev/*|iommu/*|iommu-internal.h|iommu.h|iotlb.h|backend-ops.h) echo 3 ;;
	debug/*|lib/debug/*) echo 4 ;;
	dmaengine/*|lib/dmaengine/*) echo 6 ;;
	*) echo 9 ;;
	esac
}
for f in lib/*/*.[ch] iommu/*.[ch]; do
	from=$(rank "$f")
	for h in $(sed -n 's/^#include "\(.*\)"$/\1/p' "$f"); do
		to=$(rank "$h")
		[ "$to" = 9 ] && continue
		[ "$to" -le "$from" ] && continue
		case "$f $h" in
		"lib/core/platform.c dma/dma.h"|"lib/core/platform.c debug/debug.h"|"lib/core/platform.c iommu/iommu.h") continue ;;
		"lib/core/device.c dma/dma.h"|"lib/core/device.c dev/dev.h"|"lib/core/device.c debug/debug.h"|"lib/core/device.c iommu/iommu.h") continue ;;
		esac
		echo "layering: $f includes $h, a header of a layer above it"; fail=1
	done
done
[ "$fail" = 0 ] && echo "layering: ok"
exit "$fail"
