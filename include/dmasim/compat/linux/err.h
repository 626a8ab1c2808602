/*
 * <linux/err.h> - error values carried in pointers (dmasim compat).
 *
 * As the kernel's include/linux/err.h: the last MAX_ERRNO addresses of the
 * address space (-4095..-1) are never valid pointers, so a function can
 * return either an object or ERR_PTR(-errno).
 */
#ifndef DMASIM_COMPAT_LINUX_ERR_H
#define DMASIM_COMPAT_LINUX_ERR_H

#include <linux/compiler.h>
#include <linux/errno.h>

#define MAX_ERRNO 4095

#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)

/** ERR_PTR() - encode the negative errno @error as a pointer. */
static inline void *__must_check ERR_PTR(long error)
{
	return (void *)error;
}

/** PTR_ERR() - the negative errno that ERR_PTR() encoded in @ptr. */
static inline long __must_check PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

/** IS_ERR() - whether @ptr is an ERR_PTR() value. */
static inline bool __must_check IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((unsigned long)ptr);
}

/** IS_ERR_OR_NULL() - whether @ptr is NULL or an ERR_PTR() value. */
static inline bool __must_check IS_ERR_OR_NULL(const void *ptr)
{
	return unlikely(!ptr) || IS_ERR_VALUE((unsigned long)ptr);
}

/** ERR_CAST() - an ERR_PTR() value as a pointer of another type. */
static inline void *__must_check ERR_CAST(const void *ptr)
{
	return (void *)ptr;
}

/** PTR_ERR_OR_ZERO() - PTR_ERR(@ptr) if it is an error, else 0. */
static inline int __must_check PTR_ERR_OR_ZERO(const void *ptr)
{
	if (IS_ERR(ptr))
		return (int)PTR_ERR(ptr);
	return 0;
}

#endif /* DMASIM_COMPAT_LINUX_ERR_H */
