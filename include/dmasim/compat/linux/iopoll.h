/*
 * <linux/iopoll.h> - poll a register until a condition holds or a timeout
 * passes: read_poll_timeout(), readl_poll_timeout() and the _atomic forms,
 * with the kernel's semantics (one last read after the timeout; 0 or
 * -ETIMEDOUT).  Over the platform's virtual clock: in exec=deterministic
 * mode the sleeps and delays between reads run the device's events, so the
 * poll ends as soon as the device sets the bit, and a timeout passes
 * exactly, in no real time.  Uses GNU statement expressions, as the kernel.
 */
#ifndef DMASIM_LINUX_IOPOLL_H
#define DMASIM_LINUX_IOPOLL_H

#include <errno.h>

#include <asm/processor.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/ktime.h>

#define read_poll_timeout(op, val, cond, sleep_us, timeout_us, sleep_before_read, ...)      \
	__extension__({                                                                     \
		u64 __timeout_us = (timeout_us);                                            \
		unsigned long __sleep_us = (sleep_us);                                      \
		ktime_t __timeout = ktime_add_us(ktime_get(), __timeout_us);                 \
		if ((sleep_before_read) && __sleep_us)                                      \
			usleep_range((__sleep_us >> 2) + 1, __sleep_us);                    \
		for (;;) {                                                                  \
			(val) = op(__VA_ARGS__);                                            \
			if (cond)                                                           \
				break;                                                      \
			if (__timeout_us && ktime_compare(ktime_get(), __timeout) > 0) {    \
				(val) = op(__VA_ARGS__);                                    \
				break;                                                      \
			}                                                                   \
			if (__sleep_us)                                                     \
				usleep_range((__sleep_us >> 2) + 1, __sleep_us);            \
			cpu_relax();                                                        \
		}                                                                           \
		(cond) ? 0 : -ETIMEDOUT;                                                    \
	})

#define read_poll_timeout_atomic(op, val, cond, delay_us, timeout_us, delay_before_read, ...) \
	__extension__({                                                                     \
		u64 __timeout_us = (timeout_us);                                            \
		unsigned long __delay_us = (delay_us);                                      \
		ktime_t __timeout = ktime_add_us(ktime_get(), __timeout_us);                 \
		if ((delay_before_read) && __delay_us)                                      \
			udelay(__delay_us);                                                 \
		for (;;) {                                                                  \
			(val) = op(__VA_ARGS__);                                            \
			if (cond)                                                           \
				break;                                                      \
			if (__timeout_us && ktime_compare(ktime_get(), __timeout) > 0) {    \
				(val) = op(__VA_ARGS__);                                    \
				break;                                                      \
			}                                                                   \
			if (__delay_us)                                                     \
				udelay(__delay_us);                                         \
			cpu_relax();                                                        \
		}                                                                           \
		(cond) ? 0 : -ETIMEDOUT;                                                    \
	})

#define readx_poll_timeout(op, addr, val, cond, sleep_us, timeout_us) \
	read_poll_timeout(op, val, cond, sleep_us, timeout_us, false, addr)
#define readx_poll_timeout_atomic(op, addr, val, cond, delay_us, timeout_us) \
	read_poll_timeout_atomic(op, val, cond, delay_us, timeout_us, false, addr)
#define readb_poll_timeout(addr, val, cond, delay_us, timeout_us) \
	readx_poll_timeout(readb, addr, val, cond, delay_us, timeout_us)
#define readw_poll_timeout(addr, val, cond, delay_us, timeout_us) \
	readx_poll_timeout(readw, addr, val, cond, delay_us, timeout_us)
#define readl_poll_timeout(addr, val, cond, delay_us, timeout_us) \
	readx_poll_timeout(readl, addr, val, cond, delay_us, timeout_us)
#define readq_poll_timeout(addr, val, cond, delay_us, timeout_us) \
	readx_poll_timeout(readq, addr, val, cond, delay_us, timeout_us)
#define readb_poll_timeout_atomic(addr, val, cond, delay_us, timeout_us) \
	readx_poll_timeout_atomic(readb, addr, val, cond, delay_us, timeout_us)
#define readl_poll_timeout_atomic(addr, val, cond, delay_us, timeout_us) \
	readx_poll_timeout_atomic(readl, addr, val, cond, delay_us, timeout_us)

#endif /* DMASIM_LINUX_IOPOLL_H */
