/*
 * <linux/kref.h> - reference-counted objects (dmasim compat): a refcount_t
 * and a release function called when the last reference goes, as the
 * kernel's include/linux/kref.h.
 */
#ifndef DMASIM_COMPAT_LINUX_KREF_H
#define DMASIM_COMPAT_LINUX_KREF_H

#include <linux/refcount.h>

struct kref {
	refcount_t refcount;
};

#define KREF_INIT(n) { .refcount = REFCOUNT_INIT(n) }

static inline void kref_init(struct kref *kref)
{
	refcount_set(&kref->refcount, 1);
}

static inline unsigned int kref_read(const struct kref *kref)
{
	return refcount_read(&kref->refcount);
}

static inline void kref_get(struct kref *kref)
{
	refcount_inc(&kref->refcount);
}

/** kref_put() - drop a reference; call @release on the last. Return: 1 if released. */
static inline int kref_put(struct kref *kref, void (*release)(struct kref *kref))
{
	if (refcount_dec_and_test(&kref->refcount)) {
		release(kref);
		return 1;
	}
	return 0;
}

static inline int kref_get_unless_zero(struct kref *kref)
{
	return refcount_inc_not_zero(&kref->refcount);
}

#endif /* DMASIM_COMPAT_LINUX_KREF_H */
