/* mgmt_debug.c - console commands debug/list, debug/add, debug/del:
 * which event categories (debug.c) a session receives. */
#include "debug.h"
#include "mgmt.h"
#include "common/proto.h"

#include <errno.h>
#include <stdint.h>

/* The reply codes are vde2's: EINVAL no such category, EEXIST all of
 * them on already, ENOENT (del) none of them was on, EBADF in an rc file
 * (no session to send to). */
static int cmd_add(struct mgmt_session *s, char *arg)
{
	uint32_t *mine = mgmt_session_dbg(s), want = dbg_match(arg);

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
	uint32_t *mine = mgmt_session_dbg(s), want = dbg_match(arg);

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
	uint32_t *mine = mgmt_session_dbg(s), want = dbg_match(arg);

	if (!mine)
		return EBADF;
	mgmt_printf(s, "%-22s %-3s %-6s %s\n", "CATEGORY", "TAG", "STATUS", "HELP");
	mgmt_printf(s, "%-22s %-3s %-6s %s\n", "------------", "---", "------", "----");
	for (int c = 0; c < DBG_NCAT; c++)
		if (want & (1u << c)) {
			unsigned int tag;
			const char *help, *path = dbg_cat_path(c, &tag, &help);
			mgmt_printf(s, "%-22s %03o %-6s %s\n", path, tag, *mine & (1u << c) ? "ON" : "OFF", help);
		}
	return want ? 0 : ENOENT;
}

const struct mgmt_cmd mgmt_debug_cmds[] = {
	{ "debug", NULL, "DEBUG EVENTS", NULL, 0 },
	{ "debug/list", "[category]", "categories, and which this session receives", cmd_list, MGMT_DATA },
	{ "debug/add", "category", "receive \"3NNN category text\" lines (a prefix: \"port\", \"\")", cmd_add, 0 },
	{ "debug/del", "category", "stop receiving them", cmd_del, 0 },
	{ 0 }
};
