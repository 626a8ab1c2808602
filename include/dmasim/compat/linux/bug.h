/*
 * <linux/bug.h> - WARN_ON(), WARN(), BUG_ON() (dmasim compat).
 *
 * Where the kernel warns, dmasim reports: WARN_ON(cond), WARN(cond, ...) and
 * their _ONCE forms log "WARNING: <file>:<line> <function>(): <condition>"
 * (plus the message) through the current platform's log handler and count
 * it as a misuse report (dmasim_debug_errors()), then let the program go
 * on; each evaluates to !!cond, as in the kernel (include/asm-generic/bug.h).
 * BUG() and BUG_ON(cond) are fatal in the kernel and here: they log
 * "kernel BUG at <file>:<line>!" and abort().
 */
#ifndef DMASIM_COMPAT_LINUX_BUG_H
#define DMASIM_COMPAT_LINUX_BUG_H

#include <linux/compiler.h>
#include <linux/build_bug.h>
#include <dmasim/printk.h>

#ifdef __cplusplus
extern "C" {
#endif


#define WARN_ON(condition)                                                                \
	({                                                                                \
		int __ret_warn_on = !!(condition);                                        \
		if (unlikely(__ret_warn_on))                                              \
			dmasim_warn(__FILE__, __LINE__, __func__, #condition, NULL);      \
		unlikely(__ret_warn_on);                                                  \
	})
#define WARN(condition, ...)                                                              \
	({                                                                                \
		int __ret_warn_on = !!(condition);                                        \
		if (unlikely(__ret_warn_on))                                              \
			dmasim_warn(__FILE__, __LINE__, __func__, #condition, __VA_ARGS__); \
		unlikely(__ret_warn_on);                                                  \
	})
#define WARN_TAINT(condition, taint, ...) WARN(condition, __VA_ARGS__)
#define DMASIM_WARN_SITE_ONCE(condition, ...)                                             \
	({                                                                                \
		static bool __warned;                                                     \
		int __ret_warn_once = !!(condition);                                      \
		if (unlikely(__ret_warn_once) &&                                          \
		    !__atomic_exchange_n(&__warned, true, __ATOMIC_RELAXED))              \
			dmasim_warn(__FILE__, __LINE__, __func__, __VA_ARGS__);           \
		unlikely(__ret_warn_once);                                                \
	})
#define WARN_ON_ONCE(condition) DMASIM_WARN_SITE_ONCE(condition, #condition, NULL)
#define WARN_ONCE(condition, ...) DMASIM_WARN_SITE_ONCE(condition, #condition, __VA_ARGS__)

#define BUG() dmasim_bug(__FILE__, __LINE__, __func__)
#define BUG_ON(condition)                   \
	do {                                \
		if (unlikely(condition))    \
			BUG();              \
	} while (0)

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_COMPAT_LINUX_BUG_H */
