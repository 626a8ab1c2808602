/* <linux/uaccess.h> - copies to and from user memory: copy_to_user(), copy_from_user(), access_ok() (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_UACCESS_H
#define DMASIM_COMPAT_LINUX_UACCESS_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#endif
