/* <linux/const.h> - _AC(), _BITUL(), UL() and friends (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_CONST_H
#define DMASIM_COMPAT_LINUX_CONST_H

#include_next <linux/const.h>

#define UL(x) (_UL(x))
#define ULL(x) (_ULL(x))

#endif /* DMASIM_COMPAT_LINUX_CONST_H */
