/* <linux/device.h> - struct device and dev_* helpers (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_DEVICE_H
#define DMASIM_COMPAT_LINUX_DEVICE_H

#include <dmasim/device.h>
/* As the kernel's: dev_err() and the rest of <linux/dev_printk.h> come with it. */
#include <linux/dev_printk.h>

#endif
