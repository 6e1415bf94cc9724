/* fuzz_mgmt.c - the management console (applets/switch/mgmt*.c) as a
 * client of the -M socket sees it.
 *
 * There is no socket-free entry point, so each input is one real
 * session: the harness connects to the console socket (mgmt_init on a
 * temporary path), types the input, half-closes, and runs the switch's
 * own event loop until the console closes the connection.  Everything
 * between the socket and the command tables runs as in the switch:
 * accept, line framing across reads, overlong lines, output buffering
 * and flow control, load (of two small files in the working directory:
 * "rc", and "loop" which loads itself up to the nesting bound), logout,
 * shutdown.
 *
 * Input layout: byte 0 chooses how the rest is written: all at once, or
 * in chunks of 1..255 bytes (each write is one event, so lines are cut
 * at arbitrary points); the rest is what the user types.
 *
 * Checks, besides the sanitizers and libFuzzer's timeout (a session
 * that never ends):
 *   - the reply starts with the banner and a prompt;
 *   - the output is text: no control bytes (C0, DEL) but '\n' and '\t',
 *     so nothing typed can reach a terminal as an escape sequence;
 *   - it follows the protocol (spec §6.9): between prompts, lines are
 *     data blocks ("0000 DATA END WITH '.'" ... "."), load's echo lines
 *     ("vde[FILE]: ..."), and status lines "1NNN text"; a non-empty reply
 *     ends with a status line; a data block holds no "." line and no
 *     nested block before its end (a client would misread the rest);
 *     "9999 END OF SESSION" only comes last;
 *   - no more replies than input lines.
 * Between inputs the switch state is put back: VLANs, ports (8, two of
 * them with an endpoint each), MAC table settings, hub mode, spanning
 * tree off with default priority and timers.
 */
#include "tests/fuzz/fuzz.h"
#include "applets/switch/switch.h"
#include "applets/switch/mgmt.h"
#include "applets/switch/stp.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct sw_config sw; /* normally in applets/switch.c, which has main() */

/* The switch's clock (util.c's now_ms, replaced at link time) stands
 * still: a line without '\n' then runs only at the end of the input,
 * never because the machine was slow for MGMT_PARTIAL_MS, so every run
 * of an input is the same.  (That timer is not fuzzed here.) */
uint64_t __wrap_now_ms(void);
uint64_t __wrap_now_ms(void) { return 1000000000ull; }

#define NPORTS 8
#define OUT_MAX (64u << 20)
static const char PROMPT[] = "\nvde$ ";
static const char DATA[] = "0000 DATA END WITH '.'";
static const char END[] = "9999 END OF SESSION";

static char dir[64], sock[128];
static int dirfd = -1, topfd = -1; /* sessions run in dir: "load rc" */
static struct stp_bridge stp_pristine; /* stp_br as the switch starts */

/* Two endpoints, so port/print and port/epclose have something to do. */
static const int ep_port[2] = { 1, 3 };
static struct endpoint *eps[2];
static int peer[2] = { -1, -1 };

/* ---- the client side of one session ---- */
static struct {
	struct watch w;
	const uint8_t *in;
	size_t inlen, chunk;
	int closed_wr, eof;
	char *out;
	size_t outlen, outcap;
} cl;

static void client_event(struct watch *w, uint32_t events)
{
	char buf[65536];
	ssize_t n;

	(void)events;
	while ((n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (cl.outlen + (size_t)n > cl.outcap) {
			size_t cap = cl.outcap ? cl.outcap : 65536;
			while (cap < cl.outlen + (size_t)n)
				cap *= 2;
			FUZZ_CHECK(cap <= OUT_MAX, "more than %u bytes of console output", OUT_MAX);
			cl.out = realloc(cl.out, cap);
			FUZZ_CHECK(cl.out != NULL, "out of memory");
			cl.outcap = cap;
		}
		memcpy(cl.out + cl.outlen, buf, (size_t)n);
		cl.outlen += (size_t)n;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		cl.eof = 1; /* the console closed the session */
		int fd = w->fd;
		loop_del(w);
		close(fd);
		loop_stop();
		return;
	}
	/* One chunk per event: each arrives as its own read. */
	if (!cl.closed_wr && cl.inlen > 0) {
		size_t k = cl.inlen < cl.chunk ? cl.inlen : cl.chunk;
		n = send(w->fd, cl.in, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			cl.in += n;
			cl.inlen -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			cl.inlen = 0; /* the session is gone (logout): stop typing */
		}
	}
	if (!cl.closed_wr && cl.inlen == 0) {
		shutdown(w->fd, SHUT_WR);
		cl.closed_wr = 1;
		loop_mod(w, EPOLLIN);
	}
}

static void run_session(const uint8_t *in, size_t len, size_t chunk)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
	strcpy(sa.sun_path, sock);
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect %s: %s", sock,
		   strerror(errno));
	cl.in = in;
	cl.inlen = len;
	cl.chunk = chunk;
	cl.closed_wr = cl.eof = 0;
	cl.outlen = 0;
	FUZZ_CHECK(loop_add(&cl.w, fd, EPOLLIN | EPOLLOUT, client_event) == 0, "loop_add");
	/* shutdown stops the loop as well: go on until the session is over */
	while (!cl.eof)
		loop_run(1000, NULL);
}

/* ---- checking the transcript ---- */
static int is_status(const char *l, size_t n)
{
	return n >= 6 && l[0] == '1' && l[1] >= '0' && l[1] <= '9' && l[2] >= '0' && l[2] <= '9' &&
	       l[3] >= '0' && l[3] <= '9' && l[4] == ' ';
}

static int starts(const char *l, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && memcmp(l, s, k) == 0;
}

/* One reply: the text between two prompts (or after the last one). */
static void check_reply(const char *r, size_t len, int last)
{
	int in_data = 0, last_status = 0;
	size_t at = 0;

	while (at < len) {
		const char *l = r + at, *nl = memchr(l, '\n', len - at);
		size_t n = nl ? (size_t)(nl - l) : len - at;
		at += n + (nl != NULL);
		if (!nl) { /* only the session's last words lack a '\n' */
			FUZZ_CHECK(last && n == strlen(END) && memcmp(l, END, n) == 0,
				   "unterminated line \"%.*s\"", (int)(n < 80 ? n : 80), l);
			return;
		}
		if (in_data) {
			if (n == 1 && l[0] == '.')
				in_data = 0;
			else
				FUZZ_CHECK(!starts(l, n, DATA), "data block inside a data block");
			continue;
		}
		last_status = 0;
		if (n == strlen(DATA) && memcmp(l, DATA, n) == 0) {
			in_data = 1;
		} else if (is_status(l, n)) {
			last_status = 1;
		} else if (n == strlen(END) && memcmp(l, END, n) == 0) {
			FUZZ_CHECK(last && at == len, "\"%s\" and then more output", END);
			return;
		} else {
			FUZZ_CHECK(starts(l, n, "vde[") && memmem(l, n, "]: ", 3),
				   "stray line outside a data block: \"%.*s\"", (int)(n < 80 ? n : 80), l);
		}
	}
	FUZZ_CHECK(!in_data, "data block not ended with \".\"");
	FUZZ_CHECK(len == 0 || last_status, "reply does not end with a status line: \"%.*s\"",
		   (int)(len < 200 ? len : 200), r);
}

static void check_transcript(const char *o, size_t len, size_t in_lines)
{
	const char *p, *end = o + len;
	size_t replies = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)o[i];
		FUZZ_CHECK(c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f),
			   "control byte 0x%02x at %zu of the output", c, i);
	}
	FUZZ_CHECK(len >= 13 && memcmp(o, "VDE switch V.", 13) == 0, "no banner");
	p = memmem(o, len, PROMPT, strlen(PROMPT));
	FUZZ_CHECK(p != NULL, "no prompt after the banner");
	for (p += strlen(PROMPT);; replies++) { /* the text after each prompt */
		const char *q = memmem(p, (size_t)(end - p), PROMPT, strlen(PROMPT));
		check_reply(p, (size_t)((q ? q : end) - p), q == NULL);
		if (!q)
			break;
		p = q + strlen(PROMPT);
	}
	/* Every prompt after the first answers one line (an overlong line
	 * is answered once; the last line may lack its '\n'). */
	FUZZ_CHECK(replies <= in_lines, "%zu replies for %zu input lines", replies, in_lines);
}

/* ---- putting the switch back between inputs ---- */
static int ep_alive(int i)
{
	struct port *p = ep_port[i] <= numports ? ports[ep_port[i]] : NULL;

	for (struct endpoint *ep = p ? p->eps : NULL; ep; ep = ep->next)
		if (ep == eps[i])
			return 1;
	return 0;
}

static void ep_make(int i)
{
	int sv[2];
	struct port *p;

	if (peer[i] >= 0)
		close(peer[i]);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && set_nonblock(sv[0]) == 0,
		   "socketpair: %s", strerror(errno));
	p = ports[ep_port[i]] ? ports[ep_port[i]] : port_create(ep_port[i], 1);
	FUZZ_CHECK(p != NULL, "port_create %d", ep_port[i]);
	eps[i] = ep_new(EP_UNIX, sv[0], -1, 0, i ? "vde_plug: user=root pid=1" : "QEMU", NULL);
	FUZZ_CHECK(eps[i] != NULL, "ep_new");
	port_attach(p, eps[i]);
	peer[i] = sv[1];
}

static void reset(void)
{
	FUZZ_CHECK(stp_set_enabled(0) == 0, "stp_set_enabled(0)");
	for (int i = 0; i <= numports; i++)
		if (ports[i])
			stp_port_free(ports[i]); /* edge, cost */
	stp_br = stp_pristine;
	for (int i = 0; i <= numports; i++) {
		struct port *p = ports[i];
		if (!p)
			continue;
		if (p->nep == 0) {
			FUZZ_CHECK(port_remove(i) == 0, "port_remove %d", i);
			continue;
		}
		free(p->tagged);
		p->tagged = NULL;
		p->untagged_vlan = 0;
		p->vlan_configured = 0;
		p->allocatable = 1;
		p->ac_user = (uid_t)-1;
		p->ac_group = (gid_t)-1;
	}
	FUZZ_CHECK(ports_resize(NPORTS) == 0, "ports_resize(%d): %s", NPORTS, strerror(errno));
	for (int i = 0; i < 2; i++) {
		static char frame[VDE_FRAME_MAX + 1];
		if (!ep_alive(i))
			ep_make(i);
		while (recv(peer[i], frame, sizeof(frame), MSG_DONTWAIT) >= 0)
			; /* BPDUs the spanning tree sent */
	}
	for (int v = 1; v < VLAN_NONE; v++)
		if (vlan_exists(v))
			FUZZ_CHECK(vlan_remove(v) == 0, "vlan_remove %d: %s", v, strerror(errno));
	mac_expire_secs = 100;
	mac_gc_secs = 2;
	mac_minpersist_secs = 0;
	mac_max_entries = 65536;
	FUZZ_CHECK(mac_init(64) == 0, "mac_init");
	sw.hub = 0;
}

static void cleanup(void)
{
	mgmt_cleanup();
	unlinkat(dirfd, "rc", 0);
	unlinkat(dirfd, "loop", 0);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Files the fuzzer can load: "rc" some commands, "loop" itself
	 * (the nesting bound).  Each load reads into a 1 MiB buffer, so the
	 * recursion is not in "rc", which the fuzzer loads often. */
	static const char *const files[][2] = {
		{ "rc", "# an rc file\nvlan/create 7\nport/setvlan 1 7\nport/print\n"
			"vlan/print 7\nnot/a/command\n\thelp  fstp\r\nshowinfo" },
		{ "loop", "load loop\n" },
	};
	char path[128];
	FILE *f;

	(void)argc;
	(void)argv;
	log_init("fuzz_mgmt");
	sw.max_frame = VDE_FRAME_MAX;
	sw.queue_bytes = 1 << 20;
	sw.gid = (gid_t)-1;
	sw.mode = 0600;
	strcpy(sw.dir, "/nonexistent/vde.ctl");
	snprintf(dir, sizeof(dir), "/tmp/fuzz_mgmt.XXXXXX");
	if (!mkdtemp(dir) || (dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (topfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die("fuzz_mgmt: temporary directory:");
	snprintf(sock, sizeof(sock), "%s/mgmt", dir);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		if (!(f = fopen(path, "w")) || fputs(files[i][1], f) < 0 || fclose(f) != 0)
			die("fuzz_mgmt: write %s:", path);
	}
	stp_init(); /* the fstp/ commands */
	stp_pristine = stp_br;
	if (loop_init() < 0 || ports_init(NPORTS) < 0 || mac_init(64) < 0 ||
	    mgmt_init(sock, 0600, (gid_t)-1) < 0)
		die("fuzz_mgmt: switch setup failed");
	atexit(cleanup);
	reset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t c = fuzz_u8(&in);
	size_t lines = 1;

	for (size_t i = 0; i < in.len; i++)
		lines += in.p[i] == '\n';
	/* Relative paths typed at the console resolve in our directory;
	 * libFuzzer's own (corpus, reproducers) outside a run in its own. */
	FUZZ_CHECK(fchdir(dirfd) == 0, "chdir %s: %s", dir, strerror(errno));
	run_session(in.p, in.len, c ? c : in.len + 1);
	FUZZ_CHECK(fchdir(topfd) == 0, "chdir back: %s", strerror(errno));
	if (getenv("FUZZ_TRACE")) /* FUZZ_TRACE=1: show the session */
		fprintf(stderr, "%.*s\n", (int)cl.outlen, cl.out);
	if (getenv("FUZZ_TRANSCRIPT")) { /* =FILE: the last session, kept on a crash */
		FILE *t = fopen(getenv("FUZZ_TRANSCRIPT"), "w");
		if (t) {
			fwrite(cl.out, 1, cl.outlen, t);
			fclose(t);
		}
	}
	check_transcript(cl.out, cl.outlen, lines);
	/* Put the switch back now rather than before the next input: what
	 * this input allocated is freed within it, and libFuzzer's leak
	 * check (run when mallocs and frees differ) stays quiet. */
	reset();
	return 0;
}
