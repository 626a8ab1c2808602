/*
 * iommu/iova/iova-bitmap.c - the "bitmap" IOVA allocator: one bit per granule
 * over the aperture and a first-fit, bottom-up search, as simple IOMMU
 * drivers and many firmware allocators do.  The reference for how the IOVA
 * backend contract in <dmasim/backend.h> behaves without caches, and a
 * contrast to the "rbtree" allocator for students: placements grow upwards,
 * fragmentation shows plainly, and a free or a stats call costs a scan.
 */
#include <stdlib.h>
#include <string.h>
#include <bitstring.h>

#include "iova-ranges.h"

/*
 * Three bitmaps of this many bits take 96 MiB of (lazily zeroed) memory; an
 * aperture with more granules is narrowed to its first 2^28 (1 TiB of 4 KiB
 * pages) and the smaller end reported in the instance, as the contract lets
 * a backend narrow.  It also keeps bit numbers inside the int the
 * <bitstring.h> macros compute with.
 */
#define BITMAP_MAX_BITS (1ULL << 28)

/*
 * used: allocated or reserved (what the search avoids); resv: reserved;
 * head: the first granule of each allocation.  An allocation is the run from
 * its head up to the next granule that is free, reserved or another head, so
 * a free of [a, a + n) is exact when head[a] is set and that run is n long:
 * a wrong size, a free in the middle of a range, a double free (head already
 * clear) and a free of a reservation are all refused.
 */
struct bm {
	struct dmasim_iova base;
	unsigned int shift;
	u64 start_pfn;
	u64 nbits;
	pthread_mutex_t lock;
	bitstr_t *used, *resv, *head;
	u64 hint;       /* every bit below it is set in used */
	u64 nr_ranges;
};

static inline struct bm *to_bm(struct dmasim_iova *iova)
{
	return container_of(iova, struct bm, base);
}

/*
 * Bits 64 at a time: <bitstring.h> has no "find from position" and its
 * bit_ffc() walks bytes from bit 0.  The layout is the header's: bit i in
 * byte i / 8 at position i % 8, so a little-endian load gives bit i at i % 64.
 * The maps are padded to whole words.
 */
static inline u64 load_word(const bitstr_t *b, u64 bit)
{
	u64 w;

	memcpy(&w, b + (bit >> 6) * 8, sizeof(w));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* First bit in [from, end) equal to @set, or @end. */
static u64 next_bit(const bitstr_t *b, u64 from, u64 end, bool set)
{
	while (from < end) {
		u64 w = load_word(b, from);

		if (!set)
			w = ~w;
		w &= ~0ULL << (from & 63);
		if (w) {
			u64 i = (from & ~63ULL) + (u64)__builtin_ctzll(w);

			return i < end ? i : end;
		}
		from = (from | 63) + 1;
	}
	return end;
}

/* End of the allocation whose head is @s: the next free, reserved or head granule. */
static u64 alloc_end(const struct bm *b, u64 s)
{
	for (u64 from = s + 1; from < b->nbits; from = (from | 63) + 1) {
		u64 w = ~load_word(b->used, from) | load_word(b->resv, from) |
			load_word(b->head, from);

		w &= ~0ULL << (from & 63);
		if (w) {
			u64 i = (from & ~63ULL) + (u64)__builtin_ctzll(w);

			return i < b->nbits ? i : b->nbits;
		}
	}
	return b->nbits;
}

static u64 count_bits(const bitstr_t *b, u64 nbits)
{
	u64 n = 0;

	for (u64 i = 0; i < nbits; i += 64)
		n += (u64)__builtin_popcountll(load_word(b, i)); /* padding bits stay clear */
	return n;
}

static int bm_alloc_aligned(struct dmasim_iova *iova, size_t size, size_t align_bytes,
			    dma_addr_t limit, dma_addr_t *addr)
{
	struct bm *b = to_bm(iova);
	u64 g = iova->granule, n, top, align, pos, z, p, o;
	int ret = -ENOMEM;

	if (!addr || !size || (size & (g - 1)) || (align_bytes & (align_bytes - 1)))
		return -EINVAL;
	n = size >> b->shift;
	if (limit < g - 1 || ((limit - (g - 1)) >> b->shift) < b->start_pfn)
		return -ENOMEM;
	/* top: one past the last usable bit below the limit */
	top = ((limit - (g - 1)) >> b->shift) - b->start_pfn + 1;
	if (top > b->nbits)
		top = b->nbits;
	if (n > top)
		return -ENOMEM;
	align = align_bytes > g ? align_bytes >> b->shift : 1; /* in granules */

	pthread_mutex_lock(&b->lock);
	for (pos = b->hint;; pos = o + 1) {
		z = next_bit(b->used, pos, top, false);
		if (pos == b->hint)
			b->hint = z; /* all of [hint, z) is used */
		if (z >= top)
			break;
		/* Alignment is of the address, not of the bit number (and may be huge). */
		p = (b->start_pfn + z + align - 1) & ~(align - 1);
		if (p < b->start_pfn + z)
			break;
		p -= b->start_pfn;
		if (p >= top || n > top - p)
			break;
		o = next_bit(b->used, p, p + n, true);
		if (o == p + n) {
			bit_nset(b->used, (int)p, (int)(p + n - 1));
			bit_set(b->head, (int)p);
			if (p == b->hint)
				b->hint = p + n;
			b->nr_ranges++;
			*addr = (b->start_pfn + p) << b->shift;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

/* Free one range, @b->lock held. */
static int free_locked(struct bm *b, dma_addr_t addr, size_t size)
{
	struct dmasim_iova *iova = &b->base;
	u64 g = iova->granule, a, n;

	if (!size || ((addr | size) & (g - 1)) || addr < iova->start || addr > iova->end)
		return -EINVAL;
	a = (addr >> b->shift) - b->start_pfn;
	n = size >> b->shift;
	if (n > b->nbits - a || !bit_test(b->head, a) || alloc_end(b, a) != a + n)
		return -EINVAL;
	bit_nclear(b->used, (int)a, (int)(a + n - 1));
	bit_clear(b->head, (int)a);
	if (a < b->hint)
		b->hint = a;
	b->nr_ranges--;
	return 0;
}

static int bm_free_range(struct dmasim_iova *iova, dma_addr_t addr, size_t size)
{
	struct bm *b = to_bm(iova);
	int ret;

	pthread_mutex_lock(&b->lock);
	ret = free_locked(b, addr, size);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

/* A flush queue's worth under one lock hold. */
static void bm_free_ranges(struct dmasim_iova *iova, const struct dmasim_iova_range *r,
			   unsigned int n, int *ret)
{
	struct bm *b = to_bm(iova);

	pthread_mutex_lock(&b->lock);
	for (unsigned int i = 0; i < n; i++) {
		int st = free_locked(b, r[i].addr, r[i].size);

		if (ret)
			ret[i] = st;
	}
	pthread_mutex_unlock(&b->lock);
}

/* Reservations are clipped to the aperture; overlapping and touching ones simply merge. */
static int bm_reserve(struct dmasim_iova *iova, dma_addr_t addr, size_t size)
{
	struct bm *b = to_bm(iova);
	u64 g = iova->granule, lo, hi, s, pos;
	int ret = 0;

	if (!size || ((addr | size) & (g - 1)) || addr + size - 1 < addr)
		return -EINVAL;
	if (addr + size - 1 < iova->start || addr > iova->end)
		return 0;
	lo = (addr < iova->start ? iova->start : addr) >> b->shift;
	hi = (addr + size - 1 > iova->end ? iova->end : addr + size - 1) >> b->shift;
	lo -= b->start_pfn;
	hi -= b->start_pfn;

	pthread_mutex_lock(&b->lock);
	/* A used granule that is not reserved belongs to a live allocation. */
	for (pos = lo; (s = next_bit(b->used, pos, hi + 1, true)) <= hi;
	     pos = next_bit(b->resv, s, hi + 1, false)) {
		if (!bit_test(b->resv, s)) {
			ret = -EBUSY;
			break;
		}
	}
	if (!ret) {
		bit_nset(b->used, (int)lo, (int)hi);
		bit_nset(b->resv, (int)lo, (int)hi);
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static void bm_stats(struct dmasim_iova *iova, struct dmasim_iova_stats *st)
{
	struct bm *b = to_bm(iova);
	u64 used, resv, pos, z, o;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&b->lock);
	used = count_bits(b->used, b->nbits);
	resv = count_bits(b->resv, b->nbits);
	for (pos = 0; (z = next_bit(b->used, pos, b->nbits, false)) < b->nbits; pos = o) {
		o = next_bit(b->used, z, b->nbits, true);
		if (o - z > st->largest_free)
			st->largest_free = o - z;
	}
	st->nr_ranges = b->nr_ranges;
	pthread_mutex_unlock(&b->lock);
	st->allocated = (used - resv) << b->shift;
	st->reserved = resv << b->shift;
	st->free = (b->nbits - used) << b->shift;
	st->largest_free <<= b->shift;
}

/* The ranges are copied out first, so @fn runs without the lock and may call back in. */
static int bm_for_each(struct dmasim_iova *iova,
		       int (*fn)(void *ctx, dma_addr_t addr, size_t size, bool reserved), void *ctx)
{
	struct bm *b = to_bm(iova);
	struct iova_range_list list = { 0 };
	u64 pos, s, e;
	int ret = 0;

	pthread_mutex_lock(&b->lock);
	for (pos = 0; !ret && (s = next_bit(b->used, pos, b->nbits, true)) < b->nbits; pos = e) {
		bool reserved = bit_test(b->resv, s);

		e = reserved ? next_bit(b->resv, s, b->nbits, false) : alloc_end(b, s);
		ret = iova_ranges_push(&list, (b->start_pfn + s) << b->shift, (e - s) << b->shift,
				       reserved);
	}
	pthread_mutex_unlock(&b->lock);
	return iova_ranges_emit(&list, ret, fn, ctx);
}

static struct dmasim_iova *bm_alloc(const struct dmasim_iova_config *cfg)
{
	u64 g, start_pfn, end_pfn, nbits;
	unsigned int shift;
	struct bm *b;

	if (!cfg || cfg->granule < 4096 || (cfg->granule & (cfg->granule - 1)) ||
	    cfg->start < cfg->granule || cfg->end < cfg->start || (cfg->options && *cfg->options))
		return NULL;
	g = cfg->granule;
	shift = (unsigned int)__builtin_ctzll(g);
	if (cfg->start > UINT64_MAX - (g - 1) || cfg->end < g - 1)
		return NULL;
	start_pfn = (cfg->start + g - 1) >> shift;
	end_pfn = (cfg->end - (g - 1)) >> shift;
	if (end_pfn < start_pfn)
		return NULL;
	nbits = end_pfn - start_pfn + 1;
	if (nbits > BITMAP_MAX_BITS)
		nbits = BITMAP_MAX_BITS;

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->base.granule = g;
	b->base.start = start_pfn << shift;
	b->base.end = ((start_pfn + nbits) << shift) - 1;
	b->shift = shift;
	b->start_pfn = start_pfn;
	b->nbits = nbits;
	/* Padded to whole 64-bit words for load_word(). */
	b->used = bit_alloc(ALIGN(nbits, 64));
	b->resv = bit_alloc(ALIGN(nbits, 64));
	b->head = bit_alloc(ALIGN(nbits, 64));
	if (!b->used || !b->resv || !b->head) {
		free(b->used);
		free(b->resv);
		free(b->head);
		free(b);
		return NULL;
	}
	pthread_mutex_init(&b->lock, NULL);
	return &b->base;
}

static void bm_free(struct dmasim_iova *iova)
{
	struct bm *b = to_bm(iova);

	pthread_mutex_destroy(&b->lock);
	free(b->used);
	free(b->resv);
	free(b->head);
	free(b);
}

const struct dmasim_iova_ops dmasim__iova_bitmap = {
	.base = {
		.abi = DMASIM_BACKEND_ABI,
		.kind = DMASIM_BACKEND_IOVA,
		.name = "bitmap",
		.caps = 0,
		.help = "one bit per granule, first fit from the bottom, no caches",
	},
	.alloc = bm_alloc,
	.free = bm_free,
	.alloc_aligned = bm_alloc_aligned,
	.free_range = bm_free_range,
	.free_ranges = bm_free_ranges,
	.reserve = bm_reserve,
	.stats = bm_stats,
	.for_each = bm_for_each,
};
