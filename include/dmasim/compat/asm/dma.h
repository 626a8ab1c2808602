/*
 * <asm/dma.h> - the kernel's ISA DMA API (x86), over dmasim's model of the
 * PC's pair of 8237A controllers (lib/dev/i8237.c, docs/isa-dma.md).
 *
 * Channels 0-3 move bytes, within one 64 KiB page; 5-7 move words, within
 * one 128 KiB page; channel 4 cascades 0-3.  A driver follows the steps of
 * LDD3's ISA DMA section: request_dma() at open, then for each transfer,
 * under claim_dma_lock(): disable_dma(), clear_dma_ff(), set_dma_mode(),
 * set_dma_addr() (a bus address: isa_virt_to_bus() of a GFP_DMA buffer),
 * set_dma_count() (bytes, even on 16-bit channels), enable_dma(), and
 * release_dma_lock(); get_dma_residue() says how many bytes are left.
 *
 * The functions write the controller's I/O ports as the kernel's inline
 * functions do (traced as pio_write events).  Unlike the kernel's, they
 * check their input: an unknown channel, channel 4, an odd address or
 * count on a 16-bit channel, a count of 0 or beyond the page size, freeing
 * a channel not requested are reported (counted in dmasim_debug_errors());
 * with debug on, an address above 16 MiB and a transfer that crosses its
 * page are reported with the reason.  request_dma() returns the kernel's
 * -EINVAL (no such channel) and -EBUSY (in use; channel 4 always is).
 */
#ifndef DMASIM_ASM_DMA_H
#define DMASIM_ASM_DMA_H

#include <dmasim/ktypes.h>
#include <dmasim/locking.h>
#include <asm/io.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The number of channels of the two controllers. */
#define MAX_DMA_CHANNELS 8

/**
 * dmasim_page_offset() - the kernel's PAGE_OFFSET on the current platform:
 * the base of its linear map, the host address at which physical address 0
 * would be (linear map address = PAGE_OFFSET + physical address, for low
 * memory).  0 without a current platform.
 */
DMASIM_API unsigned long dmasim_page_offset(void);

#ifndef PAGE_OFFSET
#define PAGE_OFFSET dmasim_page_offset()
#endif

/* The ISA DMA limit: 16 MiB of physical memory (the 8237's 24 address bits). */
#define MAX_DMA_PFN ((16UL * 1024 * 1024) >> 12)
#define MAX_DMA32_PFN ((4UL * 1024 * 1024 * 1024) >> 12)
/** The highest linear-map address ISA DMA reaches (exclusive): PAGE_OFFSET + 16 MiB. */
#define MAX_DMA_ADDRESS (PAGE_OFFSET + 0x1000000UL)

/* The controllers' registers (8237A; controller 2's at even ports). */
#define IO_DMA1_BASE 0x00
#define IO_DMA2_BASE 0xC0

#define DMA1_CMD_REG 0x08      /* command register (w) */
#define DMA1_STAT_REG 0x08     /* status register (r) */
#define DMA1_REQ_REG 0x09      /* request register (w) */
#define DMA1_MASK_REG 0x0A     /* single-channel mask (w) */
#define DMA1_MODE_REG 0x0B     /* mode register (w) */
#define DMA1_CLEAR_FF_REG 0x0C /* clear the byte pointer flip-flop (w) */
#define DMA1_TEMP_REG 0x0D     /* temporary register (r) */
#define DMA1_RESET_REG 0x0D    /* master clear (w) */
#define DMA1_CLR_MASK_REG 0x0E /* clear all mask bits (w) */
#define DMA1_MASK_ALL_REG 0x0F /* all mask bits (w) */

#define DMA2_CMD_REG 0xD0
#define DMA2_STAT_REG 0xD0
#define DMA2_REQ_REG 0xD2
#define DMA2_MASK_REG 0xD4
#define DMA2_MODE_REG 0xD6
#define DMA2_CLEAR_FF_REG 0xD8
#define DMA2_TEMP_REG 0xDA
#define DMA2_RESET_REG 0xDA
#define DMA2_CLR_MASK_REG 0xDC
#define DMA2_MASK_ALL_REG 0xDE

#define DMA_ADDR_0 0x00 /* channel 0-3 address and count: bytes */
#define DMA_ADDR_1 0x02
#define DMA_ADDR_2 0x04
#define DMA_ADDR_3 0x06
#define DMA_ADDR_4 0xC0 /* channel 4-7 address and count: words */
#define DMA_ADDR_5 0xC4
#define DMA_ADDR_6 0xC8
#define DMA_ADDR_7 0xCC
#define DMA_CNT_0 0x01
#define DMA_CNT_1 0x03
#define DMA_CNT_2 0x05
#define DMA_CNT_3 0x07
#define DMA_CNT_4 0xC2
#define DMA_CNT_5 0xC6
#define DMA_CNT_6 0xCA
#define DMA_CNT_7 0xCE

#define DMA_PAGE_0 0x87 /* the page registers: address bits 23-16 */
#define DMA_PAGE_1 0x83
#define DMA_PAGE_2 0x81
#define DMA_PAGE_3 0x82
#define DMA_PAGE_5 0x8B
#define DMA_PAGE_6 0x89
#define DMA_PAGE_7 0x8A

/* Modes, named from the CPU's side: READ is I/O to memory (the device is read). */
#define DMA_MODE_READ 0x44    /* single, increment, no auto-init, write transfer (to memory) */
#define DMA_MODE_WRITE 0x48   /* single, increment, no auto-init, read transfer (from memory) */
#define DMA_MODE_CASCADE 0xC0 /* pass DREQ and DACK through (the cascade) */
#define DMA_AUTOINIT 0x10     /* reload address and count at terminal count */

/** dma_spin_lock - the lock claim_dma_lock() takes (kernel/dma.c). */
DMASIM_API extern spinlock_t dma_spin_lock;

/** claim_dma_lock() - take the DMA controllers' lock, interrupts masked. Return: flags. */
DMASIM_API unsigned long claim_dma_lock(void);
/** release_dma_lock() - drop it, restoring the interrupt state @flags. */
DMASIM_API void release_dma_lock(unsigned long flags);

/**
 * request_dma() - reserve channel @dmanr for @device_id.
 * Return: 0; -EINVAL for a channel that does not exist; -EBUSY when it is in
 * use (channel 4, the cascade, always is).
 */
DMASIM_API int request_dma(unsigned int dmanr, const char *device_id);
/** free_dma() - give channel @dmanr back (one not requested is reported). */
DMASIM_API void free_dma(unsigned int dmanr);

/** enable_dma() - unmask channel @dmanr: its cycles may run. */
DMASIM_API void enable_dma(unsigned int dmanr);
/** disable_dma() - mask channel @dmanr. */
DMASIM_API void disable_dma(unsigned int dmanr);
/** clear_dma_ff() - reset the byte-pointer flip-flop of @dmanr's controller. */
DMASIM_API void clear_dma_ff(unsigned int dmanr);
/** set_dma_mode() - program the mode (DMA_MODE_READ, _WRITE, _CASCADE, | DMA_AUTOINIT). */
DMASIM_API void set_dma_mode(unsigned int dmanr, char mode);
/** set_dma_page() - program the page register (address bits 23-16; bit 16 ignored on 5-7). */
DMASIM_API void set_dma_page(unsigned int dmanr, char pagenr);
/** set_dma_addr() - program the 24-bit bus address @a (page and address registers). */
DMASIM_API void set_dma_addr(unsigned int dmanr, unsigned int a);
/** set_dma_count() - program the transfer size in bytes (even, at most 128 KiB, on 5-7). */
DMASIM_API void set_dma_count(unsigned int dmanr, unsigned int count);
/**
 * get_dma_residue() - the bytes not yet transferred (0 after terminal count
 * without auto-init).  Read it with the channel disabled, or twice.
 */
DMASIM_API int get_dma_residue(unsigned int dmanr);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_ASM_DMA_H */
