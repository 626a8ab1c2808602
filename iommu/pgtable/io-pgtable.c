/*
 * iommu/pgtable/io-pgtable.c - what the page-table formats share, out of
 * line (io-pgtable.h): checking a config, the common instance, and table
 * memory with its pool of spare tables.  Part of the page-table backends; it
 * uses <dmasim/backend.h> only.
 */
#include <stdlib.h>
#include <string.h>

#include "io-pgtable.h"

bool dmasim__iopt_narrow(const struct dmasim_pgtable_config *cfg, unsigned int max_ias,
			 unsigned int max_oas, unsigned int min_bits, unsigned int *ias,
			 unsigned int *oas)
{
	if (!cfg || !cfg->alloc_table || !cfg->free_table || !cfg->ram)
		return false;
	if (cfg->options && *cfg->options)
		return false; /* no options to take */
	*ias = cfg->ias ? cfg->ias : max_ias;
	if (*ias > max_ias)
		*ias = max_ias;
	*oas = cfg->oas ? cfg->oas : max_oas;
	if (*oas > max_oas)
		*oas = max_oas;
	return *ias >= min_bits && *oas >= min_bits;
}

void dmasim__iopt_init(struct io_pgtable *iop, const struct dmasim_pgtable_config *cfg,
		       unsigned int ias, unsigned int oas, size_t pool_size)
{
	iop->alloc_table = cfg->alloc_table;
	iop->free_table = cfg->free_table;
	iop->cookie = cfg->cookie;
	ram_windows_init(&iop->win, cfg);
	pgtable_tlb_init(&iop->tlb, cfg);
	iop->base.ias = ias;
	iop->base.oas = oas;
	iop->pool_size = pool_size;
	pthread_mutex_init(&iop->spare_lock, NULL);
}

void dmasim__iopt_destroy(struct io_pgtable *iop)
{
	for (size_t i = 0; i < iop->nr_spare; i++)
		iop->free_table(iop->cookie, iop->spare[i], iop->pool_size);
	free(iop->spare);
	pthread_mutex_destroy(&iop->spare_lock);
	ram_windows_destroy(&iop->win);
}

int dmasim__iopt_table_alloc(struct io_pgtable *iop, size_t size, phys_addr_t *phys)
{
	if (iop->alloc_table(iop->cookie, size, phys))
		return -ENOMEM;
	/* An entry holds base.oas address bits: a table above them cannot be linked. */
	if (((*phys + size - 1) >> iop->base.oas) || (*phys & (size - 1))) {
		iop->free_table(iop->cookie, *phys, size);
		return -ENOMEM;
	}
	ram_windows_add(&iop->win, *phys);
	return 0;
}

int dmasim__iopt_table_get(struct io_pgtable *iop, phys_addr_t *phys)
{
	pthread_mutex_lock(&iop->spare_lock);
	if (iop->nr_spare) {
		*phys = iop->spare[--iop->nr_spare];
		pthread_mutex_unlock(&iop->spare_lock);
		memset(pgtable_table_ptr(iop, *phys), 0, iop->pool_size);
		return 0;
	}
	pthread_mutex_unlock(&iop->spare_lock);
	return dmasim__iopt_table_alloc(iop, iop->pool_size, phys);
}

void dmasim__iopt_table_put(struct io_pgtable *iop, phys_addr_t phys)
{
	pthread_mutex_lock(&iop->spare_lock);
	if (iop->nr_spare == iop->max_spare) {
		size_t n = iop->max_spare ? 2 * iop->max_spare : 16;
		phys_addr_t *s = realloc(iop->spare, n * sizeof(*s));

		if (!s) {
			pthread_mutex_unlock(&iop->spare_lock);
			iop->free_table(iop->cookie, phys, iop->pool_size);
			return;
		}
		iop->spare = s;
		iop->max_spare = n;
	}
	iop->spare[iop->nr_spare++] = phys;
	pthread_mutex_unlock(&iop->spare_lock);
}
