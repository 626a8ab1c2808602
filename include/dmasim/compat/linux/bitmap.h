/*
 * <linux/bitmap.h> - bitmaps of unsigned longs (dmasim compat).
 *
 * As the kernel's include/linux/bitmap.h and lib/bitmap.c: bit @n of a
 * bitmap is bit n % BITS_PER_LONG of word n / BITS_PER_LONG; the whole-map
 * operations are not atomic (use set_bit() for that); bits past @nbits in
 * the last word are ignored by the queries.  bitmap_zalloc() memory is
 * kmalloc()'s; free it with bitmap_free().
 */
#ifndef DMASIM_COMPAT_LINUX_BITMAP_H
#define DMASIM_COMPAT_LINUX_BITMAP_H

#include <string.h>
#include <linux/bitops.h>
#include <linux/types.h>
#include <dmasim/mm.h>

#define BITMAP_FIRST_WORD_MASK(start) (~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits) (~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))

static inline unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags)
{
	return (unsigned long *)kmalloc_array(BITS_TO_LONGS(nbits), sizeof(unsigned long), flags);
}

static inline unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags)
{
	return bitmap_alloc(nbits, flags | __GFP_ZERO);
}

static inline void bitmap_free(const unsigned long *bitmap)
{
	kfree(bitmap);
}

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0xff, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_copy(unsigned long *dst, const unsigned long *src, unsigned int nbits)
{
	memcpy(dst, src, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

/** bitmap_set() - set bits [@start, @start + @len). */
static inline void bitmap_set(unsigned long *map, unsigned int start, unsigned int len)
{
	for (unsigned int i = start; i < start + len; i++)
		__set_bit(i, map);
}

/** bitmap_clear() - clear bits [@start, @start + @len). */
static inline void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len)
{
	for (unsigned int i = start; i < start + len; i++)
		__clear_bit(i, map);
}

static inline unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits)
{
	unsigned int w = 0, k;

	for (k = 0; k < nbits / BITS_PER_LONG; k++)
		w += (unsigned int)hweight_long(src[k]);
	if (nbits % BITS_PER_LONG)
		w += (unsigned int)hweight_long(src[k] & BITMAP_LAST_WORD_MASK(nbits));
	return w;
}

static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_first_bit(src, nbits) == nbits;
}

static inline bool bitmap_full(const unsigned long *src, unsigned int nbits)
{
	return find_first_zero_bit(src, nbits) == nbits;
}

static inline bool bitmap_equal(const unsigned long *a, const unsigned long *b, unsigned int nbits)
{
	unsigned int k;

	for (k = 0; k < nbits / BITS_PER_LONG; k++)
		if (a[k] != b[k])
			return false;
	if (nbits % BITS_PER_LONG)
		return ((a[k] ^ b[k]) & BITMAP_LAST_WORD_MASK(nbits)) == 0;
	return true;
}

static inline void bitmap_or(unsigned long *dst, const unsigned long *a, const unsigned long *b,
			     unsigned int nbits)
{
	for (unsigned int k = 0; k < BITS_TO_LONGS(nbits); k++)
		dst[k] = a[k] | b[k];
}

static inline bool bitmap_and(unsigned long *dst, const unsigned long *a, const unsigned long *b,
			      unsigned int nbits)
{
	unsigned long any = 0;
	unsigned int k;

	for (k = 0; k < BITS_TO_LONGS(nbits); k++)
		any |= (dst[k] = a[k] & b[k]);
	return any != 0;
}

/**
 * bitmap_find_next_zero_area() - the first index >= @start of @nr clear
 * bits in a row whose first index is a multiple of @align_mask + 1.
 * Return: the index, or a value > @size when there is none.
 */
static inline unsigned long bitmap_find_next_zero_area(unsigned long *map, unsigned long size,
							unsigned long start, unsigned int nr,
							unsigned long align_mask)
{
	unsigned long index, end, i;

	for (;;) {
		index = find_next_zero_bit(map, size, start);
		index = (index + align_mask) & ~align_mask;
		end = index + nr;
		if (end > size)
			return end;
		i = find_next_bit(map, end, index);
		if (i >= end)
			return index;
		start = i + 1;
	}
}

#endif /* DMASIM_COMPAT_LINUX_BITMAP_H */
