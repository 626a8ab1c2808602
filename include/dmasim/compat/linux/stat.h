/*
 * <linux/stat.h> - file mode bits (dmasim compat): the system's uapi
 * header, as the kernel's includes it, plus the kernel's S_IRUGO-style
 * shorthands that module parameters and sysfs attributes use.
 */
#ifndef DMASIM_COMPAT_LINUX_STAT_H
#define DMASIM_COMPAT_LINUX_STAT_H

#include <sys/stat.h>
#include_next <linux/stat.h>

#define S_IRWXUGO (S_IRWXU | S_IRWXG | S_IRWXO)
#define S_IALLUGO (S_ISUID | S_ISGID | S_ISVTX | S_IRWXUGO)
#define S_IRUGO (S_IRUSR | S_IRGRP | S_IROTH)
#define S_IWUGO (S_IWUSR | S_IWGRP | S_IWOTH)
#define S_IXUGO (S_IXUSR | S_IXGRP | S_IXOTH)

#endif /* DMASIM_COMPAT_LINUX_STAT_H */
