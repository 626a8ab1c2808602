/* <linux/device.h> - struct device and dev_* helpers (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_DEVICE_H
#define DMASIM_COMPAT_LINUX_DEVICE_H

#include <dmasim/device.h>

#endif
