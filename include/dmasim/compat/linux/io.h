/*
 * <linux/io.h> - device registers: ioremap()/iounmap() onto the register
 * windows of dmasim's device models, readb/w/l/q(), writeb/w/l/q(), their
 * _relaxed forms, ioread8/16/32() and iowrite8/16/32(),
 * memcpy_toio()/memcpy_fromio()/memset_io(), and (through <asm/io.h>) the
 * port accessors inb()/outb() and friends.  See docs/device-models.md.
 *
 * ioremap() returns a cookie in a host address range reserved with no
 * access: dereferencing it, or memcpy() on it, faults at once (use the
 * accessors, as on real hardware).  An accessor given something else (a RAM
 * pointer, a cookie after iounmap()) is reported and reads all-ones.
 * Ordering: every access takes the model's lock, so the CPU's earlier
 * memory writes are visible to the model before a writel() reaches it (the
 * kernel's writel() guarantee, on which the doorbell pattern relies), and
 * a readl() comes before later reads; the _relaxed forms behave the same
 * here (on real hardware they only order accesses to the same device).
 */
#ifndef DMASIM_LINUX_IO_H
#define DMASIM_LINUX_IO_H

#include <stddef.h>

#include <dmasim/ktypes.h>
#include <linux/ioport.h>
/* mb()/wmb()/dma_wmb(), as the kernel's <asm/io.h> brings <asm/barrier.h>. */
#include <asm/barrier.h>

#ifndef __iomem
#define __iomem
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * ioremap() - map @size bytes of device registers at physical @phys.
 * Return: the __iomem cookie, or NULL with a message when no model's window
 * covers the range (RAM, a range past a window, nothing there).
 * Context: process context.
 */
DMASIM_API void __iomem *ioremap(phys_addr_t phys, size_t size);
/** iounmap() - undo ioremap(); NULL is ignored, a second unmap is reported. */
DMASIM_API void iounmap(volatile void __iomem *addr);
struct device;
/** devm_ioremap() - ioremap(), undone when @dev is destroyed. */
DMASIM_API void __iomem *devm_ioremap(struct device *dev, resource_size_t offset,
				      resource_size_t size);
/** devm_iounmap() - undo a devm_ioremap() now. */
DMASIM_API void devm_iounmap(struct device *dev, void __iomem *addr);
#define ioremap_wc(phys, size) ioremap((phys), (size))
#define ioremap_uc(phys, size) ioremap((phys), (size))
#define ioremap_np(phys, size) ioremap((phys), (size))

/** dmasim_mmio_read() - an MMIO read of @size bytes (what readl() and friends call). */
DMASIM_API u64 dmasim_mmio_read(const volatile void __iomem *addr, unsigned int size,
				const char *call);
/** dmasim_mmio_write() - an MMIO write of @size bytes (what writel() and friends call). */
DMASIM_API void dmasim_mmio_write(volatile void __iomem *addr, u64 val, unsigned int size,
				  const char *call);
DMASIM_API void memcpy_fromio(void *to, const volatile void __iomem *from, size_t n);
DMASIM_API void memcpy_toio(volatile void __iomem *to, const void *from, size_t n);
DMASIM_API void memset_io(volatile void __iomem *addr, int c, size_t n);

/*
 * Each access takes the model's lock inside the library, which orders the
 * CPU's memory accesses around it; the compiler must not move them either.
 */
#define DMASIM_IO_MB() __asm__ __volatile__("" ::: "memory")

#define DMASIM_IO_READ(name, type, size)                                        \
	static inline type name(const volatile void __iomem *addr)              \
	{                                                                       \
		type v = (type)dmasim_mmio_read(addr, size, #name);             \
		DMASIM_IO_MB();                                                 \
		return v;                                                       \
	}                                                                       \
	static inline type name##_relaxed(const volatile void __iomem *addr)    \
	{                                                                       \
		return (type)dmasim_mmio_read(addr, size, #name "_relaxed");    \
	}
#define DMASIM_IO_WRITE(name, type, size)                                       \
	static inline void name(type value, volatile void __iomem *addr)        \
	{                                                                       \
		DMASIM_IO_MB();                                                 \
		dmasim_mmio_write(addr, value, size, #name);                    \
	}                                                                       \
	static inline void name##_relaxed(type value, volatile void __iomem *addr) \
	{                                                                       \
		dmasim_mmio_write(addr, value, size, #name "_relaxed");         \
	}

DMASIM_IO_READ(readb, u8, 1)
DMASIM_IO_READ(readw, u16, 2)
DMASIM_IO_READ(readl, u32, 4)
DMASIM_IO_READ(readq, u64, 8)
DMASIM_IO_WRITE(writeb, u8, 1)
DMASIM_IO_WRITE(writew, u16, 2)
DMASIM_IO_WRITE(writel, u32, 4)
DMASIM_IO_WRITE(writeq, u64, 8)

static inline unsigned int ioread8(const volatile void __iomem *addr)
{
	return readb(addr);
}

static inline unsigned int ioread16(const volatile void __iomem *addr)
{
	return readw(addr);
}

static inline unsigned int ioread32(const volatile void __iomem *addr)
{
	return readl(addr);
}

static inline u64 ioread64(const volatile void __iomem *addr)
{
	return readq(addr);
}

static inline void iowrite8(u8 value, volatile void __iomem *addr)
{
	writeb(value, addr);
}

static inline void iowrite16(u16 value, volatile void __iomem *addr)
{
	writew(value, addr);
}

static inline void iowrite32(u32 value, volatile void __iomem *addr)
{
	writel(value, addr);
}

static inline void iowrite64(u64 value, volatile void __iomem *addr)
{
	writeq(value, addr);
}

#ifdef __cplusplus
}
#endif

#include <asm/io.h>

#endif /* DMASIM_LINUX_IO_H */
