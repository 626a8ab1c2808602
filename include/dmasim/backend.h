/*
 * dmasim/backend.h - pluggable backends: registration and the contracts.
 *
 * Three kinds of backend decide how the simulated machine behaves: the CPU
 * cache model (this release), the IOVA allocator and the IO page-table format
 * (with the IOMMU).  Each backend is a const, versioned descriptor:
 *
 *   - `base.abi` first: DMASIM_BACKEND_ABI of the header it was built with;
 *     methods are only ever appended, so an older backend keeps working.
 *   - `base.name`: the name the spec selects it by (cache=NAME).
 *   - `alloc`/`free`: make and destroy one instance per platform; the
 *     instance embeds a generic struct, and the backend gets back to its own
 *     state with container_of().
 *   - per-instance ops, called on the hot path without re-checking: the core
 *     checks the descriptor (abi, name, paired hooks) once, at registration.
 *
 * A backend never calls the DMA API layer; the DMA API layer never names a
 * backend.  Built-ins are registered from a static table; a program can add
 * its own with dmasim_backend_register() before creating a platform.
 */
#ifndef DMASIM_BACKEND_H
#define DMASIM_BACKEND_H

#include <dmasim/ktypes.h>
#include <dmasim/compat/linux/dma-direction.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMASIM_BACKEND_ABI 1

/** enum dmasim_backend_kind - which decision a backend makes. */
enum dmasim_backend_kind {
	DMASIM_BACKEND_CACHE = 0,
	DMASIM_BACKEND_IOVA = 1,
	DMASIM_BACKEND_PGTABLE = 2,
	DMASIM_BACKEND_NR_KINDS
};

/**
 * struct dmasim_backend - the header every descriptor starts with.
 * @abi: DMASIM_BACKEND_ABI at build time.
 * @kind: enum dmasim_backend_kind.
 * @name: unique within the kind; [a-z0-9_-]+.
 * @caps: kind-specific capability bits.
 * @help: one line for --list-backends.
 */
struct dmasim_backend {
	unsigned int abi;
	unsigned int kind;
	const char *name;
	unsigned int caps;
	const char *help;
};

/**
 * dmasim_backend_register() - add a backend (copied by pointer; keep it alive).
 * Return: 0, -EINVAL for a malformed descriptor (message says what),
 * -EEXIST for a name already registered in its kind.
 */
DMASIM_API int dmasim_backend_register(const struct dmasim_backend *b);
/**
 * dmasim_backend_find() - look a backend up.
 * @name: NULL or "" gives the kind's default.
 * Return: the descriptor, or NULL.
 */
DMASIM_API const struct dmasim_backend *dmasim_backend_find(unsigned int kind, const char *name);
/**
 * dmasim_backend_list() - the names of one kind, comma-separated, into @buf.
 * Return: the length it needed (as snprintf).
 */
DMASIM_API int dmasim_backend_list(unsigned int kind, char *buf, size_t len);

/* --- cache model ------------------------------------------------------- */

/* Cache-model caps: devices on this model are coherent unless created with coherent=0. */
#define DMASIM_CACHE_CAP_COHERENT 0x1u

struct device;

/**
 * dmasim_ram_fn - how a backend reaches simulated RAM as devices see it.
 * @cookie: the value passed with it.
 * @phys: a physical address inside RAM.
 *
 * Return: the host address of @phys.  A range the core hands to a backend
 * lies inside one RAM region, and a region is contiguous on the host, so the
 * whole range is reachable from the returned pointer.
 */
typedef unsigned char *(*dmasim_ram_fn)(void *cookie, phys_addr_t phys);

/**
 * struct dmasim_cache - one cache-model instance (embedded in the backend's
 * own state).
 * @ops: the descriptor it was made from (set by the core after alloc()).
 * @line: cache line size in bytes (power of two).
 * @ram: RAM access, copied from the config.
 * @ram_cookie: its cookie.
 */
struct dmasim_cache {
	const struct dmasim_cache_ops *ops;
	unsigned int line;
	dmasim_ram_fn ram;
	void *ram_cookie;
};

/**
 * struct dmasim_cache_config - what the platform passes to alloc().
 * @line: line size from "line=N" in the spec value (0 = backend default); a
 *        power of two from 16 to 4096, checked by the core.
 * @options: the other ':'-separated words after "NAME:" ("" if none).
 * @seed: the platform's seed.
 * @ram: RAM access for the backend (see dmasim_ram_fn).
 * @ram_cookie: passed back to @ram.
 */
struct dmasim_cache_config {
	unsigned int line;
	const char *options;
	unsigned long seed;
	dmasim_ram_fn ram;
	void *ram_cookie;
};

/**
 * struct dmasim_cache_ops - a cache-model backend.
 *
 * Contract: every hook gets a physical range [@phys, @phys + @size) inside
 * RAM and the device it is for.  for_device: the CPU hands the range to the
 * device (map, sync_for_device): make CPU writes visible in RAM as @dir
 * requires.  for_cpu: the device hands it back (unmap, sync_for_cpu): make
 * device writes visible to the CPU.  Both are only called for devices that
 * are not coherent and never with DMA_NONE.
 */
struct dmasim_cache_ops {
	struct dmasim_backend base;
	struct dmasim_cache *(*alloc)(const struct dmasim_cache_config *cfg);
	void (*free)(struct dmasim_cache *c);
	void (*sync_for_device)(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
				size_t size, enum dma_data_direction dir);
	void (*sync_for_cpu)(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			     size_t size, enum dma_data_direction dir);
};

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_BACKEND_H */
