/*
 * tests/drivers/drivers.h - what the device-model side of
 * scenario-drivers.c calls in the real-shaped drivers: their probe, remove
 * and the operations a block layer, ALSA or the network stack would call.
 * Kernel types only, as between a driver and its subsystem.
 */
#ifndef DMASIM_TEST_DRIVERS_H
#define DMASIM_TEST_DRIVERS_H

#include <linux/device.h>
#include <linux/types.h>

struct page;

/* What a bus gives a driver at probe: its register window and interrupt line. */
struct drv_resources {
	phys_addr_t mmio;
	size_t mmio_size;
	unsigned int irq;
};

struct blkdrv;
/* Return: the controller, or ERR_PTR(-errno). */
struct blkdrv *blkdrv_probe(struct device *dev, const struct drv_resources *res,
			    unsigned int depth);
/* Read or write @len bytes (a multiple of 512) at @lba from/to the pages. Return: 0 or -errno. */
int blkdrv_rw(struct blkdrv *c, bool write, u64 lba, struct page **pages, unsigned int nr_pages,
	      unsigned int offset, unsigned int len);
/* Requests completed so far. */
unsigned long blkdrv_completed(struct blkdrv *c);
void blkdrv_remove(struct blkdrv *c);

struct snddrv;
struct snddrv *snddrv_probe(struct device *dev, const struct drv_resources *res,
			    unsigned int periods, unsigned int period_bytes);
/* Start playback of the sample stream (sample n is (u16)(n * 7 + 1)); stop after @periods periods. */
int snddrv_play(struct snddrv *s, unsigned int periods);
/* Periods the interrupt handler accounted, and samples written into the buffer. */
unsigned long snddrv_periods_elapsed(struct snddrv *s);
unsigned long snddrv_xruns(struct snddrv *s);
void snddrv_remove(struct snddrv *s);

struct nicdrv;
struct nicdrv *nicdrv_probe(struct device *dev, const struct drv_resources *res,
			    unsigned int ring);
/* Send one packet; waits for ring space. Return: 0 or -errno. */
int nicdrv_xmit(struct nicdrv *n, const void *data, size_t len);
/* Wait until every sent packet is done and @rx packets were received. Return: 0 or -ETIMEDOUT. */
int nicdrv_wait(struct nicdrv *n, unsigned long rx);
/* Checksum (sum of bytes) of everything received, and packets received. */
u32 nicdrv_rx_sum(struct nicdrv *n);
unsigned long nicdrv_rx_packets(struct nicdrv *n);
void nicdrv_remove(struct nicdrv *n);

#endif /* DMASIM_TEST_DRIVERS_H */
