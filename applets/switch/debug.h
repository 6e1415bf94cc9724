/* debug.h - vde2's asynchronous debug events (debug/add, debug/del,
 * debug/list).  A console session subscribes to categories; each event
 * reaches the subscribed sessions as one line
 *
 *     3NNN CATEGORY TEXT        e.g. "3031 port/ep/+ Port 03 FD  6"
 *
 * where NNN is the category's tag in octal (spec §6.9).  The parts of the
 * switch call dbg_event() where the thing happens; while nobody listens
 * to a category that costs one load and one branch, so it may sit on the
 * frame path (a MAC learned).  Sessions and their output buffers stay in
 * mgmt.c, which gives its delivery function with dbg_set_sink(). */
#ifndef VDE_DEBUG_H
#define VDE_DEBUG_H

#include <stddef.h>
#include <stdint.h>

/* In vde2's debug/list order; mgmt/+ and mgmt/- come last (vde2 has them
 * only as internal hooks, not as something a session can subscribe to). */
enum dbg_cat {
	DBG_HASH_PLUS, DBG_HASH_MINUS,
	DBG_FSTP_STATUS, DBG_FSTP_ROOT, DBG_FSTP_PLUS, DBG_FSTP_MINUS,
	DBG_PORT_PLUS, DBG_PORT_MINUS, DBG_PORT_DESCR, DBG_EP_PLUS, DBG_EP_MINUS,
	DBG_MGMT_PLUS, DBG_MGMT_MINUS,
	DBG_NCAT
};

/* Bit c is set while some session listens to category c. */
extern uint32_t dbg_active;

void dbg_emit(enum dbg_cat c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define dbg_event(c, ...) \
	do { \
		if (__builtin_expect((dbg_active >> (c)) & 1, 0)) \
			dbg_emit((c), __VA_ARGS__); \
	} while (0)
static inline int dbg_on(enum dbg_cat c) { return (dbg_active >> c) & 1; }

/* Where event lines go: every session subscribed to bit. */
typedef void dbg_sink(uint32_t bit, const char *line, size_t len);
void dbg_set_sink(dbg_sink *fn);
/* The categories whose path starts with prefix ("" is all). */
uint32_t dbg_match(const char *prefix);
const char *dbg_cat_path(int c, unsigned int *tag, const char **help);

/* -D N: at most N sessions subscribed at once; -1 = no limit. */
extern int dbg_max_clients;

#endif
