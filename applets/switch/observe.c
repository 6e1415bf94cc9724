/* observe.c - who watches which port (see observe.h).  Each observed
 * port holds a short array of (observer, directions); there are as many
 * entries as captures and mirrors name the port, a handful at most. */
#include "observe.h"
#include "port.h"
#include "sw.h"

#include <errno.h>
#include <stdlib.h>

struct obs_entry {
	struct observer *o;
	int dirs;
};

struct obs_list {
	int n;
	struct obs_entry e[];
};

static int find(const struct obs_list *l, const struct observer *o)
{
	for (int i = 0; l && i < l->n; i++)
		if (l->e[i].o == o)
			return i;
	return -1;
}

static void drop_entry(struct port *p, int i)
{
	struct obs_list *l = p->obs;

	l->e[i] = l->e[--l->n];
	if (l->n == 0) {
		free(l);
		p->obs = NULL;
	}
}

int observe_port(struct port *p, struct observer *o, int dirs)
{
	int i = find(p->obs, o);
	struct obs_list *l;

	if (i >= 0) {
		if (dirs)
			p->obs->e[i].dirs = dirs;
		else
			drop_entry(p, i);
		return 0;
	}
	if (!dirs)
		return 0;
	int n = p->obs ? p->obs->n : 0;
	l = realloc(p->obs, sizeof(*l) + ((size_t)n + 1) * sizeof(l->e[0]));
	if (!l) {
		errno = ENOMEM;
		return -1;
	}
	l->n = n + 1;
	l->e[n] = (struct obs_entry){ o, dirs };
	p->obs = l;
	return 0;
}

/* Observers of every port: ports made later join them (observe_all). */
static struct obs_list *all;

int observe_all(struct observer *o, int dirs)
{
	int i = find(all, o), n = all ? all->n : 0;

	if (i >= 0 && !dirs) {
		all->e[i] = all->e[--all->n];
	} else if (i >= 0) {
		all->e[i].dirs = dirs;
	} else if (dirs) {
		struct obs_list *l = realloc(all, sizeof(*l) + ((size_t)n + 1) * sizeof(l->e[0]));
		if (!l) {
			errno = ENOMEM;
			return -1;
		}
		l->n = n + 1;
		l->e[n] = (struct obs_entry){ o, dirs };
		all = l;
	}
	if (all && all->n == 0) {
		free(all);
		all = NULL;
	}
	for (int k = 0; k <= sw.numports; k++)
		if (sw.ports[k] && observe_port(sw.ports[k], o, dirs) < 0)
			return -1;
	return 0;
}

void observe_port_new(struct port *p)
{
	for (int i = 0; all && i < all->n; i++)
		observe_port(p, all->e[i].o, all->e[i].dirs); /* ENOMEM: that port unseen */
}

void observe_forget(struct observer *o)
{
	observe_all(o, 0); /* and from every port */
}

void observe_port_gone(struct port *p)
{
	struct obs_list *l = p->obs;

	p->obs = NULL;
	for (int i = 0; l && i < l->n; i++)
		if (l->e[i].o->gone)
			l->e[i].o->gone(l->e[i].o, p);
	free(l);
}

void observe_frame(struct port *p, int dir, const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	struct obs_list *l = p->obs;

	/* A callback may unsubscribe (a mirror whose target went): walk
	 * backwards so a removal swaps in an entry already served. */
	for (int i = l->n - 1; i >= 0 && p->obs == l; i--)
		if (l->e[i].dirs & dir)
			l->e[i].o->fn(l->e[i].o, p, dir, f, len, vh);
}
