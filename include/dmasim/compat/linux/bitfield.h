/*
 * <linux/bitfield.h> - register fields by mask (dmasim compat).
 *
 * As the kernel's include/linux/bitfield.h: FIELD_PREP(mask, val) shifts
 * @val into the field @mask names, FIELD_GET(mask, reg) extracts it.  The
 * mask must be a non-zero constant (else the build stops); a constant value
 * too wide for the field stops the build too.  The {le,be,u}{16,32,64}
 * _{encode,get,replace}_bits() helpers work on byte-ordered fields.
 */
#ifndef DMASIM_COMPAT_LINUX_BITFIELD_H
#define DMASIM_COMPAT_LINUX_BITFIELD_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <asm/byteorder.h>

#define __bf_shf(x) (__builtin_ffsll(x) - 1)

/* 0, or a build error for a non-constant or zero mask, or a constant @val that does not fit. */
#define __BF_FIELD_CHECK(_mask, _val)                                                        \
	(BUILD_BUG_ON_ZERO(!__is_constexpr(_mask)) +                                         \
	 BUILD_BUG_ON_ZERO(__builtin_choose_expr(__is_constexpr(_mask), (_mask) == 0, 0)) +  \
	 BUILD_BUG_ON_ZERO(__builtin_choose_expr(                                            \
		 __is_constexpr(_val) && __is_constexpr(_mask),                              \
		 (~((unsigned long long)(_mask) >> __bf_shf(_mask)) &                        \
		  (unsigned long long)(_val)) != 0,                                          \
		 0)))

#define FIELD_MAX(_mask) ((__typeof__(_mask))((_mask) >> __bf_shf(_mask)))
#define FIELD_FIT(_mask, _val) \
	(!((((unsigned long long)(_val)) << __bf_shf(_mask)) & ~(unsigned long long)(_mask)))
#define FIELD_PREP(_mask, _val)                                                      \
	((__typeof__(_mask))(__BF_FIELD_CHECK(_mask, _val) +                         \
			     ((((__typeof__(_mask))(_val)) << __bf_shf(_mask)) & (_mask))))
#define FIELD_GET(_mask, _reg)                                                        \
	((__typeof__(_mask))(__BF_FIELD_CHECK(_mask, 0U) +                            \
			     (((_reg) & (_mask)) >> __bf_shf(_mask))))
#define FIELD_PREP_CONST(_mask, _val) FIELD_PREP(_mask, _val)

#define DMASIM_BF_HELPERS(name, type, from, to)                                     \
	static inline type name##_encode_bits(u64 v, u64 field)                     \
	{                                                                           \
		return to((v << __bf_shf(field)) & field);                          \
	}                                                                           \
	static inline u64 name##_get_bits(type v, u64 field)                        \
	{                                                                           \
		return (from(v) & field) >> __bf_shf(field);                        \
	}                                                                           \
	static inline type name##_replace_bits(type old, u64 val, u64 field)        \
	{                                                                           \
		return to((from(old) & ~field) | ((val << __bf_shf(field)) & field)); \
	}
#define DMASIM_BF_ID(x) (x)
DMASIM_BF_HELPERS(u8, u8, DMASIM_BF_ID, (u8))
DMASIM_BF_HELPERS(u16, u16, DMASIM_BF_ID, (u16))
DMASIM_BF_HELPERS(u32, u32, DMASIM_BF_ID, (u32))
DMASIM_BF_HELPERS(u64, u64, DMASIM_BF_ID, (u64))
DMASIM_BF_HELPERS(le16, __le16, le16_to_cpu, cpu_to_le16)
DMASIM_BF_HELPERS(le32, __le32, le32_to_cpu, cpu_to_le32)
DMASIM_BF_HELPERS(le64, __le64, le64_to_cpu, cpu_to_le64)
DMASIM_BF_HELPERS(be16, __be16, be16_to_cpu, cpu_to_be16)
DMASIM_BF_HELPERS(be32, __be32, be32_to_cpu, cpu_to_be32)
DMASIM_BF_HELPERS(be64, __be64, be64_to_cpu, cpu_to_be64)
#undef DMASIM_BF_HELPERS

#endif /* DMASIM_COMPAT_LINUX_BITFIELD_H */
