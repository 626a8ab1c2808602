/*
 * <asm/processor.h> - cpu_relax() for polling loops: in exec=deterministic
 * mode it lets 1 µs of virtual time pass (running the device events due), so
 * a loop that polls a register until the device changes it ends; in
 * exec=threaded mode it yields the CPU.
 */
#ifndef DMASIM_ASM_PROCESSOR_H
#define DMASIM_ASM_PROCESSOR_H

#include <dmasim/model.h>

#define cpu_relax() dmasim_cpu_relax()

#endif /* DMASIM_ASM_PROCESSOR_H */
