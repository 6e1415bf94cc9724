/* mgmt.h - the management console's command interface.
 *
 * A command is a path ("port/print"), a syntax and help text for `help`,
 * and a function that parses its argument, acts, and returns 0 or an
 * errno value; the console turns that into "1000 Success" or
 * "1NNN <strerror>" exactly like vde2 (spec §6.9).  Commands flagged
 * MGMT_DATA get their output framed by "0000 DATA END WITH '.'" and ".",
 * even when they fail half way (vde2 does the same).
 *
 * The command set is a list of tables, one file mgmt_PART.c each:
 * mgmt_cmds.c (general, hash/...), mgmt_port.c (port/...), mgmt_vlan.c,
 * mgmt_stp.c (fstp/...), mgmt_debug.c, mgmt_plugin.c, mgmt_capture.c.  The commands
 * parse, call the parts' setters and print; they write no other part's
 * fields.  A table can also be added at run time with mgmt_register():
 *
 *     static const struct mgmt_cmd fstp_cmds[] = {
 *         { "fstp", NULL, "FAST SPANNING TREE MENU", NULL, 0 },
 *         { "fstp/showinfo", "", "show fstp info", fstp_showinfo, MGMT_DATA },
 *         { 0 }
 *     };
 *     mgmt_register(fstp_cmds);
 */
#ifndef VDE_MGMT_H
#define VDE_MGMT_H

#include <stddef.h>
#include <stdint.h>

struct mgmt_session; /* one console: a socket client, stdin, an rc file */

/* fn returns 0 or an errno value (EINVAL for a bad argument, ENXIO for a
 * missing port or VLAN, ...).  arg is the rest of the line after the
 * path, blanks trimmed, "" when none. */
typedef int mgmt_fn(struct mgmt_session *s, char *arg);

struct mgmt_cmd {
	const char *path;   /* NULL ends a table */
	const char *syntax; /* NULL: a menu title line in `help` */
	const char *help;
	mgmt_fn *fn;        /* NULL for a menu title */
	int flags;
};
#define MGMT_DATA 1 /* output goes in a "0000 DATA" block */

/* Add a table (ending with a { 0 } entry; it must stay alive).  Tables
 * are searched and listed in the order they were added, after the
 * built-in ones.  Returns 0, or -1 if too many tables. */
int mgmt_register(const struct mgmt_cmd *table);

/* Output of a command: goes to the session (socket, stdout) or nowhere
 * (rc file).  Never blocks; see mgmt.c for the bounds. */
void mgmt_printf(struct mgmt_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Split arg into at most max blank-separated words; returns how many, or
 * -1 when there are more than max. */
int mgmt_words(char *arg, char **words, int max);
/* A whole decimal number in [min,max]: 0, or EINVAL. */
int mgmt_num(const char *s, long min, long max, long *out);

/* For commands that act on the session itself. */
void mgmt_session_end(struct mgmt_session *s);      /* logout */
/* Is the session root's or the switch owner's (stdin, -f, or a -M
 * client with that uid)?  Commands that act with the switch's rights
 * (port/connect runs commands, makes taps) ask. */
int mgmt_session_privileged(const struct mgmt_session *s);
/* Run fn(ctx) with the filesystem rights of s's user, as load opens its
 * file: a -M client's uid and groups (SO_PEERCRED), the owner's for
 * stdin and -f.  fn's errno value, or EACCES when the switch cannot take
 * them (not root, and the client is another user). */
int mgmt_session_as_user(struct mgmt_session *s, int (*fn)(void *ctx), void *ctx);
/* The descriptor the -M client sent last along with its bytes
 * (SCM_RIGHTS), now the caller's to close; -1: none. */
int mgmt_session_take_fd(struct mgmt_session *s);
/* load: an errno value, or MGMT_LOADING: the file runs a slice at a
 * time, and its reply comes when it has run (mgmt.c) */
int mgmt_session_load(struct mgmt_session *s, const char *path);
#define MGMT_LOADING (-1)
void mgmt_shutdown(struct mgmt_session *s);         /* shutdown */
const char *mgmt_socket_path(void);                 /* -M, or NULL */
extern const char mgmt_banner[]; /* two lines: "VDE switch V.<version>", and who we are */
unsigned int mgmt_socket_mode(void);

/* The command tables built into the switch, and help's lister. */
extern const struct mgmt_cmd mgmt_general_cmds[], mgmt_hash_cmds[],
	mgmt_port_cmds[], mgmt_vlan_cmds[], mgmt_plugin_cmds[],
	mgmt_debug_cmds[], mgmt_stp_cmds[], mgmt_vxlan_cmds[], mgmt_capture_cmds[];

/* Debug event subscriptions (debug.c keeps the categories): the
 * session's set of debug.h bits, NULL for an rc file (nobody to tell);
 * after changing one, mgmt_dbg_update() recomputes dbg_active and says
 * how many sessions subscribe; mgmt_dbg_deliver() queues a formatted
 * event line for each session subscribed to bit. */
uint32_t *mgmt_session_dbg(struct mgmt_session *s);
int mgmt_dbg_update(void);
void mgmt_dbg_deliver(uint32_t bit, const char *line, size_t len);
/* Visit every command and menu line in help order. */
void mgmt_foreach(void (*fn)(const struct mgmt_cmd *c, void *ctx), void *ctx);

/* ---- the console's life, for applets/switch.c ---- */
#include <sys/types.h>
int mgmt_init(const char *path, mode_t mode, gid_t gid); /* -M socket */
int mgmt_stdin(void); /* 0, 1 (a file on stdin said shutdown) or -1 */
void mgmt_tick(void);  /* from the switch's tick */
int mgmt_rcfile(const char *path); /* 0 ok, 1 it said shutdown, -1 error */
void mgmt_set_sessions(int n); /* --mgmtsessions: -M sessions at once */
void mgmt_cleanup(void);

#endif
