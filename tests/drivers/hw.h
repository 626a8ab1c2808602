/*
 * tests/drivers/hw.h - the hardware interface of the simulated devices that
 * the real-shaped drivers in this folder drive: register offsets, bits and
 * the descriptor layouts in device (little-endian) byte order.  Shared by
 * the driver files (kernel headers only) and their device models in
 * scenario-drivers.c, as a datasheet is shared by driver and hardware.
 */
#ifndef DMASIM_TEST_DRIVERS_HW_H
#define DMASIM_TEST_DRIVERS_HW_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/build_bug.h>

/* ---- "blk": an NVMe-shaped storage controller -------------------------------- */

#define BLK_REG_CC 0x00        /* controller configuration: bit 0 enable */
#define BLK_REG_CSTS 0x04      /* status: bit 0 ready (RO) */
#define BLK_REG_ASQ_LO 0x08    /* submission queue bus address */
#define BLK_REG_ASQ_HI 0x0c
#define BLK_REG_ACQ_LO 0x10    /* completion queue bus address */
#define BLK_REG_ACQ_HI 0x14
#define BLK_REG_QDEPTH 0x18    /* entries per queue */
#define BLK_REG_ISR 0x1c       /* W1C: bit 0 completion posted */
#define BLK_REG_SQ_TAIL 0x20   /* doorbell */
#define BLK_REG_CQ_HEAD 0x24   /* doorbell */
#define BLK_REGS_SIZE 0x28
#define BLK_CC_EN BIT(0)
#define BLK_CSTS_RDY BIT(0)
#define BLK_ISR_CQ BIT(0)

#define BLK_OP_WRITE 0x01
#define BLK_OP_READ 0x02
#define BLK_LBA_SIZE 512
#define BLK_PAGE 4096              /* the controller's page size for PRPs */
#define BLK_PRPS_PER_PAGE (BLK_PAGE / 8)

/* A 64-byte submission queue entry. */
struct blk_sqe {
	u8 opcode;
	u8 flags;
	__le16 cid;
	__le32 nsid;
	__le64 rsvd;
	__le64 mptr;
	__le64 prp1;
	__le64 prp2;
	__le64 slba;
	__le16 nlb;               /* blocks - 1 */
	u8 rsvd2[14];
};

/* A 16-byte completion queue entry; bit 0 of status is the phase tag. */
struct blk_cqe {
	__le32 result;
	__le32 rsvd;
	__le16 sq_head;
	__le16 sq_id;
	__le16 cid;
	__le16 status;
};
#define BLK_CQE_PHASE BIT(0)
#define BLK_CQE_SC GENMASK(15, 1) /* status code: 0 success */

/* ---- "snd": a sound card with a cyclic playback buffer ----------------------------- */

#define SND_REG_CTRL 0x00      /* bit 0 run */
#define SND_REG_BUF_LO 0x04
#define SND_REG_BUF_HI 0x08
#define SND_REG_BUF_BYTES 0x0c
#define SND_REG_PERIOD_BYTES 0x10
#define SND_REG_POS 0x14       /* RO: bytes of the buffer played (wraps) */
#define SND_REG_ISR 0x18       /* W1C: bit 0 period elapsed */
#define SND_REGS_SIZE 0x1c
#define SND_CTRL_RUN BIT(0)
#define SND_ISR_PERIOD BIT(0)
#define SND_PERIOD_NS 1000000  /* one period each virtual millisecond */

/* ---- "nic": a NIC with TX and RX descriptor rings ----------------------------------- */

#define NIC_REG_CTRL 0x00
#define NIC_REG_ISR 0x04       /* W1C: bit 0 TX done, bit 1 RX */
#define NIC_REG_TX_LO 0x08
#define NIC_REG_TX_HI 0x0c
#define NIC_REG_RX_LO 0x10
#define NIC_REG_RX_HI 0x14
#define NIC_REG_TX_TAIL 0x18   /* doorbell */
#define NIC_REG_RX_TAIL 0x1c   /* doorbell: buffers given to the device up to here */
#define NIC_REG_RING 0x20      /* entries per ring */
#define NIC_REGS_SIZE 0x24
#define NIC_ISR_TX BIT(0)
#define NIC_ISR_RX BIT(1)

/* A 16-byte descriptor, TX and RX alike. */
struct nic_desc {
	__le64 addr;
	__le16 len;
	__le16 flags;
	__le32 csum;
};
#define NIC_DESC_OWN BIT(0)     /* the device owns it */
#define NIC_DESC_EOP BIT(1)     /* end of packet */

static_assert(sizeof(struct blk_sqe) == 64, "blk_sqe layout");
static_assert(sizeof(struct blk_cqe) == 16, "blk_cqe layout");
static_assert(sizeof(struct nic_desc) == 16, "nic_desc layout");

#endif /* DMASIM_TEST_DRIVERS_HW_H */
