/*
 * <linux/container_of.h> - from a member pointer to its structure (dmasim
 * compat).  container_of() itself is <dmasim/ktypes.h>'s, which every
 * dmasim header shares.
 */
#ifndef DMASIM_COMPAT_LINUX_CONTAINER_OF_H
#define DMASIM_COMPAT_LINUX_CONTAINER_OF_H

#include <linux/build_bug.h>

#define container_of_const(ptr, type, member) container_of(ptr, type, member)

#endif /* DMASIM_COMPAT_LINUX_CONTAINER_OF_H */
