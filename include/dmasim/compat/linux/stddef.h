/*
 * <linux/stddef.h> - offsetof, sizeof_field and friends (dmasim compat).
 * Includes the system's uapi <linux/stddef.h>, as the kernel's does.
 */
#ifndef DMASIM_COMPAT_LINUX_STDDEF_H
#define DMASIM_COMPAT_LINUX_STDDEF_H

#include_next <linux/stddef.h>
#include <stddef.h>
#include <stdbool.h>

#define sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#define offsetofend(TYPE, MEMBER) (offsetof(TYPE, MEMBER) + sizeof_field(TYPE, MEMBER))

#endif /* DMASIM_COMPAT_LINUX_STDDEF_H */
