/* debug.c - the debug event categories, the debug/ commands and the
 * formatting of event lines.  Delivery to the sessions is mgmt.c's. */
#include "debug.h"
#include "mgmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint32_t dbg_active;
int dbg_max_clients = -1;

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
	mgmt_dbg_deliver(1u << c, line, (size_t)n);
}

/* The categories whose path starts with prefix (vde2 matches prefixes:
 * "port" is every port/ category, "" all of them). */
static uint32_t matching(const char *prefix)
{
	uint32_t m = 0;

	for (int c = 0; c < DBG_NCAT; c++)
		if (strncmp(cats[c].path, prefix, strlen(prefix)) == 0)
			m |= 1u << c;
	return m;
}

/* The reply codes are vde2's: EINVAL no such category, EEXIST all of
 * them on already, ENOENT (del) none of them was on, EBADF in an rc file
 * (no session to send to). */
static int cmd_add(struct mgmt_session *s, char *arg)
{
	uint32_t *mine = mgmt_session_dbg(s), want = matching(arg);

	if (!mine)
		return EBADF;
	if (!want)
		return EINVAL;
	if ((*mine & want) == want)
		return EEXIST;
	if (!*mine && dbg_max_clients >= 0 && mgmt_dbg_update() >= dbg_max_clients)
		return EUSERS; /* -D N */
	*mine |= want;
	mgmt_dbg_update();
	return 0;
}

static int cmd_del(struct mgmt_session *s, char *arg)
{
	uint32_t *mine = mgmt_session_dbg(s), want = matching(arg);

	if (!mine)
		return EBADF;
	if (!want)
		return EINVAL;
	if (!(*mine & want))
		return ENOENT;
	*mine &= ~want;
	mgmt_dbg_update();
	return 0;
}

static int cmd_list(struct mgmt_session *s, char *arg)
{
	uint32_t *mine = mgmt_session_dbg(s), want = matching(arg);

	if (!mine)
		return EBADF;
	mgmt_printf(s, "%-22s %-3s %-6s %s\n", "CATEGORY", "TAG", "STATUS", "HELP");
	mgmt_printf(s, "%-22s %-3s %-6s %s\n", "------------", "---", "------", "----");
	for (int c = 0; c < DBG_NCAT; c++)
		if (want & (1u << c))
			mgmt_printf(s, "%-22s %03o %-6s %s\n", cats[c].path, cats[c].tag,
				    *mine & (1u << c) ? "ON" : "OFF", cats[c].help);
	return want ? 0 : ENOENT;
}

const struct mgmt_cmd dbg_cmds[] = {
	{ "debug", NULL, "DEBUG EVENTS", NULL, 0 },
	{ "debug/list", "[category]", "categories, and which this session receives", cmd_list, MGMT_DATA },
	{ "debug/add", "category", "receive \"3NNN category text\" lines (a prefix: \"port\", \"\")", cmd_add, 0 },
	{ "debug/del", "category", "stop receiving them", cmd_del, 0 },
	{ 0 }
};
