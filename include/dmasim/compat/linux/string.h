/*
 * <linux/string.h> - the kernel's string helpers (dmasim compat): the C
 * library's <string.h>, plus strscpy(), memzero_explicit(), memchr_inv(),
 * str_has_prefix() and the kstrdup()/kmemdup() family (<linux/slab.h>).
 */
#ifndef DMASIM_COMPAT_LINUX_STRING_H
#define DMASIM_COMPAT_LINUX_STRING_H

#include <string.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <dmasim/slab.h>

/**
 * strscpy() - copy the C string @src into @dst of @count bytes, always
 * NUL-terminated (unless @count is 0).
 * Return: the length copied, or -E2BIG if @src was truncated.
 */
static inline ssize_t strscpy(char *dst, const char *src, size_t count)
{
	size_t len;

	if (count == 0)
		return -E2BIG;
	for (len = 0; len < count && src[len]; len++)
		; /* strnlen(), which strict C11 does not declare */
	if (len == count) {
		memcpy(dst, src, count - 1);
		dst[count - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return (ssize_t)len;
}
#define strscpy_pad(dst, src, count)                                         \
	({                                                                   \
		ssize_t __w = strscpy(dst, src, count);                      \
		size_t __used = __w < 0 ? (size_t)(count) : (size_t)__w + 1; \
		if (__used < (size_t)(count))                                \
			memset((dst) + __used, 0, (count) - __used);         \
		__w;                                                         \
	})

/** memzero_explicit() - zero @s in a way the compiler may not drop. */
static inline void memzero_explicit(void *s, size_t count)
{
	memset(s, 0, count);
	__asm__ __volatile__("" : : "r"(s) : "memory");
}

/** memchr_inv() - first byte of @start that is not @c, or NULL. */
static inline void *memchr_inv(const void *start, int c, size_t bytes)
{
	const unsigned char *p = (const unsigned char *)start;
	size_t i;

	for (i = 0; i < bytes; i++)
		if (p[i] != (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

/** str_has_prefix() - strlen(@prefix) if @str starts with it, else 0. */
static inline size_t str_has_prefix(const char *str, const char *prefix)
{
	size_t len = strlen(prefix);

	return strncmp(str, prefix, len) == 0 ? len : 0;
}

static inline bool sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	if (*s1 == '\n' && !s1[1] && !*s2)
		return true;
	return false;
}

#define memset_after(obj, v, member)                                                    \
	memset((char *)(obj) + offsetofend(__typeof__(*(obj)), member), v,              \
	       sizeof(*(obj)) - offsetofend(__typeof__(*(obj)), member))

#endif /* DMASIM_COMPAT_LINUX_STRING_H */
