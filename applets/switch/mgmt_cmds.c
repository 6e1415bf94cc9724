/* mgmt_cmds.c - console commands about the switch as a whole (help,
 * showinfo, load, logout, shutdown, ds/showinfo) and its MAC table
 * (hash/...).  Output formats are vde2's, so its users' scripts keep
 * working; the wording of the help texts is ours. */
#include "ctlsock.h"
#include "mactable.h"
#include "sw.h"
#include "mgmt.h"
#include "common/proto.h"
#include "common/util.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* ---- general ---- */

struct help_ctx { struct mgmt_session *s; const char *prefix; };

static void help_line(const struct mgmt_cmd *c, void *ctx)
{
	struct help_ctx *h = ctx;

	if (strncmp(c->path, h->prefix, strlen(h->prefix)) != 0)
		return;
	mgmt_printf(h->s, "%-18s %-15s %s\n", c->path, c->syntax ? c->syntax : "============", c->help);
}

static int cmd_help(struct mgmt_session *s, char *arg)
{
	char *w[1];
	struct help_ctx h = { s, "" };

	if (mgmt_words(arg, w, 1) < 0)
		return EINVAL;
	if (*arg)
		h.prefix = w[0];
	mgmt_printf(s, "%-18s %-15s %s\n", "COMMAND PATH", "SYNTAX", "HELP");
	mgmt_printf(s, "%-18s %-15s %s\n", "------------", "--------------", "------------");
	mgmt_foreach(help_line, &h);
	return 0;
}

static int cmd_logout(struct mgmt_session *s, char *arg)
{
	if (*arg)
		return EINVAL;
	mgmt_session_end(s);
	return 0;
}

static int cmd_shutdown(struct mgmt_session *s, char *arg)
{
	if (*arg)
		return EINVAL;
	mgmt_shutdown(s);
	return 0;
}

static int cmd_showinfo(struct mgmt_session *s, char *arg)
{
	const uint8_t *m = sw.mac;

	if (*arg)
		return EINVAL;
	mgmt_printf(s, "%s\n", mgmt_banner); /* as vde2: the banner, a blank line */
	mgmt_printf(s, "pid %d MAC %02x:%02x:%02x:%02x:%02x:%02x uptime %u\n", (int)getpid(),
		    m[0], m[1], m[2], m[3], m[4], m[5], sw_now());
	if (mgmt_socket_path())
		mgmt_printf(s, "mgmt %s perm %04o\n", mgmt_socket_path(), mgmt_socket_mode());
	return 0;
}

static int cmd_load(struct mgmt_session *s, char *arg)
{
	if (!*arg)
		return EINVAL; /* the path may contain blanks: take it whole */
	return mgmt_session_load(s, arg);
}

static int cmd_ds_showinfo(struct mgmt_session *s, char *arg)
{
	if (*arg)
		return EINVAL;
	mgmt_printf(s, "ctl dir %s\nstd mode %04o\n", sw.plain ? sw.ctl_path : sw.dir, (unsigned)sw.mode);
	return 0;
}

const struct mgmt_cmd mgmt_general_cmds[] = {
	{ "ds", NULL, "CONTROL SOCKET", NULL, 0 },
	{ "ds/showinfo", "", "control directory and socket mode", cmd_ds_showinfo, MGMT_DATA },
	{ "help", "[arg]", "list the commands (those starting with arg)", cmd_help, MGMT_DATA },
	{ "logout", "", "end this console session", cmd_logout, 0 },
	{ "shutdown", "", "stop the switch", cmd_shutdown, 0 },
	{ "showinfo", "", "version, pid, MAC address, uptime", cmd_showinfo, MGMT_DATA },
	/* read with the console user's rights, run a slice at a time (mgmt.c) */
	{ "load", "path", "run the commands in a file you may read (<= 1 MiB)", cmd_load, 0 },
	{ 0 }
};

/* ---- hash/ : the MAC table ---- */

static int cmd_hash_showinfo(struct mgmt_session *s, char *arg)
{
	if (*arg)
		return EINVAL;
	mgmt_printf(s, "Hash size %u\nGC interval %u secs\nGC expire %u secs\nMin persistence %u secs\n",
		    mac_max_entries, mac_gc_secs, mac_expire_secs, mac_minpersist_secs);
	return 0;
}

/* One number argument in [min,max]. */
static int one_num(char *arg, long min, long max, long *v)
{
	char *w[1];

	if (mgmt_words(arg, w, 1) != 1)
		return EINVAL;
	return mgmt_num(w[0], min, max, v);
}

static int cmd_hash_setsize(struct mgmt_session *s, char *arg)
{
	long v;
	int err = one_num(arg, 1, 1L << 24, &v) /* mac_set_size's range */;

	(void)s;
	if (err)
		return err;
	return mac_set_size((unsigned int)v) < 0 ? (errno ? errno : ENOMEM) : 0;
}

static int set_secs(char *arg, long min, enum mac_timer t)
{
	long v;
	int err = one_num(arg, min, INT_MAX, &v);

	if (!err)
		mac_set_timer(t, (unsigned int)v);
	return err;
}

static int cmd_hash_setgcint(struct mgmt_session *s, char *arg)
{
	(void)s;
	return set_secs(arg, 1, MAC_GC);
}

static int cmd_hash_setexpire(struct mgmt_session *s, char *arg)
{
	(void)s;
	return set_secs(arg, 0, MAC_EXPIRE);
}

static int cmd_hash_setminper(struct mgmt_session *s, char *arg)
{
	(void)s;
	return set_secs(arg, 0, MAC_MINPERSIST);
}

static int cmd_hash_setportmax(struct mgmt_session *s, char *arg)
{
	long v;
	int err = one_num(arg, 0, 1L << 24, &v);

	(void)s;
	if (err)
		return err;
	return mac_set_port_max((unsigned int)v) < 0 ? errno : 0;
}

struct hash_ctx {
	struct mgmt_session *s;
	uint32_t now;
	int filter;          /* hash/find: only this MAC and VLAN */
	uint8_t mac[6];
	int vlan;
	int found;
};

static void hash_line(void *ctx, size_t slot, const uint8_t m[6], int vlan, int port, uint32_t last)
{
	struct hash_ctx *h = ctx;

	if (h->filter && (vlan != h->vlan || memcmp(m, h->mac, 6) != 0))
		return;
	h->found = 1;
	mgmt_printf(h->s, "Hash: %04zu Addr: %02x:%02x:%02x:%02x:%02x:%02x VLAN %04d to port: %03d  age %u secs\n",
		    slot, m[0], m[1], m[2], m[3], m[4], m[5], vlan, port, h->now - last);
}

static int cmd_hash_print(struct mgmt_session *s, char *arg)
{
	struct hash_ctx h = { .s = s, .now = sw_now() };

	if (*arg)
		return EINVAL;
	mac_foreach(hash_line, &h);
	return 0;
}

static int cmd_hash_find(struct mgmt_session *s, char *arg)
{
	struct hash_ctx h = { .s = s, .now = sw_now(), .filter = 1 };
	char *w[2];
	long vlan = 0;
	int n = mgmt_words(arg, w, 2);

	if (n < 1 || parse_mac(w[0], h.mac) < 0 || (n == 2 && mgmt_num(w[1], 0, VLAN_NONE - 1, &vlan)))
		return EINVAL;
	h.vlan = (int)vlan;
	mac_foreach(hash_line, &h);
	return h.found ? 0 : ENODEV; /* vde2's answer for "not there" */
}

const struct mgmt_cmd mgmt_hash_cmds[] = {
	{ "hash", NULL, "MAC ADDRESS TABLE", NULL, 0 },
	{ "hash/showinfo", "", "table size and timers", cmd_hash_showinfo, MGMT_DATA },
	{ "hash/setsize", "N", "hold at most N addresses (forgets all)", cmd_hash_setsize, 0 },
	{ "hash/setgcint", "N", "look for expired addresses every N s", cmd_hash_setgcint, 0 },
	{ "hash/setexpire", "N", "forget an address unseen for N s", cmd_hash_setexpire, 0 },
	{ "hash/setminper", "N", "keep an address on its port N s before it may move", cmd_hash_setminper, 0 },
	{ "hash/setportmax", "N", "one port learns at most N addresses (0: half the table)", cmd_hash_setportmax, 0 },
	{ "hash/print", "", "list the table", cmd_hash_print, MGMT_DATA },
	{ "hash/find", "MAC [VLAN]", "where is MAC (in VLAN, default 0)", cmd_hash_find, MGMT_DATA },
	{ 0 }
};
