/* <linux/timekeeping.h> - ktime_get() and friends: see <linux/ktime.h>. */
#ifndef DMASIM_LINUX_TIMEKEEPING_H
#define DMASIM_LINUX_TIMEKEEPING_H

#include <linux/ktime.h>

#endif /* DMASIM_LINUX_TIMEKEEPING_H */
