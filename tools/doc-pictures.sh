#!/usr/bin/env bash
# tools/doc-pictures.sh BUILD_DIR - regenerate the pictures of docs/teaching.md
# from real runs of the dmasim command, so they stay true to the code.
# Writes docs/pictures/NAME.svg and NAME.txt (the command's text output;
# host addresses differ from run to run, everything else is deterministic).
set -euo pipefail
build=${1:?usage: tools/doc-pictures.sh BUILD_DIR}
cd "$(dirname "$0")/.."
out=docs/pictures
mkdir -p "$out"
# dmasim NAME ARGS...: run `dmasim ARGS --svg NAME.svg`, keep its text in NAME.txt.
dmasim() {
	local name=$1
	shift
	{ echo "\$ dmasim $*"; DMASIM_SPEC= "$build/dmasim" "$@" --svg "$out/$name.svg"; } >"$out/$name.txt" 2>&1
}

# The three address spaces of one streaming mapping, direct and bounced.
dmasim map-direct map "ram=256M@0x80000000" --size 4096
dmasim map-bounce map "machine=high" --size 4096
# The same buffer behind an IOMMU: an IOVA, no bounce.
dmasim map-iommu map "machine=high iommu=on" --size 8192 --dir from
# Scatter-gather: four scattered pages, direct (four segments) and behind the IOMMU (one).
dmasim sg-direct map "ram=256M@0x80000000" --kind sg --nents 4
dmasim sg-iommu map "iommu=on" --kind sg --nents 4
# Coherent memory behind an IOMMU: a vmap alias on the CPU side.
dmasim coherent-iommu map "iommu=on" --kind coherent --size 16K
# Masks: 24-, 32- and 64-bit devices on the default PC (ZONE_DMA, ZONE_DMA32, RAM above 4 GiB).
dmasim masks dump "machine=pc" \
	--dev "name=isa24 mask=24" --dev "name=pci32 mask=32" --dev "name=nvme64 mask=64"
# High memory: a region without a linear map.
dmasim highmem dump "ram=64M@0x80000000,256M@0x100000000:high"
# IOMMU page-table walks, both formats.
dmasim walk-lpae walk "iommu=arm-lpae-4k"
dmasim walk-v7s walk "machine=iommu-v7s"
# The IOVA space after 64 maps and 32 unmaps, with each allocator.
dmasim iova-rbtree iova "iommu=on iova=rbtree"
dmasim iova-bitmap iova "iommu=on iova=bitmap"
# A trace timeline: a UART driver's DMA through a dmaengine controller behind a lazy IOMMU.
if [ -x "$build/dma-uart" ]; then
	t=$(mktemp)
	DMASIM_SPEC="trace=$t iommu=on mode=lazy" "$build/dma-uart" >/dev/null 2>&1 || true
	dmasim trace-dma-uart trace "$t"
	sed -i "s|$t|dma-uart.jsonl|" "$out/trace-dma-uart.txt" "$out/trace-dma-uart.svg"
	rm -f "$t"
fi
# The CPU's own walk (no picture: the text is the picture).
{ echo "\$ dmasim walk --cpu"; DMASIM_SPEC= "$build/dmasim" walk --cpu; } >"$out/walk-cpu.txt" 2>&1
ls "$out"
