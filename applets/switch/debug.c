/* debug.c - the debug event categories and the formatting of event
 * lines.  Delivery to the sessions is the console's (dbg_set_sink); the
 * debug/ commands are in mgmt_debug.c. */
#include "debug.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint32_t dbg_active;
int dbg_max_clients = -1;
static dbg_sink *sink;

/* Paths and tags are vde2's (a subscriber parses them); the tag is
 * printed in octal, as vde2 prints (tag & 0777). */
static const struct {
	const char *path;
	unsigned int tag;
	const char *help;
} cats[DBG_NCAT] = {
	[DBG_HASH_PLUS] = { "hash/+", 011, "hash: address learned" },
	[DBG_HASH_MINUS] = { "hash/-", 012, "hash: address forgotten" },
	[DBG_FSTP_STATUS] = { "fstp/status", 044, "fstp: port state changed" },
	[DBG_FSTP_ROOT] = { "fstp/root", 045, "fstp: new root bridge or root port" },
	[DBG_FSTP_PLUS] = { "fstp/+", 041, "fstp: BPDUs arrive on a port" },
	[DBG_FSTP_MINUS] = { "fstp/-", 042, "fstp: BPDUs stopped on a port" },
	[DBG_PORT_PLUS] = { "port/+", 021, "port created" },
	[DBG_PORT_MINUS] = { "port/-", 022, "port lost its last endpoint" },
	[DBG_PORT_DESCR] = { "port/descr", 023, "endpoint description" },
	[DBG_EP_PLUS] = { "port/ep/+", 031, "endpoint joined" },
	[DBG_EP_MINUS] = { "port/ep/-", 032, "endpoint left" },
	[DBG_MGMT_PLUS] = { "mgmt/+", 001, "management session opened" },
	[DBG_MGMT_MINUS] = { "mgmt/-", 002, "management session closed" },
};

void dbg_emit(enum dbg_cat c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n = snprintf(line, sizeof(line), "3%03o %s ", cats[c].tag, cats[c].path), m;

	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	/* Texts are short (a description is at most 128 bytes): cut, but
	 * always end the line. */
	n += (size_t)m < sizeof(line) - (size_t)n - 1 ? m : (int)(sizeof(line) - (size_t)n - 2);
	line[n++] = '\n';
	if (sink)
		sink(1u << c, line, (size_t)n);
}

void dbg_set_sink(dbg_sink *fn) { sink = fn; }

const char *dbg_cat_path(int c, unsigned int *tag, const char **help)
{
	*tag = cats[c].tag;
	*help = cats[c].help;
	return cats[c].path;
}

/* The categories whose path starts with prefix (vde2 matches prefixes:
 * "port" is every port/ category, "" all of them). */
uint32_t dbg_match(const char *prefix)
{
	uint32_t m = 0;

	for (int c = 0; c < DBG_NCAT; c++)
		if (strncmp(cats[c].path, prefix, strlen(prefix)) == 0)
			m |= 1u << c;
	return m;
}

