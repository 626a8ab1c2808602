/*
 * <asm/io.h> - port I/O (inb()/outb(), inw()/outw(), inl()/outl() and the
 * _p variants) and the MMIO accessors of <linux/io.h>, over dmasim's device
 * models.  A port no model declared reads all-ones (an empty ISA bus) with
 * one warning; a write to it goes nowhere.
 */
#ifndef DMASIM_ASM_IO_H
#define DMASIM_ASM_IO_H

#include <dmasim/ktypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/** dmasim_pio_read() - an I/O port read of @size bytes (what inb() and friends call). */
DMASIM_API u64 dmasim_pio_read(unsigned long port, unsigned int size, const char *call);
/** dmasim_pio_write() - an I/O port write of @size bytes (what outb() and friends call). */
DMASIM_API void dmasim_pio_write(unsigned long port, u64 val, unsigned int size, const char *call);

static inline u8 inb(unsigned long port)
{
	return (u8)dmasim_pio_read(port, 1, "inb");
}

static inline u16 inw(unsigned long port)
{
	return (u16)dmasim_pio_read(port, 2, "inw");
}

static inline u32 inl(unsigned long port)
{
	return (u32)dmasim_pio_read(port, 4, "inl");
}

/* The kernel's order: value first, then the port. */
static inline void outb(u8 value, unsigned long port)
{
	dmasim_pio_write(port, value, 1, "outb");
}

static inline void outw(u16 value, unsigned long port)
{
	dmasim_pio_write(port, value, 2, "outw");
}

static inline void outl(u32 value, unsigned long port)
{
	dmasim_pio_write(port, value, 4, "outl");
}

#define inb_p(port) inb(port)
#define inw_p(port) inw(port)
#define inl_p(port) inl(port)
#define outb_p(v, port) outb((v), (port))
#define outw_p(v, port) outw((v), (port))
#define outl_p(v, port) outl((v), (port))

#ifdef __cplusplus
}
#endif

#include <linux/io.h>
#include <dmasim/mm.h>

/*
 * isa_virt_to_bus() - the bus address an ISA device (the 8237, <asm/dma.h>)
 * uses for the linear-map address @address: its physical address, as on x86.
 */
static inline unsigned long isa_virt_to_bus(volatile void *address)
{
	return (unsigned long)virt_to_phys(address);
}

/** isa_bus_to_virt() - the linear-map address of ISA bus address @address. */
static inline void *isa_bus_to_virt(unsigned long address)
{
	return phys_to_virt((phys_addr_t)address);
}

#endif /* DMASIM_ASM_IO_H */
