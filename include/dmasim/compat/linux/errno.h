/*
 * <linux/errno.h> - error numbers, with the kernel-only codes (dmasim compat).
 *
 * The user-visible codes are the system's (the kernel's own header includes
 * the uapi one, and the C library's <errno.h> includes this name, so it must
 * stay a superset).  Added: the codes the kernel keeps from user space, with
 * the values of the kernel's include/linux/errno.h.  They never reach errno
 * here either: they are return values between driver and core code.
 */
#ifndef DMASIM_COMPAT_LINUX_ERRNO_H
#define DMASIM_COMPAT_LINUX_ERRNO_H

#include_next <linux/errno.h>

#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514 /* restart if no handler */
#define ENOIOCTLCMD 515 /* no such ioctl command */
#define ERESTART_RESTARTBLOCK 516
#define EPROBE_DEFER 517 /* the driver asks to be probed again later */
#define EOPENSTALE 518
#define ENOPARAM 519 /* parameter not supported */
#define EBADHANDLE 521
#define ENOTSYNC 522
#define EBADCOOKIE 523
#define ENOTSUPP 524 /* operation not supported (kernel-internal; EOPNOTSUPP is the uapi one) */
#define ETOOSMALL 525 /* buffer or request too small */
#define ESERVERFAULT 526
#define EBADTYPE 527
#define EJUKEBOX 528
#define EIOCBQUEUED 529
#define ERECALLCONFLICT 530
#define ENOGRACE 531

#endif /* DMASIM_COMPAT_LINUX_ERRNO_H */
