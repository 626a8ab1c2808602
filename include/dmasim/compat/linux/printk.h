/*
 * <linux/printk.h> - printk() and the pr_*() family (dmasim compat).
 *
 * Messages go through the current platform's log handler (stderr by
 * default; see dmasim_set_log_handler()), one line each, at the level of
 * their KERN_* prefix: KERN_EMERG..KERN_ERR arrive as DMASIM_LOG_ERR,
 * KERN_WARNING as DMASIM_LOG_WARN, KERN_NOTICE and KERN_INFO as
 * DMASIM_LOG_INFO, KERN_DEBUG as DMASIM_LOG_DEBUG.  The kernel's pointer
 * extensions %pad (dma_addr_t *), %pa/%pap (phys_addr_t *), %pe (an
 * ERR_PTR: "-ENOMEM"), %pS/%ps (a symbol), %pM (a MAC address) and %*ph
 * (a short hex dump) are understood; other %p<x> print the pointer.
 *
 * pr_debug() prints at debug level (as with DEBUG defined in the kernel);
 * define DMASIM_NO_PR_DEBUG to compile it out like a kernel without DEBUG.
 * *_once() print the first time their call site runs; *_ratelimited() print
 * at most 10 messages per 5 s per call site (the kernel's default
 * DEFAULT_RATELIMIT_BURST/INTERVAL).
 */
#ifndef DMASIM_COMPAT_LINUX_PRINTK_H
#define DMASIM_COMPAT_LINUX_PRINTK_H

#include <stdarg.h>
#include <linux/compiler.h>
#include <dmasim/printk.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KERN_SOH "\001"
#define KERN_SOH_ASCII '\001'
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define KERN_DEFAULT ""
#define KERN_CONT KERN_SOH "c"

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "dmasim-driver"
#endif
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif



#define print_hex_dump_bytes(prefix_str, prefix_type, buf, len) \
	print_hex_dump(KERN_DEBUG, prefix_str, prefix_type, 16, 1, buf, len, true)
#define print_hex_dump_debug print_hex_dump

#define no_printk(fmt, ...)                                   \
	({                                                    \
		if (0)                                        \
			printk(fmt, ##__VA_ARGS__);           \
		0;                                            \
	})

#define pr_emerg(fmt, ...) printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warning pr_warn
#define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) printk(KERN_CONT fmt, ##__VA_ARGS__)
#ifdef DMASIM_NO_PR_DEBUG
#define pr_debug(fmt, ...) no_printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#endif
#define pr_devel(fmt, ...) pr_debug(fmt, ##__VA_ARGS__)

/* Run @stmt the first time this call site is reached (in any thread). */
#define DMASIM_DO_ONCE(stmt)                                                         \
	({                                                                           \
		static bool __already_done;                                          \
		bool __first = !__atomic_exchange_n(&__already_done, true,            \
						    __ATOMIC_RELAXED);               \
		if (__first)                                                         \
			stmt;                                                        \
		__first;                                                             \
	})
#define printk_once(fmt, ...) DMASIM_DO_ONCE(printk(fmt, ##__VA_ARGS__))
#define pr_emerg_once(fmt, ...) DMASIM_DO_ONCE(pr_emerg(fmt, ##__VA_ARGS__))
#define pr_alert_once(fmt, ...) DMASIM_DO_ONCE(pr_alert(fmt, ##__VA_ARGS__))
#define pr_crit_once(fmt, ...) DMASIM_DO_ONCE(pr_crit(fmt, ##__VA_ARGS__))
#define pr_err_once(fmt, ...) DMASIM_DO_ONCE(pr_err(fmt, ##__VA_ARGS__))
#define pr_warn_once(fmt, ...) DMASIM_DO_ONCE(pr_warn(fmt, ##__VA_ARGS__))
#define pr_notice_once(fmt, ...) DMASIM_DO_ONCE(pr_notice(fmt, ##__VA_ARGS__))
#define pr_info_once(fmt, ...) DMASIM_DO_ONCE(pr_info(fmt, ##__VA_ARGS__))
#define pr_debug_once(fmt, ...) DMASIM_DO_ONCE(pr_debug(fmt, ##__VA_ARGS__))

/* Run @stmt unless this call site used up its ratelimit budget. */
#define DMASIM_DO_RATELIMITED(stmt)                                                  \
	({                                                                           \
		static struct dmasim_ratelimit_state __rs;                           \
		if (dmasim_ratelimit(&__rs, __func__))                               \
			stmt;                                                        \
	})
#define printk_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(printk(fmt, ##__VA_ARGS__))
#define pr_emerg_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(pr_emerg(fmt, ##__VA_ARGS__))
#define pr_alert_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(pr_alert(fmt, ##__VA_ARGS__))
#define pr_crit_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(pr_crit(fmt, ##__VA_ARGS__))
#define pr_err_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(pr_err(fmt, ##__VA_ARGS__))
#define pr_warn_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(pr_warn(fmt, ##__VA_ARGS__))
#define pr_notice_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(pr_notice(fmt, ##__VA_ARGS__))
#define pr_info_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(pr_info(fmt, ##__VA_ARGS__))
#define pr_debug_ratelimited(fmt, ...) DMASIM_DO_RATELIMITED(pr_debug(fmt, ##__VA_ARGS__))


#ifdef __cplusplus
}
#endif

#include <linux/bug.h>

#endif /* DMASIM_COMPAT_LINUX_PRINTK_H */
