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

int observe_dirs(const struct port *p, const struct observer *o)
{
	int i = find(p->obs, o);
	return i < 0 ? 0 : p->obs->e[i].dirs;
}

void observe_forget(struct observer *o)
{
	for (int i = 0; i <= sw.numports; i++) {
		struct port *p = sw.ports[i];
		int k;
		if (p && (k = find(p->obs, o)) >= 0)
			drop_entry(p, k);
	}
}

void observe_port_gone(struct port *p)
{
	free(p->obs);
	p->obs = NULL;
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
