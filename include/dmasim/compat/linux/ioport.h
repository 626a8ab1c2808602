/*
 * <linux/ioport.h> - struct resource and the reservation of I/O port and
 * MMIO ranges (request_region(), request_mem_region(), release_*()), over
 * dmasim's device models (<dmasim/model.h>, docs/device-models.md).
 *
 * A request that overlaps a live one returns NULL, as the kernel's; a
 * release of a range never requested is reported.  Requests only reserve:
 * the registers are reached with inb()/outb() and ioremap()/readl() whether
 * or not the range was requested, as on real hardware.
 */
#ifndef DMASIM_LINUX_IOPORT_H
#define DMASIM_LINUX_IOPORT_H

#include <dmasim/ktypes.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IORESOURCE_IO 0x00000100
#define IORESOURCE_MEM 0x00000200

/** struct resource - a reserved range: [start, end], its owner's name, IORESOURCE_IO or _MEM. */
struct resource {
	resource_size_t start;
	resource_size_t end;
	const char *name;
	unsigned long flags;
};

static inline resource_size_t resource_size(const struct resource *res)
{
	return res->end - res->start + 1;
}

/** dmasim_request_region() - what request_region()/request_mem_region() call. */
DMASIM_API struct resource *dmasim_request_region(u64 start, u64 n, const char *name, bool mem);
/** dmasim_release_region() - what release_region()/release_mem_region() call. */
DMASIM_API void dmasim_release_region(u64 start, u64 n, bool mem);

#define request_region(start, n, name) dmasim_request_region((start), (n), (name), false)
#define release_region(start, n) dmasim_release_region((start), (n), false)
#define request_mem_region(start, n, name) dmasim_request_region((start), (n), (name), true)
#define release_mem_region(start, n) dmasim_release_region((start), (n), true)

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_LINUX_IOPORT_H */
