/* mirror.c - port mirroring (see mirror.h).  A mirror observes its
 * source (observe.c) and hands each frame to the target through
 * tx_port_copy, which bypasses the tree and the tap points; the copies
 * are shown to the target's observers here (a capture), which cannot
 * loop: a target is never a source.  The mirror also observes the
 * target's incoming side, for nothing but to hear when it goes away. */
#include "mirror.h"
#include "mactable.h"
#include "observe.h"
#include "port.h"
#include "sw.h"
#include "tx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mirror {
	struct observer obs;
	struct port *src, *dst;
	int dirs;
	struct mirror *next;
};

static struct mirror *mirrors;

static int is_target(const struct port *p)
{
	for (struct mirror *m = mirrors; m; m = m->next)
		if (m->dst == p)
			return 1;
	return 0;
}

static int is_source(const struct port *p)
{
	for (struct mirror *m = mirrors; m; m = m->next)
		if (m->src == p)
			return 1;
	return 0;
}

static void drop(struct mirror *m)
{
	struct mirror **pp = &mirrors;

	while (*pp != m)
		pp = &(*pp)->next;
	*pp = m->next;
	observe_forget(&m->obs);
	if (!is_target(m->dst))
		m->dst->monitor = 0; /* a switch port again */
	free(m);
}

static void copy(struct observer *o, struct port *p, int dir, const uint8_t *f, size_t len,
		 const struct vnet_hdr *vh)
{
	struct mirror *m = (struct mirror *)o;

	(void)dir;
	if (p != m->src)
		return;
	if (m->dst->obs) /* a capture of the target sees the copies leave */
		observe_frame(m->dst, OBS_OUT, f, len, vh);
	tx_port_copy(m->dst, f, len, vh);
}

static void port_gone(struct observer *o, struct port *p)
{
	(void)p;
	drop((struct mirror *)o); /* either end went: the mirror goes */
}

int mirror_add(int src, int dst, int dirs, char *why, unsigned n)
{
	struct port *s = port_get(src), *d = port_get(dst);
	struct mirror *m;

	if (!s || !d) {
		snprintf(why, n, "port %d does not exist (port/create makes it)", s ? dst : src);
		return ENXIO;
	}
	if (s == d) {
		snprintf(why, n, "a port cannot mirror itself");
		return EINVAL;
	}
	if (s->monitor) { /* no chains: a copy is never copied again */
		snprintf(why, n, "port %d is a mirror's target: it cannot be a source", src);
		return EINVAL;
	}
	if (is_source(d)) {
		snprintf(why, n, "port %d is a mirror's source: it cannot be a target", dst);
		return EINVAL;
	}
	for (m = mirrors; m; m = m->next)
		if (m->src == s && m->dst == d) { /* change the directions */
			m->dirs = dirs;
			return observe_port(s, &m->obs, dirs) < 0 ? ENOMEM : 0;
		}
	m = calloc(1, sizeof(*m));
	if (!m || observe_port(s, &m->obs, dirs) < 0 || observe_port(d, &m->obs, OBS_IN) < 0) {
		if (m)
			observe_forget(&m->obs);
		free(m);
		snprintf(why, n, "out of memory");
		return ENOMEM;
	}
	m->obs.fn = copy;
	m->obs.gone = port_gone;
	m->src = s;
	m->dst = d;
	m->dirs = dirs;
	m->next = mirrors;
	mirrors = m;
	if (!d->monitor) {
		d->monitor = 1;
		mac_flush_port(dst); /* nothing is sent to it as a station now */
	}
	return 0;
}

int mirror_remove(int src, int dst)
{
	int found = 0;

	for (struct mirror *m = mirrors, *next; m; m = next) {
		next = m->next;
		if (m->src->index == src && (dst == 0 || m->dst->index == dst)) {
			drop(m);
			found = 1;
		}
	}
	return found ? 0 : ENOENT;
}

void mirror_list(void (*line)(void *ctx, int src, int dst, int dirs), void *ctx)
{
	for (struct mirror *m = mirrors; m; m = m->next)
		line(ctx, m->src->index, m->dst->index, m->dirs);
}

int mirror_count(void)
{
	int n = 0;
	for (struct mirror *m = mirrors; m; m = m->next)
		n++;
	return n;
}

int mirror_dirs_parse(const char *w)
{
	return !strcmp(w, "in") ? OBS_IN : !strcmp(w, "out") ? OBS_OUT : !strcmp(w, "both") ? OBS_BOTH : 0;
}

const char *mirror_dirs_name(int dirs)
{
	return dirs == OBS_IN ? "in" : dirs == OBS_OUT ? "out" : "both";
}

void mirror_free(void)
{
	while (mirrors)
		drop(mirrors);
}
