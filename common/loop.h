/* loop.h - a small epoll event loop with one periodic tick.
 *
 * Each watched fd has a struct watch (usually embedded in the object
 * that owns the fd); its callback gets the epoll event bits. */
#ifndef VDE_LOOP_H
#define VDE_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct watch;
typedef void watch_fn(struct watch *w, uint32_t events);

struct watch {
	int fd;
	uint32_t events; /* what we currently wait for */
	watch_fn *fn;
};

int loop_init(void);
int loop_add(struct watch *w, int fd, uint32_t events, watch_fn *fn);
int loop_mod(struct watch *w, uint32_t events); /* no-op when unchanged */
void loop_del(struct watch *w); /* also sets w->fd = -1 */
/* free(p) once the current batch of events is handled: a later event in
 * the batch may still point to p. */
void loop_defer_free(void *p);
/* Run until loop_stop(); tick(now_ms) is called about every tick_ms. */
void loop_run(int tick_ms, void (*tick)(uint64_t now));
void loop_stop(void);
/* At exit: free what is deferred, close the epoll fd. */
void loop_done(void);

#endif
