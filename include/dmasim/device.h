/*
 * dmasim/device.h - struct device as kernel driver code sees it.
 *
 * A simulated device is created with dmasim_device_create() (see
 * <dmasim/dmasim.h>); driver code receives a struct device pointer and uses
 * the kernel's fields and helpers on it.  Included by <linux/device.h>.
 */
#ifndef DMASIM_DEVICE_H
#define DMASIM_DEVICE_H

#include <dmasim/ktypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct device_dma_parameters - a device's segment limits (dma_parms).
 * @max_segment_size: longest DMA segment the device takes (default 64 KiB).
 * @min_align_mask: low address bits swiotlb must preserve when bouncing.
 * @segment_boundary_mask: a segment may not cross a (mask + 1) boundary.
 */
struct device_dma_parameters {
	unsigned int max_segment_size;
	unsigned int min_align_mask;
	unsigned long segment_boundary_mask;
};

#define DMASIM_DEVICE_MAGIC 0x444d4153u /* "DMAS" */
#define DMASIM_DEVICE_DEAD 0x44454144u  /* "DEAD": destroyed by dmasim_device_destroy() */

/**
 * struct device - the kernel's device, as far as DMA code reads it.
 * @init_name: the device's name (dev_name()).
 * @dma_mask: points at the streaming DMA mask.
 * @coherent_dma_mask: the mask for coherent allocations.
 * @bus_dma_limit: highest bus address the interconnect passes (0 = none).
 * @dma_parms: segment limits.
 * @dma_coherent: whether the device snoops the CPU caches.
 * @driver_data: for dev_set_drvdata()/dev_get_drvdata().
 * @dmasim_magic: set by dmasim; lets the library reject foreign pointers.
 *
 * Only dmasim_device_create() makes valid devices.
 */
struct device {
	const char *init_name;
	u64 *dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;
	struct device_dma_parameters *dma_parms;
	bool dma_coherent;
	void *driver_data;
	unsigned int dmasim_magic;
};

/** dev_name() - the device's name ("(null device)" for NULL). */
DMASIM_API const char *dev_name(const struct device *dev);

static inline void *dev_get_drvdata(const struct device *dev)
{
	return dev->driver_data;
}

static inline void dev_set_drvdata(struct device *dev, void *data)
{
	dev->driver_data = data;
}

/**
 * dmasim_dev_printk() - print a driver message through the platform's log.
 * @level: one of DMASIM_LOG_*.
 * @dev: the device (may be NULL).
 * @fmt: printf format.
 */
DMASIM_API void dmasim_dev_printk(int level, const struct device *dev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define DMASIM_LOG_ERR 3
#define DMASIM_LOG_WARN 4
#define DMASIM_LOG_INFO 6
#define DMASIM_LOG_DEBUG 7

#define dev_err(dev, ...) dmasim_dev_printk(DMASIM_LOG_ERR, dev, __VA_ARGS__)
#define dev_warn(dev, ...) dmasim_dev_printk(DMASIM_LOG_WARN, dev, __VA_ARGS__)
#define dev_info(dev, ...) dmasim_dev_printk(DMASIM_LOG_INFO, dev, __VA_ARGS__)
#define dev_notice(dev, ...) dmasim_dev_printk(DMASIM_LOG_INFO, dev, __VA_ARGS__)
#define dev_dbg(dev, ...) dmasim_dev_printk(DMASIM_LOG_DEBUG, dev, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_DEVICE_H */
