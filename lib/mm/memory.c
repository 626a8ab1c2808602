/*
 * lib/mm/memory.c - simulated physical RAM, page frames and the linear map.
 *
 * All RAM lives in one memfd (and, under a non-coherent cache model, the
 * CPU's view of it in a second one).  It is mapped twice at start-up: once whole, as
 * the RAM devices see ("ram view"), and once per low-memory region inside one
 * reserved host range, the linear map, where virtual = linear_base +
 * (physical - lowest physical) exactly as the kernel's __va().  High memory
 * regions have no linear mapping; kmap()/vmap() make host aliases of their
 * frames on demand (vmalloc.c).  Layer: memory model, below everything.
 */
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/core.h"

#define LINEAR_SPAN_MAX (1ULL << 40) /* host address space the linear map may reserve */
/*
 * The linear map keeps physical alignment up to this size, as the kernel's
 * (PAGE_OFFSET is hugely aligned): an order-n block is 2^n-page aligned as a
 * CPU address too, which drivers rely on for rings.  Covers every buddy block.
 */
#define LINEAR_ALIGN (1ULL << 30)
#define MEMMAP_CHUNK (1UL << DMASIM_MEMMAP_CHUNK_SHIFT)

struct dmasim_region *dmasim__memmap_owner[DMASIM_MEMMAP_CHUNKS];

/*
 * Reserve host address space for @r's memmap, starting on a chunk boundary,
 * and record @r as the owner of the chunks it spans.  The mapping is
 * anonymous and MAP_NORESERVE: descriptors read as zero (a free page) and
 * cost host memory only once written, so a terabyte of RAM costs nothing
 * until used.
 */
static int memmap_create(struct dmasim_region *r, char *err, size_t errlen)
{
	size_t bytes = PAGE_ALIGN((size_t)r->nr_pages * sizeof(struct page));
	size_t span = (bytes + MEMMAP_CHUNK - 1) & ~(MEMMAP_CHUNK - 1);
	unsigned char *res, *start;
	uintptr_t first, last;

	if ((u64)r->nr_pages > SIZE_MAX / sizeof(struct page) / 2) {
		snprintf(err, errlen, "ram: cannot create backing memory for the page descriptors of %llu pages",
			 (unsigned long long)r->nr_pages);
		return -ENOMEM;
	}
	res = mmap(NULL, span + MEMMAP_CHUNK, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED) {
		snprintf(err, errlen,
			 "ram: cannot create backing memory for the page descriptors of %llu MiB of RAM (%zu MiB of host address space): %s",
			 (unsigned long long)(r->size >> 20), bytes >> 20, strerror(errno));
		return -ENOMEM;
	}
	start = (unsigned char *)(((uintptr_t)res + MEMMAP_CHUNK - 1) & ~(uintptr_t)(MEMMAP_CHUNK - 1));
	if (start > res)
		munmap(res, (size_t)(start - res));
	/* Keep what the descriptors need; the chunks they touch stay theirs in the owner table. */
	munmap(start + bytes, (size_t)(res + span + MEMMAP_CHUNK - (start + bytes)));
	first = (uintptr_t)start >> DMASIM_MEMMAP_CHUNK_SHIFT;
	last = ((uintptr_t)start + bytes - 1) >> DMASIM_MEMMAP_CHUNK_SHIFT;
	if (last >= DMASIM_MEMMAP_CHUNKS) {
		munmap(start, bytes);
		snprintf(err, errlen, "ram: page descriptors landed above the 47-bit host address space");
		return -ENOMEM;
	}
	r->memmap = (struct page *)start;
	r->memmap_span = bytes;
	for (uintptr_t c = first; c <= last; c++)
		__atomic_store_n(&dmasim__memmap_owner[c], r, __ATOMIC_RELEASE);
	return 0;
}

static void memmap_destroy(struct dmasim_region *r)
{
	uintptr_t first, last;

	if (!r->memmap)
		return;
	first = (uintptr_t)r->memmap >> DMASIM_MEMMAP_CHUNK_SHIFT;
	last = ((uintptr_t)r->memmap + r->memmap_span - 1) >> DMASIM_MEMMAP_CHUNK_SHIFT;
	for (uintptr_t c = first; c <= last; c++)
		__atomic_store_n(&dmasim__memmap_owner[c], NULL, __ATOMIC_RELEASE);
	munmap(r->memmap, r->memmap_span);
	r->memmap = NULL;
}

/*
 * ASan's shadow outlives munmap(): the linear map's poisoned chunks are
 * unpoisoned before it goes, so the next mapping there starts clean.  A
 * chunk is the unit (its shadow is 256 KiB): a 5 TiB sparse machine's
 * scattered blocks do not cost one memset over everything between them.
 */
#define SHADOW_CHUNK (2UL << 20)

static void shadow_forget(struct dmasim_region *r)
{
	const size_t bits = 8 * sizeof(unsigned long);

	if (!r->shadow_chunks)
		return;
	for (size_t c = 0; c < DIV_ROUND_UP(r->size, SHADOW_CHUNK); c++)
		if (r->shadow_chunks[c / bits] & (1UL << (c % bits))) {
			size_t off = c * SHADOW_CHUNK;

			dmasim__shadow_unpoison(r->linear + off,
						r->size - off < SHADOW_CHUNK ? r->size - off : SHADOW_CHUNK);
		}
	free(r->shadow_chunks);
	r->shadow_chunks = NULL;
}

static int parse_region(struct dmasim_platform *p, const char *word, char *err, size_t errlen)
{
	char buf[128];
	char *at, *colon;
	u64 size, base;
	struct dmasim_region *r;

	if (strlen(word) >= sizeof(buf)) {
		snprintf(err, errlen, "ram: '%s' is too long", word);
		return -EINVAL;
	}
	strcpy(buf, word);
	colon = strchr(buf, ':');
	if (colon) {
		*colon++ = '\0';
		if (strcmp(colon, "high")) {
			snprintf(err, errlen, "ram: unknown region flag ':%s' in '%s' (only ':high')",
				 colon, word);
			return -EINVAL;
		}
	}
	at = strchr(buf, '@');
	if (!at) {
		snprintf(err, errlen, "ram: '%s' must be SIZE@ADDR, e.g. 256M@0x80000000", word);
		return -EINVAL;
	}
	*at++ = '\0';
	if (dmasim__parse_size(buf, &size) || dmasim__parse_u64(at, &base)) {
		snprintf(err, errlen, "ram: cannot read size or address in '%s'", word);
		return -EINVAL;
	}
	if (!size || (size & ~PAGE_MASK) || (base & ~PAGE_MASK)) {
		snprintf(err, errlen, "ram: '%s': size and address must be non-zero page multiples",
			 word);
		return -EINVAL;
	}
	if (base + size < base || base + size > (1ULL << 48)) {
		snprintf(err, errlen, "ram: '%s' goes beyond the 48-bit physical address space",
			 word);
		return -EINVAL;
	}
	if (p->nr_regions == DMASIM_MAX_REGIONS) {
		snprintf(err, errlen, "ram: at most %d regions", DMASIM_MAX_REGIONS);
		return -EINVAL;
	}
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *o = &p->regions[i];

		if (base < o->base + o->size && o->base < base + size) {
			snprintf(err, errlen, "ram: region '%s' overlaps region %d", word, i);
			return -EINVAL;
		}
	}
	r = &p->regions[p->nr_regions++];
	r->plat = p;
	r->base = base;
	r->size = size;
	r->high = colon != NULL;
	return 0;
}

static int cmp_region(const void *a, const void *b)
{
	const struct dmasim_region *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

int dmasim__memory_init(struct dmasim_platform *p, const char *ram, bool cpu_copy, char *err,
			size_t errlen)
{
	char *copy = strdup(ram), *save = NULL, *w;
	phys_addr_t lo = ~0ULL, hi = 0;
	off_t off = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		ret = parse_region(p, w, err, errlen);
		if (ret)
			break;
	}
	free(copy);
	if (ret)
		return ret;
	if (!p->nr_regions) {
		snprintf(err, errlen, "ram: no region given");
		return -EINVAL;
	}
	qsort(p->regions, (size_t)p->nr_regions, sizeof(p->regions[0]), cmp_region);
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *r = &p->regions[i];

		r->fd_off = off;
		off += (off_t)r->size;
		if (!r->high) {
			if (r->base < lo)
				lo = r->base;
			if (r->base + r->size > hi)
				hi = r->base + r->size;
		}
		if (r->base + r->size - 1 > p->phys_max)
			p->phys_max = r->base + r->size - 1;
	}
	if (lo == ~0ULL) {
		snprintf(err, errlen, "ram: every region is high memory; at least one needs a linear map");
		return -EINVAL;
	}
	if (hi - lo > LINEAR_SPAN_MAX) {
		snprintf(err, errlen, "ram: low-memory regions span more than 1 TiB; mark far ones :high");
		return -EINVAL;
	}
	p->ram_total = (size_t)off;

	p->memfd = memfd_create("dmasim-ram", MFD_CLOEXEC);
	if (p->memfd < 0 || ftruncate(p->memfd, off) < 0) {
		snprintf(err, errlen, "ram: cannot create %zu bytes of backing memory: %s",
			 p->ram_total, strerror(errno));
		return -ENOMEM;
	}
	p->ram_view = mmap(NULL, p->ram_total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
			   p->memfd, 0);
	if (p->ram_view == MAP_FAILED) {
		p->ram_view = NULL;
		snprintf(err, errlen,
			 "ram: cannot create %zu bytes of backing memory: no host address space for it: %s",
			 p->ram_total, strerror(errno));
		return -ENOMEM;
	}
	/*
	 * A non-coherent cache model keeps the CPU's view of RAM apart: a second
	 * memfd, laid out like the first, behind the linear map and every CPU
	 * alias.  With a coherent model the two views are one.
	 */
	p->cpu_fd = p->memfd;
	p->cpu_view = p->ram_view;
	if (cpu_copy) {
		p->cpu_fd = memfd_create("dmasim-cpu-view", MFD_CLOEXEC);
		if (p->cpu_fd < 0 || ftruncate(p->cpu_fd, off) < 0) {
			snprintf(err, errlen, "ram: cannot create the CPU view: %s", strerror(errno));
			return -ENOMEM;
		}
		p->cpu_view = mmap(NULL, p->ram_total, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_NORESERVE, p->cpu_fd, 0);
		if (p->cpu_view == MAP_FAILED) {
			p->cpu_view = NULL;
			snprintf(err, errlen, "ram: cannot map the CPU view: %s", strerror(errno));
			return -ENOMEM;
		}
	}
	/* Reserve the whole linear span, then map each low region into it. */
	p->linear_phys0 = lo;
	p->linear_span = (size_t)(hi - lo);
	{
		size_t slack = (size_t)LINEAR_ALIGN;
		unsigned char *res = mmap(NULL, p->linear_span + slack, PROT_NONE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		size_t head;

		if (res == MAP_FAILED) {
			snprintf(err, errlen, "ram: cannot reserve the linear map: %s",
				 strerror(errno));
			return -ENOMEM;
		}
		/* Start where virtual and physical agree modulo LINEAR_ALIGN; trim the rest. */
		head = (size_t)((lo - (u64)(uintptr_t)res) & (LINEAR_ALIGN - 1));
		if (head)
			munmap(res, head);
		if (slack - head)
			munmap(res + head + p->linear_span, slack - head);
		p->linear_base = res + head;
	}
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *r = &p->regions[i];

		r->ram = p->ram_view + r->fd_off;
		r->cpu = p->cpu_view + r->fd_off;
		r->pfn_base = (unsigned long)(r->base >> PAGE_SHIFT);
		r->nr_pages = (unsigned long)(r->size >> PAGE_SHIFT);
		ret = memmap_create(r, err, errlen);
		if (ret)
			return ret;
#ifdef DMASIM_ASAN
		r->shadow_chunks = r->high ? NULL :
				   calloc(DIV_ROUND_UP(DIV_ROUND_UP(r->size, SHADOW_CHUNK),
							8 * sizeof(unsigned long)),
					  sizeof(unsigned long));
		if (!r->high && !r->shadow_chunks) {
			snprintf(err, errlen, "ram: no host memory for ASan's chunk map");
			return -ENOMEM;
		}
#endif
		if (r->high)
			continue;
		r->linear = mmap(p->linear_base + (r->base - lo), r->size, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, p->cpu_fd, r->fd_off);
		if (r->linear == MAP_FAILED) {
			r->linear = NULL;
			snprintf(err, errlen, "ram: cannot map region %d: %s", i, strerror(errno));
			return -ENOMEM;
		}
	}
	return 0;
}

void dmasim__memory_destroy(struct dmasim_platform *p)
{
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *r = &p->regions[i];

		shadow_forget(r);
		memmap_destroy(r);
	}
	if (p->linear_base)
		munmap(p->linear_base, p->linear_span);
	if (p->cpu_view && p->cpu_view != p->ram_view)
		munmap(p->cpu_view, p->ram_total);
	if (p->cpu_fd >= 0 && p->cpu_fd != p->memfd)
		close(p->cpu_fd);
	if (p->ram_view)
		munmap(p->ram_view, p->ram_total);
	if (p->memfd >= 0)
		close(p->memfd);
}

struct dmasim_region *dmasim__phys_region(struct dmasim_platform *p, phys_addr_t phys)
{
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *r = &p->regions[i];

		if (phys >= r->base && phys - r->base < r->size)
			return r;
	}
	return NULL;
}

bool dmasim__phys_range_ok(struct dmasim_platform *p, phys_addr_t phys, u64 size)
{
	struct dmasim_region *r = dmasim__phys_region(p, phys);

	return r && size <= r->size - (phys - r->base);
}

unsigned char *dmasim__ram_ptr(struct dmasim_platform *p, phys_addr_t phys)
{
	struct dmasim_region *r = dmasim__phys_region(p, phys);

	return r ? r->ram + (phys - r->base) : NULL;
}

unsigned char *dmasim__cpu_ptr(struct dmasim_platform *p, phys_addr_t phys)
{
	struct dmasim_region *r = dmasim__phys_region(p, phys);

	return r ? r->cpu + (phys - r->base) : NULL;
}

void *dmasim__phys_to_linear(struct dmasim_platform *p, phys_addr_t phys)
{
	struct dmasim_region *r = dmasim__phys_region(p, phys);

	return r && r->linear ? r->linear + (phys - r->base) : NULL;
}

static struct dmasim_region *linear_region(struct dmasim_platform *p, const void *addr)
{
	const unsigned char *a = addr;

	if (!p || a < p->linear_base || a >= p->linear_base + p->linear_span)
		return NULL;
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *r = &p->regions[i];

		if (r->linear && a >= r->linear && a < r->linear + r->size)
			return r;
	}
	return NULL;
}

int dmasim__linear_to_phys(struct dmasim_platform *p, const void *cpu, phys_addr_t *phys)
{
	struct dmasim_region *r = linear_region(p, cpu);

	if (!r)
		return -EFAULT;
	*phys = r->base + (phys_addr_t)((const unsigned char *)cpu - r->linear);
	return 0;
}

int dmasim__cpu_to_phys(struct dmasim_platform *p, const void *cpu, phys_addr_t *phys)
{
	struct dmasim_region *r = linear_region(p, cpu);
	struct dmasim_alias *a;

	if (r) {
		*phys = r->base + (phys_addr_t)((const unsigned char *)cpu - r->linear);
		return 0;
	}
	a = dmasim__alias_find(p, cpu);
	if (a) {
		size_t off = (size_t)((const unsigned char *)cpu - a->va);

		*phys = page_to_phys(a->pages[off >> PAGE_SHIFT]) + (off & ~PAGE_MASK);
		return 0;
	}
	return -EFAULT;
}

struct page *dmasim__phys_to_page(struct dmasim_platform *p, phys_addr_t phys)
{
	struct dmasim_region *r = dmasim__phys_region(p, phys);

	return r ? &r->memmap[(phys - r->base) >> PAGE_SHIFT] : NULL;
}

/* ---- what ASan and memcheck see (mm/shadow.h) ------------------------------ */

/* Mark the chunks of linear-map offsets [lo, hi) of @r as poisoned at some point; lock-free. */
static void shadow_track(struct dmasim_region *r, size_t lo, size_t hi)
{
	const size_t bits = 8 * sizeof(unsigned long);

	for (size_t c = lo / SHADOW_CHUNK; c <= (hi - 1) / SHADOW_CHUNK; c++)
		__atomic_fetch_or(&r->shadow_chunks[c / bits], 1UL << (c % bits), __ATOMIC_RELAXED);
}

void dmasim__mem_poison(struct dmasim_platform *p, const void *addr, size_t size)
{
	if (!size)
		return;
#ifdef DMASIM_ASAN
	{
		struct dmasim_region *r = linear_region(p, addr);

		/* Alias areas are unpoisoned when they go (vmalloc.c): only the linear map is tracked. */
		if (r) {
			size_t off = (size_t)((const unsigned char *)addr - r->linear);

			shadow_track(r, off, off + size);
		}
	}
#else
	(void)shadow_track;
#endif
	dmasim__shadow_poison(addr, size);
}

void dmasim__pages_poison(struct page *page, unsigned int order)
{
	unsigned char *lin = dmasim__page_linear(page);

	if (lin)
		dmasim__mem_poison(dmasim__page_platform(page), lin, PAGE_SIZE << order);
}

void dmasim__pages_unpoison(struct page *page, unsigned int order)
{
	unsigned char *lin = dmasim__page_linear(page);

	if (lin)
		dmasim__shadow_unpoison(lin, PAGE_SIZE << order);
}

struct segment_query {
	unsigned long addr;
	const char *object;
};

/* dl_iterate_phdr callback: does @addr fall in a loaded writable segment? */
static int find_segment(struct dl_phdr_info *info, size_t size, void *data)
{
	struct segment_query *q = data;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		unsigned long lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && q->addr >= lo && q->addr < lo + ph->p_memsz) {
			q->object = info->dlpi_name && *info->dlpi_name ? info->dlpi_name :
									   "the program";
			return 1;
		}
	}
	return 0;
}

/*
 * Describe the host memory that contains @addr: static data (including .bss,
 * which the maps file shows as anonymous) from the loaded objects' segments,
 * the rest from /proc/self/maps.  Only used on error paths.
 */
static void host_mapping_name(const void *addr, char *buf, size_t len)
{
	struct segment_query q = { .addr = (unsigned long)addr };
	FILE *f;
	char line[512];

	if (dl_iterate_phdr(find_segment, &q)) {
		const char *slash = strrchr(q.object, '/');

		snprintf(buf, len, "static data of %s", slash ? slash + 1 : q.object);
		return;
	}
	snprintf(buf, len, "unmapped");
	f = fopen("/proc/self/maps", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8] = "", path[400] = "";

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %399[^\n]", &lo, &hi, perms, path) < 3)
			continue;
		if (q.addr < lo || q.addr >= hi)
			continue;
		if (!strcmp(path, "[stack]") || !strncmp(path, "[stack:", 7))
			snprintf(buf, len, "stack");
		else if (!strcmp(path, "[heap]"))
			snprintf(buf, len, "heap (malloc)");
		else if (path[0] == '/')
			snprintf(buf, len, "a file mapping of %s", strrchr(path, '/') + 1);
		else
			snprintf(buf, len, "anonymous host memory (malloc, mmap or a thread stack)");
		break;
	}
	fclose(f);
}

void dmasim__explain_addr(struct dmasim_platform *p, const void *addr, char *buf, size_t len)
{
	struct dmasim_alias *a = p ? dmasim__alias_find(p, addr) : NULL;
	char where[128];

	if (!addr) {
		snprintf(buf, len, "NULL pointer");
		return;
	}
	if (a) {
		static const char *const what[] = {
			[ALIAS_VMALLOC] = "a vmalloc() address",
			[ALIAS_VMAP] = "a vmap() alias",
			[ALIAS_KMAP] = "a kmap() address of a high-memory page",
			[ALIAS_PIN] = "a pinned user address",
			[ALIAS_MMAP] = "a dma_mmap_*() user mapping",
		};
		snprintf(buf, len,
			 "%p is %s, not in the linear map; map its pages with dma_map_page() or an sg_table "
			 "(vmalloc_to_page(), sg_alloc_table_from_pages())",
			 addr, what[a->kind]);
		return;
	}
	host_mapping_name(addr, where, sizeof(where));
	snprintf(buf, len,
		 "%p is not simulated memory (%s); no device can reach it: allocate with kmalloc(), "
		 "alloc_pages() or dma_alloc_coherent(), or register it with pin_user_pages_fast()",
		 addr, where);
}

/* ---- the public page and linear-map helpers ---------------------------- */

unsigned long page_to_pfn(const struct page *page)
{
	const struct dmasim_region *r = dmasim__page_region(page);

	return r->pfn_base + (unsigned long)(page - r->memmap);
}

phys_addr_t page_to_phys(const struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}

struct page *pfn_to_page(unsigned long pfn)
{
	struct dmasim_platform *p = dmasim_platform_current();

	/* PFN_PHYS() would drop the top bits of a frame number beyond 64-bit addresses. */
	if ((u64)pfn > (~0ULL >> PAGE_SHIFT))
		return NULL;
	return p ? dmasim__phys_to_page(p, PFN_PHYS(pfn)) : NULL;
}

bool pfn_valid(unsigned long pfn)
{
	return pfn_to_page(pfn) != NULL;
}

void *page_address(const struct page *page)
{
	const struct dmasim_region *r;

	if (!page)
		return NULL;
	r = dmasim__page_region(page);
	return r->linear ? r->linear + ((size_t)(page - r->memmap) << PAGE_SHIFT) : NULL;
}

struct page *nth_page(struct page *page, unsigned long n)
{
	return dmasim__phys_to_page(dmasim__page_platform(page), page_to_phys(page) + PFN_PHYS(n));
}

bool PageHighMem(const struct page *page)
{
	return page && dmasim__page_region(page)->high;
}

bool virt_addr_valid(const void *addr)
{
	return linear_region(dmasim_platform_current(), addr) != NULL;
}

phys_addr_t virt_to_phys(const volatile void *addr)
{
	struct dmasim_platform *p = dmasim__current("virt_to_phys");
	struct dmasim_region *r = p ? linear_region(p, (const void *)addr) : NULL;
	char why[320];

	if (r)
		return r->base + (phys_addr_t)((const unsigned char *)addr - r->linear);
	if (p) {
		dmasim__explain_addr(p, (const void *)addr, why, sizeof(why));
		dmasim__report(p, "virt_to_phys: %s", why);
	}
	return (phys_addr_t)-1;
}

void *phys_to_virt(phys_addr_t phys)
{
	struct dmasim_platform *p = dmasim_platform_current();

	return p ? dmasim__phys_to_linear(p, phys) : NULL;
}

struct page *virt_to_page(const void *addr)
{
	struct dmasim_platform *p = dmasim__current("virt_to_page");
	struct dmasim_region *r = p ? linear_region(p, addr) : NULL;
	char why[320];

	if (r)
		return &r->memmap[(size_t)((const unsigned char *)addr - r->linear) >> PAGE_SHIFT];
	if (p) {
		dmasim__explain_addr(p, addr, why, sizeof(why));
		dmasim__report(p, "virt_to_page: %s", why);
	}
	return NULL;
}
