/*
 * lib/mm/slab-util.c - the kmalloc family around kmalloc()/kfree() (machine
 * layer, memory): krealloc(), kmemdup(), kstrdup(), kvmalloc(), and
 * device-managed devm_kmalloc() memory kept on the device's devres list,
 * released newest first when the device is destroyed, as the kernel's
 * drivers/base/devres.c.  Everything here goes through the public
 * allocators, so what they check (foreign pointers, double frees) holds.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include <dmasim/slab.h>

void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	size_t old;
	void *q;

	if (!p)
		return kmalloc(new_size, flags);
	if (!new_size) {
		kfree(p);
		return NULL;
	}
	old = ksize(p);
	if (!old)
		return NULL; /* ksize() reported the foreign pointer */
	if (new_size <= old) {
		/* The kernel keeps the block; __GFP_ZERO clears what is no longer in use. */
		if (flags & __GFP_ZERO)
			memset((char *)p + new_size, 0, old - new_size);
		/* As KASAN's krealloc(): past the new size is the object's redzone again. */
		dmasim__kmalloc_resized(p, new_size, old);
		return (void *)p;
	}
	q = kmalloc(new_size, flags & ~__GFP_ZERO);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	if (flags & __GFP_ZERO)
		memset((char *)q + old, 0, new_size - old);
	kfree(p);
	return q;
}

void *krealloc_array(void *p, size_t new_n, size_t new_size, gfp_t flags)
{
	if (new_size && new_n > SIZE_MAX / new_size)
		return NULL;
	return krealloc(p, new_n * new_size, flags);
}

void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);

	if (p)
		memcpy(p, src, len);
	return p;
}

char *kmemdup_nul(const char *s, size_t len, gfp_t gfp)
{
	char *buf;

	if (!s)
		return NULL;
	buf = kmalloc(len + 1, gfp);
	if (buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	return buf;
}

char *kstrdup(const char *s, gfp_t gfp)
{
	return s ? kmemdup(s, strlen(s) + 1, gfp) : NULL;
}

char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	return s ? kmemdup_nul(s, strnlen(s, max), gfp) : NULL;
}

void kfree_sensitive(const void *p)
{
	size_t n = p ? ksize(p) : 0;

	if (n) {
		memset((void *)p, 0, n);
		__asm__ __volatile__("" : : "r"(p) : "memory");
	}
	kfree(p);
}

void *kvmalloc(size_t size, gfp_t gfp)
{
	void *p;

	/* As mm/util.c: small requests are kmalloc's; large ones try it quietly first. */
	if (size <= PAGE_SIZE)
		return kmalloc(size, gfp);
	p = kmalloc(size, gfp | __GFP_NOWARN | __GFP_NORETRY);
	if (p)
		return p;
	return (gfp & __GFP_ZERO) ? vzalloc(size) : vmalloc(size);
}

void *kvzalloc(size_t size, gfp_t gfp)
{
	return kvmalloc(size, gfp | __GFP_ZERO);
}

void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kvmalloc(n * size, gfp);
}

void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	return kvmalloc_array(n, size, gfp | __GFP_ZERO);
}

void kvfree(const void *addr)
{
	if (is_vmalloc_addr(addr))
		vfree(addr);
	else
		kfree(addr);
}

/* ---- device-managed memory ------------------------------------------------------ */

static void devm_kmalloc_release(struct device *dev, void *data)
{
	kfree(data);
}

void *devm_kmalloc(struct device *dev, size_t size, gfp_t gfp)
{
	struct dmasim_device *d = dmasim__dev(dev, "devm_kmalloc");
	void *p;

	if (!d)
		return NULL;
	p = kmalloc(size, gfp);
	if (!p)
		return NULL;
	if (dmasim__devres_add(d, devm_kmalloc_release, p, size, 0, p)) {
		kfree(p);
		return NULL;
	}
	return p;
}

void *devm_kzalloc(struct device *dev, size_t size, gfp_t gfp)
{
	return devm_kmalloc(dev, size, gfp | __GFP_ZERO);
}

void *devm_kmalloc_array(struct device *dev, size_t n, size_t size, gfp_t gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return devm_kmalloc(dev, n * size, gfp);
}

void *devm_kcalloc(struct device *dev, size_t n, size_t size, gfp_t gfp)
{
	return devm_kmalloc_array(dev, n, size, gfp | __GFP_ZERO);
}

void *devm_kmemdup(struct device *dev, const void *src, size_t len, gfp_t gfp)
{
	void *p = devm_kmalloc(dev, len, gfp);

	if (p)
		memcpy(p, src, len);
	return p;
}

char *devm_kstrdup(struct device *dev, const char *s, gfp_t gfp)
{
	return s ? devm_kmemdup(dev, s, strlen(s) + 1, gfp) : NULL;
}

void devm_kfree(struct device *dev, const void *p)
{
	struct dmasim_device *d = dmasim__dev(dev, "devm_kfree");

	if (!d || !p)
		return;
	/* Only the caller that takes the devres off the list frees it (racing frees). */
	if (dmasim__devres_remove(d, devm_kmalloc_release, (void *)p)) {
		dmasim__dev_report(d, "devm_kfree: %p is not memory this device manages (devm_kmalloc())",
				   p);
		return;
	}
	kfree(p);
}

void *devm_krealloc(struct device *dev, void *ptr, size_t new_size, gfp_t gfp)
{
	struct dmasim_device *d = dmasim__dev(dev, "devm_krealloc");
	size_t old;
	void *q;

	if (!d)
		return NULL;
	if (!ptr)
		return devm_kmalloc(dev, new_size, gfp);
	if (!new_size) {
		devm_kfree(dev, ptr);
		return NULL;
	}
	old = ksize(ptr);
	if (!old)
		return NULL;
	if (new_size <= old)
		return ptr;
	q = devm_kmalloc(dev, new_size, gfp & ~__GFP_ZERO);
	if (!q)
		return NULL;
	memcpy(q, ptr, old);
	if (gfp & __GFP_ZERO)
		memset((char *)q + old, 0, new_size - old);
	devm_kfree(dev, ptr);
	return q;
}
