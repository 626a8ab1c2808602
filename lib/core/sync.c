/*
 * lib/core/sync.c - the slow paths of per-thread state (lib/core/sync.h): making a
 * thread's state on its first use, and handing it back when it exits.
 */
#include <stdlib.h>

#include "core/sync.h"

static atomic_ulong pt_serials;

/* Key destructor: the thread of @arg exits. */
static void pt_exit(void *arg)
{
	struct dmasim_pt_state *s = arg;
	struct dmasim_pt_owner *o = s->owner;

	/* Still this thread's TLS: the destructor runs in the exiting thread. */
	if (s->last->state == s)
		s->last->serial = 0;
	pthread_mutex_lock(&o->lock);
	if (o->leave)
		o->leave(o, s);
	LIST_REMOVE(s, link);
	pthread_mutex_unlock(&o->lock);
	o->release(o, s);
}

int dmasim__pt_init(struct dmasim_pt_owner *o,
		   struct dmasim_pt_state *(*make)(struct dmasim_pt_owner *o),
		   void (*leave)(struct dmasim_pt_owner *o, struct dmasim_pt_state *s),
		   void (*release)(struct dmasim_pt_owner *o, struct dmasim_pt_state *s))
{
	int ret;

	o->serial = atomic_fetch_add(&pt_serials, 1) + 1;
	o->make = make;
	o->leave = leave;
	o->release = release;
	LIST_INIT(&o->states);
	pthread_mutex_init(&o->lock, NULL);
	ret = pthread_key_create(&o->key, pt_exit);
	o->key_ok = !ret;
	return ret;
}

void dmasim__pt_fini(struct dmasim_pt_owner *o)
{
	struct dmasim_pt_state *s;

	/* After this no destructor runs for the key: the states are ours to free. */
	if (o->key_ok)
		pthread_key_delete(o->key);
	o->key_ok = false;
	while ((s = LIST_FIRST(&o->states))) {
		LIST_REMOVE(s, link);
		o->release(o, s);
	}
	pthread_mutex_destroy(&o->lock);
}

struct dmasim_pt_state *dmasim__pt_get_slow(struct dmasim_pt_owner *o, struct dmasim_pt_last *last)
{
	struct dmasim_pt_state *s;

	if (!o->key_ok)
		return NULL;
	s = pthread_getspecific(o->key);
	if (!s) {
		s = o->make(o);
		if (!s)
			return NULL;
		s->owner = o;
		s->last = last;
		pthread_mutex_lock(&o->lock);
		LIST_INSERT_HEAD(&o->states, s, link);
		pthread_mutex_unlock(&o->lock);
		if (pthread_setspecific(o->key, s)) {
			pt_exit(s); /* no memory for the key's slot: as if the thread left */
			return NULL;
		}
	}
	last->serial = o->serial;
	last->state = s;
	return s;
}
