/*
 * lib/cache/cache-ownership.h - who owns each cache line of the CPU view, for a
 * cache model whose CPU view and RAM are two copies (cache layer).
 *
 * A line is the CPU's until a hand-over to a device (map, sync for the
 * device) gives it to that device; the tracker then keeps the CPU view's
 * bytes of the line at that moment (its snapshot).  The line is the CPU's
 * again when any part of it comes back (sync for the CPU, unmap), and the
 * tracker forgets it when the mapping ends.  All state is per line, so a
 * range sync, a sync split page by page behind an IOMMU and a whole-buffer
 * sync give the same answer: only what the CPU really wrote while a device
 * owned the line differs from its snapshot.
 *
 * It knows physical ranges and devices only (no mappings, no maintenance),
 * so it can move with the DMA-API debugging.  Not thread-safe: the model
 * serialises the calls.
 */
#ifndef DMASIM_CACHE_OWNERSHIP_H
#define DMASIM_CACHE_OWNERSHIP_H

#include <stdbool.h>
#include <stddef.h>

#include <dmasim/backend.h>

struct dmasim_ownership;

/* How the tracker tells a misuse: @phys is the start of the range handed over. */
typedef void (*dmasim_ownership_report_fn)(void *cookie, struct device *dev, phys_addr_t phys,
					   const char *msg);

/*
 * A tracker for lines of @line bytes (a power of two, at most 4096) of the
 * CPU view reached through @cpu(@cookie, phys).  @report (may be NULL: no
 * reports) gets @cookie back.  Returns NULL when out of memory.
 */
struct dmasim_ownership *dmasim__ownership_create(unsigned int line, dmasim_ram_fn cpu,
						  void *cookie, dmasim_ownership_report_fn report);
void dmasim__ownership_destroy(struct dmasim_ownership *o);

/*
 * The lines of [phys, phys + size) pass to @dev for a mapping of direction
 * @dir; call it after the maintenance, so the snapshot is what the CPU
 * view holds once the device has them.
 */
void dmasim__ownership_to_device(struct dmasim_ownership *o, struct device *dev, phys_addr_t phys,
				 size_t size, enum dma_data_direction dir);

/*
 * The lines of [phys, phys + size) come back to the CPU; call it before
 * the maintenance.  Reports the bytes the CPU wrote to a buffer while a
 * device owned its line, and, when @invalidates, the bytes next to a
 * buffer in a shared line that the invalidate is about to discard.
 */
void dmasim__ownership_to_cpu(struct dmasim_ownership *o, struct device *dev, phys_addr_t phys,
			      size_t size, bool invalidates);

/* @dev's mapping of [phys, phys + size) ended: its lines are the CPU's, nothing to remember. */
void dmasim__ownership_end(struct dmasim_ownership *o, struct device *dev, phys_addr_t phys,
			   size_t size);

/*
 * Call @fn for each line a device owns whose CPU view changed since the
 * hand-over (the lines a write-back could spoil), in a fixed order.
 */
void dmasim__ownership_for_each_dirty(struct dmasim_ownership *o,
				      void (*fn)(void *ctx, phys_addr_t line), void *ctx);

#endif
