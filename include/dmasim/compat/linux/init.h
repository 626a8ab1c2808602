/*
 * <linux/init.h> - section annotations of init and exit code (dmasim
 * compat): they change nothing in a user-space program.
 */
#ifndef DMASIM_COMPAT_LINUX_INIT_H
#define DMASIM_COMPAT_LINUX_INIT_H

#define __init
#define __exit
#define __initdata
#define __initconst
#define __exitdata
#define __devinit
#define __devexit
#define __ref
#define __refdata

#endif /* DMASIM_COMPAT_LINUX_INIT_H */
