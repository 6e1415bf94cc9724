/* vep_null.c - null://: takes every frame and drops it, never sends one. */
#include "vep.h"
#include "log.h"

static int null_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	(void)a;
	if (*v->addr || v->nopt) {
		log_err("%s: null:// takes no address or options", e->name);
		return -1;
	}
	return 0; /* no fd at all: nothing to poll, ever */
}

static int null_recv(struct vep *e, struct iovec *v, int n)
{
	(void)e, (void)v, (void)n;
	return 0;
}

static int null_send(struct vep *e, const struct iovec *v, int n)
{
	(void)e, (void)v;
	return n;
}

static void null_close(struct vep *e)
{
	(void)e;
}

const struct vep_kind vep_kind_null = {
	.scheme = "null",
	.flags = VEP_NOFRAMES,
	.help = "null://                  drops every frame, sends none",
	.open = null_open,
	.recv = null_recv,
	.send = null_send,
	.close = null_close,
};
