/*
 * <linux/dev_printk.h> - messages about a device (dmasim compat).
 *
 * dev_err(), dev_warn(), dev_info(), dev_notice() and dev_dbg() are
 * <dmasim/device.h>'s; added here: dev_printk(KERN_x, ...), dev_emerg(),
 * dev_alert(), dev_crit(), the _once and _ratelimited forms, dev_err_probe()
 * and dev_WARN()/dev_WARN_ONCE().  Every line reads "<device>: <message>"
 * and goes through the device's platform log handler, with the kernel's
 * %pad/%pa/%pe/... extensions (<linux/printk.h>).
 */
#ifndef DMASIM_COMPAT_LINUX_DEV_PRINTK_H
#define DMASIM_COMPAT_LINUX_DEV_PRINTK_H

#include <linux/printk.h>
#include <dmasim/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The DMASIM_LOG_* level of a KERN_* prefix (KERN_ERR when there is none). */
static inline int dmasim_kern_level(const char *level)
{
	if (level && level[0] == KERN_SOH_ASCII && level[1] >= '0' && level[1] <= '7') {
		int l = level[1] - '0';

		return l <= 3 ? DMASIM_LOG_ERR : l == 4 ? DMASIM_LOG_WARN :
		       l <= 6 ? DMASIM_LOG_INFO : DMASIM_LOG_DEBUG;
	}
	return DMASIM_LOG_INFO;
}

#define dev_printk(level, dev, fmt, ...) \
	dmasim_dev_printk(dmasim_kern_level(level), dev, fmt, ##__VA_ARGS__)
#define dev_emerg(dev, ...) dmasim_dev_printk(DMASIM_LOG_ERR, dev, __VA_ARGS__)
#define dev_alert(dev, ...) dmasim_dev_printk(DMASIM_LOG_ERR, dev, __VA_ARGS__)
#define dev_crit(dev, ...) dmasim_dev_printk(DMASIM_LOG_ERR, dev, __VA_ARGS__)
#define dev_vdbg(dev, ...) no_printk(__VA_ARGS__)

#define dev_emerg_once(dev, ...) DMASIM_DO_ONCE(dev_emerg(dev, __VA_ARGS__))
#define dev_alert_once(dev, ...) DMASIM_DO_ONCE(dev_alert(dev, __VA_ARGS__))
#define dev_crit_once(dev, ...) DMASIM_DO_ONCE(dev_crit(dev, __VA_ARGS__))
#define dev_err_once(dev, ...) DMASIM_DO_ONCE(dev_err(dev, __VA_ARGS__))
#define dev_warn_once(dev, ...) DMASIM_DO_ONCE(dev_warn(dev, __VA_ARGS__))
#define dev_notice_once(dev, ...) DMASIM_DO_ONCE(dev_notice(dev, __VA_ARGS__))
#define dev_info_once(dev, ...) DMASIM_DO_ONCE(dev_info(dev, __VA_ARGS__))
#define dev_dbg_once(dev, ...) DMASIM_DO_ONCE(dev_dbg(dev, __VA_ARGS__))

#define dev_emerg_ratelimited(dev, ...) DMASIM_DO_RATELIMITED(dev_emerg(dev, __VA_ARGS__))
#define dev_alert_ratelimited(dev, ...) DMASIM_DO_RATELIMITED(dev_alert(dev, __VA_ARGS__))
#define dev_crit_ratelimited(dev, ...) DMASIM_DO_RATELIMITED(dev_crit(dev, __VA_ARGS__))
#define dev_err_ratelimited(dev, ...) DMASIM_DO_RATELIMITED(dev_err(dev, __VA_ARGS__))
#define dev_warn_ratelimited(dev, ...) DMASIM_DO_RATELIMITED(dev_warn(dev, __VA_ARGS__))
#define dev_notice_ratelimited(dev, ...) DMASIM_DO_RATELIMITED(dev_notice(dev, __VA_ARGS__))
#define dev_info_ratelimited(dev, ...) DMASIM_DO_RATELIMITED(dev_info(dev, __VA_ARGS__))
#define dev_dbg_ratelimited(dev, ...) DMASIM_DO_RATELIMITED(dev_dbg(dev, __VA_ARGS__))


#define dev_WARN(dev, fmt, ...) WARN(1, "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_WARN_ONCE(dev, condition, fmt, ...) \
	WARN_ONCE(condition, "%s: " fmt, dev_name(dev), ##__VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_COMPAT_LINUX_DEV_PRINTK_H */
