/* <linux/numa.h> - NUMA node numbers (dmasim compat): the machine has one node. */
#ifndef DMASIM_COMPAT_LINUX_NUMA_H
#define DMASIM_COMPAT_LINUX_NUMA_H

#define NUMA_NO_NODE (-1)
#define MAX_NUMNODES 1
#define dev_to_node(dev) ((void)(dev), NUMA_NO_NODE)
#define numa_node_id() 0

#endif /* DMASIM_COMPAT_LINUX_NUMA_H */
