/*
 * tools/dmasim/kview.h - where the kernel would put things, for teaching:
 * the x86-64 4-level-paging virtual memory map of
 * Documentation/arch/x86/x86_64/mm.rst (without KASLR, which slides these
 * bases at boot).  dmasim's CPU addresses are host pointers; these are the
 * addresses the same physical memory would have in a kernel.
 */
#ifndef DMASIM_TOOL_KVIEW_H
#define DMASIM_TOOL_KVIEW_H

#include <stdint.h>

#define KV_PAGE_OFFSET   0xffff888000000000ULL /* direct mapping of all physical memory */
#define KV_VMALLOC_START 0xffffc90000000000ULL /* vmalloc/ioremap space */
#define KV_VMEMMAP_START 0xffffea0000000000ULL /* the struct page array (vmemmap) */
#define KV_STRUCT_PAGE   64ULL                 /* sizeof(struct page) on x86-64 */

static inline uint64_t kv_linear(uint64_t phys)
{
	return KV_PAGE_OFFSET + phys;
}

static inline uint64_t kv_struct_page(uint64_t phys)
{
	return KV_VMEMMAP_START + (phys >> 12) * KV_STRUCT_PAGE;
}

#endif
