/*
 * <linux/types.h> - the kernel's basic types (dmasim compat).
 *
 * What the kernel's internal <linux/types.h> gives driver code: u8..u64,
 * s8..s64, dma_addr_t, phys_addr_t, gfp_t, bool, the byte-order types
 * (__le16/32/64, __be16/32/64), DECLARE_BITMAP and struct list_head.  The
 * uapi half (__u32, __le32, __kernel_* ...) is the system's <linux/types.h>,
 * included here as the kernel's own header includes <uapi/linux/types.h>, so
 * system headers that include <linux/types.h> keep working.
 */
#ifndef DMASIM_COMPAT_LINUX_TYPES_H
#define DMASIM_COMPAT_LINUX_TYPES_H

#include_next <linux/types.h>
#include <dmasim/ktypes.h>

typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;
typedef unsigned long ulong;
typedef unsigned int uint;
typedef unsigned short ushort;
typedef u64 sector_t;
typedef unsigned int slab_flags_t;

#define DECLARE_BITMAP(name, bits) unsigned long name[((bits) + 8 * sizeof(long) - 1) / (8 * sizeof(long))]

/**
 * struct list_head - a node of a circular doubly linked list (<linux/list.h>).
 */
struct list_head {
	struct list_head *next, *prev;
};

/** struct hlist_head - head of a hash-bucket list. */
struct hlist_head {
	struct hlist_node *first;
};

/** struct hlist_node - node of a hash-bucket list. */
struct hlist_node {
	struct hlist_node *next, **pprev;
};

/** struct callback_head - an RCU callback (declared for struct layouts only). */
struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
};
#define rcu_head callback_head

#endif /* DMASIM_COMPAT_LINUX_TYPES_H */
