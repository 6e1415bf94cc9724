/* wirefilter.h - the wirefilter console: vde2's commands on a struct
 * impair, apart from the sockets that carry them (wirefilter.c), so the
 * fuzzer can drive the parser alone. */
#ifndef VDE_WIREFILTER_H
#define VDE_WIREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "common/impair.h"

#define WF_LINE_MAX 1024   /* a console or rc file line, bytes */
#define WF_LOAD_DEPTH 8    /* nested "load" at most */
#define WF_LOAD_SIZE (1 << 20)

extern const char wf_banner[]; /* to a new -M session */
extern const char wf_prompt[]; /* after each command */

/* What runs commands: a -M session, the stdin console, an -f rc file. */
struct wf_sess {
	/* Replies; NULL for an rc file (errors go to why instead). */
	void (*out)(struct wf_sess *s, const char *text, size_t len);
	int debug;     /* markov-debug level: traces of the chain's moves */
	int trusted;   /* may "load" files: root, our own user, stdin, -f */
	int depth;     /* of nested loads */
	int logout;    /* set by logout */
	int shutdown;  /* set by shutdown */
	char why[160]; /* what the last failing command got wrong */
};

/* The wire the console changes, and whether it has one or two ways. */
struct wf_wire {
	struct impair *im;
	int ndirs;
};

/* Run one line ("loss LR20", "showinfo", "# note", ""): replies with
 * vde2's codes ("1000 Success", "1022 Invalid argument", ...) through
 * s->out.  Returns 0 or the errno the reply carried; -1 for an empty
 * line or a comment (vde2 gives those only a prompt). */
int wf_command(const struct wf_wire *w, struct wf_sess *s, const char *line, uint64_t now);

#endif
