/*
 * examples/rx-ring.c - the headline demo: a network card driver prototype
 * with a receive ring and a transmit path, and the card's device model doing
 * real DMA through bus addresses.
 *
 * The driver half (nic_*) is written against the kernel's headers only, as
 * in Documentation/core-api/dma-api-howto.rst: DEFINE_DMA_UNMAP_ADDR in the
 * ring state, dma_map_single()/dma_mapping_error(), dma_sync_single_for_cpu()
 * before looking at a received packet.  The hardware half (hw_*) uses
 * <dmasim/dmasim.h>.  The machine has RAM above 4 GiB and the card a 32-bit
 * mask, so buffers up there bounce through swiotlb; the demo prints every
 * buffer's CPU virtual (X), physical (Y) and bus (Z) address.
 */
#include <stdio.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <dmasim/dmasim.h>

#define RX_RING 4
#define BUF_SIZE 2048

/* ---- the driver ------------------------------------------------------------ */

struct ring_state {
	void *buf;
	DEFINE_DMA_UNMAP_ADDR(mapping);
	DEFINE_DMA_UNMAP_LEN(len);
};

struct nic {
	struct device *dev;
	struct ring_state rx[RX_RING];
};

static int nic_fill_rx(struct nic *nic)
{
	for (int i = 0; i < RX_RING; i++) {
		struct ring_state *rs = &nic->rx[i];
		dma_addr_t h;

		rs->buf = kmalloc(BUF_SIZE, GFP_KERNEL);
		if (!rs->buf)
			goto unwind;
		h = dma_map_single(nic->dev, rs->buf, BUF_SIZE, DMA_FROM_DEVICE);
		if (dma_mapping_error(nic->dev, h)) {
			kfree(rs->buf);
			goto unwind;
		}
		dma_unmap_addr_set(rs, mapping, h);
		dma_unmap_len_set(rs, len, BUF_SIZE);
		continue;
unwind:
		while (--i >= 0) {
			rs = &nic->rx[i];
			dma_unmap_single(nic->dev, dma_unmap_addr(rs, mapping),
					 dma_unmap_len(rs, len), DMA_FROM_DEVICE);
			kfree(rs->buf);
		}
		return -ENOMEM;
	}
	return 0;
}

/* Interrupt handler: descriptor @i holds a packet of @len bytes. */
static void nic_rx_irq(struct nic *nic, int i, size_t len)
{
	struct ring_state *rs = &nic->rx[i];

	dma_sync_single_for_cpu(nic->dev, dma_unmap_addr(rs, mapping), len, DMA_FROM_DEVICE);
	printf("  driver: rx[%d] got %zu bytes: \"%.*s\"\n", i, len, (int)len, (char *)rs->buf);
	dma_sync_single_for_device(nic->dev, dma_unmap_addr(rs, mapping), len, DMA_FROM_DEVICE);
}

static dma_addr_t nic_xmit(struct nic *nic, const char *msg, void **buf)
{
	size_t len = strlen(msg);
	dma_addr_t h;

	*buf = kmalloc(len, GFP_KERNEL);
	if (!*buf)
		return DMA_MAPPING_ERROR;
	memcpy(*buf, msg, len);
	h = dma_map_single(nic->dev, *buf, len, DMA_TO_DEVICE);
	if (dma_mapping_error(nic->dev, h)) {
		kfree(*buf);
		return DMA_MAPPING_ERROR;
	}
	return h;
}

static void nic_teardown(struct nic *nic)
{
	for (int i = 0; i < RX_RING; i++) {
		dma_unmap_single(nic->dev, dma_unmap_addr(&nic->rx[i], mapping),
				 dma_unmap_len(&nic->rx[i], len), DMA_FROM_DEVICE);
		kfree(nic->rx[i].buf);
	}
}

/* ---- the hardware ------------------------------------------------------------ */

static void show(struct device *dev, const char *what, dma_addr_t bus)
{
	struct dmasim_xlate x;

	if (dmasim_dev_translate(dev, bus, &x))
		return;
	printf("  %-6s Z bus 0x%09llx -> Y phys 0x%09llx%s", what, (unsigned long long)x.bus,
	       (unsigned long long)x.phys, x.bounced ? " (swiotlb slot)" : "");
	if (x.bounced)
		printf(", driver buffer at Y 0x%09llx X %p\n", (unsigned long long)x.orig_phys,
		       phys_to_virt(x.orig_phys));
	else
		printf(", X %p\n", x.cpu);
}

static void print_log(void *ctx, int level, const char *msg)
{
	printf("  [dmasim log] %s\n", msg);
}

int main(void)
{
	struct dmasim_platform *p;
	struct nic nic = { 0 };
	struct device *eng = NULL;
	dma_addr_t tx, h;
	void *txbuf, *desc = NULL;
	char wire[64] = { 0 };
	int ret = 1;
	static const char *const packets[] = { "ARP who-has 10.0.0.1", "ICMP echo request" };

	/* 64 MiB below 4 GiB, 256 MiB above it: kmalloc prefers the high part. */
	p = dmasim_platform_create("ram=64M@0x80000000,256M@0x100000000");
	if (!p)
		return 1;
	dmasim_set_log_handler(p, print_log, NULL);
	/* Every step can fail (DMASIM_SPEC="fail=..."): each failure undoes what was done. */
	nic.dev = dmasim_device_create(p, "name=nic0 mask=32");
	if (!nic.dev)
		goto out_platform;
	printf("machine: %s\n", dmasim_platform_spec(p));
	printf("nic0: DMA mask 0x%llx, required mask 0x%llx, addressing limited: %s\n",
	       (unsigned long long)dma_get_mask(nic.dev),
	       (unsigned long long)dma_get_required_mask(nic.dev),
	       dma_addressing_limited(nic.dev) ? "yes (bounces)" : "no");

	if (nic_fill_rx(&nic))
		goto out_device;
	printf("receive ring mapped DMA_FROM_DEVICE:\n");
	for (int i = 0; i < RX_RING; i++)
		show(nic.dev, "rx", dma_unmap_addr(&nic.rx[i], mapping));

	printf("the card receives %zu packets:\n", ARRAY_SIZE(packets));
	for (int i = 0; i < (int)ARRAY_SIZE(packets); i++) {
		size_t len = strlen(packets[i]);

		if (dmasim_dev_write(nic.dev, dma_unmap_addr(&nic.rx[i], mapping), packets[i], len))
			goto out_ring;
		nic_rx_irq(&nic, i, len);
	}

	tx = nic_xmit(&nic, "ICMP echo reply", &txbuf);
	if (dma_mapping_error(nic.dev, tx))
		goto out_ring;
	printf("transmit buffer mapped DMA_TO_DEVICE:\n");
	show(nic.dev, "tx", tx);
	if (!dmasim_dev_read(nic.dev, tx, wire, strlen("ICMP echo reply"))) {
		printf("  card: put \"%s\" on the wire\n", wire);
		printf("  card: writing into the tx buffer is refused: %s\n",
		       dmasim_dev_write(nic.dev, tx, "x", 1) == -EPERM ? "-EPERM" : "??");
		ret = 0;
	}
	dma_unmap_single(nic.dev, tx, strlen("ICMP echo reply"), DMA_TO_DEVICE);
	kfree(txbuf);
	if (ret)
		goto out_ring;

	/* A 64-bit DMA engine behind a bus offset: Z = Y - 0x80000000, no bouncing. */
	eng = dmasim_device_create(p, "name=dma1 mask=64 offset=0x80000000");
	desc = eng ? dma_alloc_coherent(eng, 4096, &h, GFP_KERNEL) : NULL;
	if (desc) {
		printf("dma1 (bus offset 0x80000000) coherent descriptor page:\n");
		show(eng, "desc", h);
		dma_free_coherent(eng, 4096, desc, h);
	} else {
		ret = 1;
	}
	dmasim_device_destroy(eng);
	if (!ret)
		printf("misuse reports: %lu (the refused write above)\n", dmasim_debug_errors(p));
out_ring:
	nic_teardown(&nic);
out_device:
	dmasim_device_destroy(nic.dev);
out_platform:
	dmasim_platform_destroy(p);
	return ret;
}
