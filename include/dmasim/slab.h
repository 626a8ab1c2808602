/*
 * dmasim/slab.h - the rest of the kernel's kmalloc family: krealloc(),
 * kmemdup(), kstrdup(), kvmalloc(), and device-managed (devres) memory,
 * devm_kmalloc() and friends, freed when the device is destroyed.  kmalloc(),
 * kzalloc(), kcalloc(), kmalloc_array(), kfree() and ksize() are in
 * <dmasim/mm.h>.  Included by <linux/slab.h>.
 */
#ifndef DMASIM_SLAB_H
#define DMASIM_SLAB_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct device;

/**
 * krealloc() - resize the kmalloc() block @p to @new_size bytes.
 *
 * As the kernel's mm/slab_common.c: NULL @p acts as kmalloc(); @new_size 0
 * frees @p and returns ZERO_SIZE_PTR... here NULL (dmasim has no
 * ZERO_SIZE_PTR); a block already big enough (ksize()) is returned as is;
 * otherwise a new block gets the old contents and the old one is freed.
 * __GFP_ZERO zeroes the grown part.  On failure @p is left untouched.
 * Return: the block, or NULL.
 */
DMASIM_API void *krealloc(const void *p, size_t new_size, gfp_t flags);
/** krealloc_array() - krealloc() of @new_n elements of @new_size; NULL on overflow. */
DMASIM_API void *krealloc_array(void *p, size_t new_n, size_t new_size, gfp_t flags);
/** kmemdup() - a kmalloc() copy of @len bytes at @src. Return: the copy or NULL. */
DMASIM_API void *kmemdup(const void *src, size_t len, gfp_t gfp);
/** kmemdup_nul() - a NUL-terminated kmalloc() copy of @len bytes of @s. */
DMASIM_API char *kmemdup_nul(const char *s, size_t len, gfp_t gfp);
/** kstrdup() - a kmalloc() copy of the string @s. Return: NULL for NULL @s or no memory. */
DMASIM_API char *kstrdup(const char *s, gfp_t gfp);
/** kstrndup() - a kmalloc() copy of at most @max bytes of @s, NUL-terminated. */
DMASIM_API char *kstrndup(const char *s, size_t max, gfp_t gfp);
/** kfree_sensitive() - zero the whole block (ksize()), then kfree() it. */
DMASIM_API void kfree_sensitive(const void *p);
#define kzfree(p) kfree_sensitive(p)
/**
 * kvmalloc() - kmalloc(), falling back to vmalloc() for large sizes when
 * physically contiguous memory runs out.  Free with kvfree().
 */
DMASIM_API void *kvmalloc(size_t size, gfp_t gfp);
/** kvzalloc() - zeroed kvmalloc(). */
DMASIM_API void *kvzalloc(size_t size, gfp_t gfp);
/** kvmalloc_array() - kvmalloc() of @n elements; NULL on overflow. */
DMASIM_API void *kvmalloc_array(size_t n, size_t size, gfp_t gfp);
/** kvcalloc() - zeroed kvmalloc_array(). */
DMASIM_API void *kvcalloc(size_t n, size_t size, gfp_t gfp);
/** kvfree() - free kvmalloc() memory (kmalloc or vmalloc); NULL is ignored. */
DMASIM_API void kvfree(const void *addr);

/* --- device-managed memory ---------------------------------------------------- */

/**
 * devm_kmalloc() - kmalloc() that @dev owns: freed by dmasim_device_destroy()
 * (the kernel frees it when the driver detaches), newest first, or earlier
 * by devm_kfree().
 * Return: the memory, or NULL.
 */
DMASIM_API void *devm_kmalloc(struct device *dev, size_t size, gfp_t gfp);
/** devm_kzalloc() - zeroed devm_kmalloc(). */
DMASIM_API void *devm_kzalloc(struct device *dev, size_t size, gfp_t gfp);
/** devm_kmalloc_array() - devm_kmalloc() of @n elements; NULL on overflow. */
DMASIM_API void *devm_kmalloc_array(struct device *dev, size_t n, size_t size, gfp_t gfp);
/** devm_kcalloc() - zeroed devm_kmalloc_array(). */
DMASIM_API void *devm_kcalloc(struct device *dev, size_t n, size_t size, gfp_t gfp);
/** devm_krealloc() - resize a devm_kmalloc() block, keeping it managed. */
DMASIM_API void *devm_krealloc(struct device *dev, void *ptr, size_t size, gfp_t gfp);
/** devm_kmemdup() - a managed copy of @len bytes of @src. */
DMASIM_API void *devm_kmemdup(struct device *dev, const void *src, size_t len, gfp_t gfp);
/** devm_kstrdup() - a managed copy of the string @s. */
DMASIM_API char *devm_kstrdup(struct device *dev, const char *s, gfp_t gfp);
/**
 * devm_kfree() - free a devm_kmalloc() block early.  Memory @dev does not
 * manage is reported (the kernel WARNs) and left alone.
 */
DMASIM_API void devm_kfree(struct device *dev, const void *p);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_SLAB_H */
