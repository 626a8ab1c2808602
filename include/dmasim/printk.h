/*
 * dmasim/printk.h - the functions behind the kernel's printk(), pr_*(),
 * dev_err_probe() and WARN()/BUG(), with the kstrto*()
 * parsers.  Driver code uses them through <linux/printk.h>, <linux/bug.h>,
 * <linux/dev_printk.h> and <linux/kernel.h>.
 */
#ifndef DMASIM_PRINTK_H
#define DMASIM_PRINTK_H

#include <stdarg.h>
#include <dmasim/ktypes.h>

#ifdef __cplusplus
extern "C" {
#endif

struct device;

/**
 * printk() - log a message whose format may start with a KERN_* level.
 * Return: the number of characters of the message.
 * Context: any; thread-safe.
 */
DMASIM_API int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** vprintk() - printk() with a va_list. */
DMASIM_API int vprintk(const char *fmt, va_list args) __attribute__((format(printf, 1, 0)));

/*
 * dmasim_ratelimit_state - one call site's budget for *_ratelimited().
 * The kernel's struct ratelimit_state, reduced to what the default needs.
 */
struct dmasim_ratelimit_state {
	long long begin_ns;
	int printed;
	int missed;
	int lock;
};

/** dmasim_ratelimit() - whether @rs allows one more message now (and counts it). */
DMASIM_API bool dmasim_ratelimit(struct dmasim_ratelimit_state *rs, const char *func);

enum { DUMP_PREFIX_NONE, DUMP_PREFIX_ADDRESS, DUMP_PREFIX_OFFSET };
/** print_hex_dump() - log @len bytes of @buf, @rowsize (16 or 32) per line. */
DMASIM_API void print_hex_dump(const char *level, const char *prefix_str, int prefix_type,
			       int rowsize, int groupsize, const void *buf, size_t len,
			       bool ascii);

/** dump_stack() - log the call stack of the caller (as a WARN does). */
DMASIM_API void dump_stack(void);

/**
 * dmasim_warn() - report a WARN*() that fired at @file:@line in @func.
 * @cond: the condition's text (or NULL).  @fmt: WARN()'s message (or NULL).
 */
DMASIM_API void dmasim_warn(const char *file, int line, const char *func, const char *cond,
			    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/** dmasim_bug() - log "kernel BUG at @file:@line!" and abort(). */
DMASIM_API __attribute__((noreturn)) void dmasim_bug(const char *file, int line, const char *func);

/**
 * dev_err_probe() - the usual probe error path: log "error <err>: <msg>"
 * and return @err.  As in the kernel (drivers/base/core.c), -EPROBE_DEFER
 * is not an error: it is logged at debug level only.
 * Return: @err.
 */
DMASIM_API int dev_err_probe(const struct device *dev, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parsing helpers of include/linux/kstrtox.h: 0 or -EINVAL/-ERANGE. */
DMASIM_API int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
DMASIM_API int kstrtoll(const char *s, unsigned int base, long long *res);
DMASIM_API int kstrtouint(const char *s, unsigned int base, unsigned int *res);
DMASIM_API int kstrtoint(const char *s, unsigned int base, int *res);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_PRINTK_H */
