/* mgmt_plugin.c - vde2's plugin/ menu.  This switch is one binary with
 * no dlopen(), so there is never a plugin: plugin/list is vde2's empty
 * list, and plugin/add says what replaces the plugin asked for. */
#include "mgmt.h"
#include "common/proto.h"

#include <errno.h>
#include <string.h>

/* Debian's vde2 ships dump, pdump and iplog (/usr/lib/vde2/plugins/). */
static const struct {
	const char *name;
	const char *instead;
} known[] = {
	{ "pdump", "built in: capture/start FILE [pcap] [PORT...] (pcapng, whole frames), or vde_capture MGMT - | tcpdump -r -" },
	{ "dump", "built in: capture/start, or vde_capture MGMT - | tcpdump -r -" },
	{ "iplog", "there is no built-in IP log; hash/print and debug/add hash/+ show which MAC address is on which port" },
};

/* "/usr/lib/vde2/plugins/pdump.so", "pdump.so", "pdump" -> "pdump" */
static size_t base_name(const char *arg, const char **base)
{
	const char *slash = strrchr(arg, '/'), *b = slash ? slash + 1 : arg;
	size_t n = strlen(b);

	if (n > 3 && strcmp(b + n - 3, ".so") == 0)
		n -= 3;
	*base = b;
	return n;
}

static int cmd_list(struct mgmt_session *s, char *arg)
{
	(void)arg;
	mgmt_printf(s, "%-22s %s\n", "NAME", "HELP");
	mgmt_printf(s, "%-22s %s\n", "------------", "----");
	return ENOENT; /* vde2's answer when no plugin matches */
}

/* The reason goes in a data block: every console client shows those. */
static int cmd_add(struct mgmt_session *s, char *arg)
{
	const char *b;
	size_t n = base_name(arg, &b);

	if (!*arg)
		return EINVAL;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == n && strncmp(b, known[i].name, n) == 0) {
			mgmt_printf(s, "plugin %s: this switch loads no plugins; %s\n", known[i].name, known[i].instead);
			return EOPNOTSUPP;
		}
	mgmt_printf(s, "plugin %.*s: this switch loads no plugins (one static binary)\n", (int)(n > 200 ? 200 : n), b);
	return EOPNOTSUPP;
}

static int cmd_del(struct mgmt_session *s, char *arg)
{
	(void)s;
	(void)arg;
	return ENOENT; /* as vde2 for a plugin that is not loaded */
}

const struct mgmt_cmd mgmt_plugin_cmds[] = {
	{ "plugin", NULL, "PLUGINS (none: see plugin/add)", NULL, 0 },
	{ "plugin/list", "", "list plugins (always empty)", cmd_list, MGMT_DATA },
	{ "plugin/add", "library", "vde2's plugins: says what is built in instead", cmd_add, MGMT_DATA },
	{ "plugin/del", "name", "unload a plugin (none is ever loaded)", cmd_del, 0 },
	{ 0 }
};
