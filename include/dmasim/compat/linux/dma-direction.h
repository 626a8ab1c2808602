/* <linux/dma-direction.h> - which way data moves in a DMA mapping (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_DMA_DIRECTION_H
#define DMASIM_COMPAT_LINUX_DMA_DIRECTION_H

/**
 * enum dma_data_direction - direction of a streaming mapping.
 * @DMA_BIDIRECTIONAL: the device may read and write the buffer.
 * @DMA_TO_DEVICE: the device only reads (memory -> device).
 * @DMA_FROM_DEVICE: the device only writes (device -> memory).
 * @DMA_NONE: debugging aid; never valid for a mapping.
 */
enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};

static inline int valid_dma_direction(enum dma_data_direction dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE ||
	       dir == DMA_FROM_DEVICE;
}

#endif
