/* loop.c - epoll loop (see loop.h). */
#include "loop.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static int epfd = -1;
static volatile int running;
static void **graveyard;
static size_t ngrave, capgrave;

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		log_err("epoll_create1:");
	return epfd < 0 ? -1 : 0;
}

int loop_add(struct watch *w, int fd, uint32_t events, watch_fn *fn)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	w->fd = fd;
	w->events = events;
	w->fn = fn;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_err("epoll add fd %d:", fd);
		return -1;
	}
	return 0;
}

int loop_mod(struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->events == events)
		return 0;
	w->events = events;
	return epoll_ctl(epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void loop_del(struct watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1;
}

void loop_defer_free(void *p)
{
	if (ngrave == capgrave) {
		size_t cap = capgrave ? capgrave * 2 : 16;
		void **g = realloc(graveyard, cap * sizeof(*g));
		if (!g) { /* cannot defer: leak rather than risk a dangling use */
			log_err("out of memory deferring a free");
			return;
		}
		graveyard = g;
		capgrave = cap;
	}
	graveyard[ngrave++] = p;
}

static void bury(void)
{
	while (ngrave > 0)
		free(graveyard[--ngrave]);
}

void loop_stop(void) { running = 0; }

void loop_run(int tick_ms, void (*tick)(uint64_t now))
{
	struct epoll_event evs[64];
	uint64_t next = now_ms() + (uint64_t)tick_ms;

	running = 1;
	while (running) {
		uint64_t now = now_ms();
		int timeout = now >= next ? 0 : (int)(next - now);
		int n = epoll_wait(epfd, evs, (int)ARRAY_LEN(evs), timeout);

		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait:");
			break;
		}
		/* A callback may close a watch that a later event in this
		 * batch points to: loop_del marks it, loop_defer_free keeps
		 * its memory alive until the batch is done. */
		for (int i = 0; i < n && running; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->fd >= 0)
				w->fn(w, evs[i].events);
		}
		bury();
		now = now_ms();
		if (tick && now >= next) {
			tick(now);
			next = now + (uint64_t)tick_ms;
		}
		bury();
	}
	bury();
}

void loop_done(void)
{
	bury();
	free(graveyard);
	graveyard = NULL;
	capgrave = 0;
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}
