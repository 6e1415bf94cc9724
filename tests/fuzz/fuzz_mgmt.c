/* fuzz_mgmt.c - the management console (applets/switch/mgmt*.c) as a
 * client of the -M socket sees it.
 *
 * Each input is one session on the -M socket (mgmt_init on a temporary
 * path), in memory: the harness is linked with --wrap for the system
 * calls the console makes (fakefd.h), so accept4 on the listening
 * socket hands the console a fake connection, and the session's reads,
 * sends, epoll registrations and close are served from buffers.  The
 * harness plays epoll: it calls the session's handler with the events
 * it registered for that are ready, until the console closes the
 * connection.  Everything between the socket and the command tables
 * runs as in the switch: accept, line framing across reads, overlong
 * lines, output buffering and flow control (the connection takes at
 * most WINDOW unread bytes, like a socket buffer, so long replies wait
 * for EPOLLOUT), load (of two small files, in memory: "rc", and "loop"
 * which loads itself up to the nesting bound; other paths are real
 * files), debug events, logout, shutdown.  port/connect checks its VNL
 * and port as in the switch, but opens nothing (see __wrap_ep_vep_open).
 * User and group names come from a small table (__wrap_getpwuid), not
 * the host's NSS: the same on every machine, and no system calls.
 *
 * Input layout: byte 0 chooses who connects and how the rest is
 * written: bit 7 set, a user who is neither root nor the switch's owner
 * (uid/gid 65534: quotas, `load` with that user's rights); bits 0-6, 0
 * for all at once, else chunks of 1..127 bytes (each is one read, so
 * lines are cut at arbitrary points).  The rest is what the user types,
 * then EOF.
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
 *     "9999 END OF SESSION" only comes last; the debug/ events a session
 *     subscribed to ("3NNN category text", from the commands it ran:
 *     port/create, hash/setsize, fstp/setfstp...) may come anywhere;
 *   - no more replies than input lines;
 *   - the session always waits for something that will come (else it
 *     would hang: epoll would never call it again).
 * Between inputs the switch state is put back: VLANs, ports (8, two of
 * them with an endpoint each), MAC table settings, hub mode, spanning
 * tree off with default priority and timers.
 */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fakefd.h"
#include "applets/switch/endpoint.h"
#include "applets/switch/mactable.h"
#include "applets/switch/mgmt.h"
#include "applets/switch/port.h"
#include "applets/switch/stp.h"
#include "applets/switch/vlan.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The switch's clock (util.c's now_ms, replaced at link time) stands
 * still: a line without '\n' then runs only at the end of the input,
 * never because the machine was slow for MGMT_PARTIAL_MS, so every run
 * of an input is the same.  (That timer is not fuzzed here.) */
uint64_t __wrap_now_ms(void);
uint64_t __wrap_now_ms(void) { return 1000000000ull; }

#define NPORTS 8
#define OUT_MAX (64u << 20)
#define WINDOW (48u << 10) /* unread bytes the connection holds */
static const char PROMPT[] = "\nvde$ ";
static const char DATA[] = "0000 DATA END WITH '.'";
static const char END[] = "9999 END OF SESSION";

static char dir[64], sock[128];
static int trace; /* FUZZ_TRACE=1: show the session */
static const char *transcript; /* FUZZ_TRANSCRIPT=FILE: the last session, kept on a crash */
static struct watch *listener; /* the console's, on its real socket */
static int dirfd = -1; /* where sessions' relative paths go: "load rc" */
static struct stp_bridge stp_pristine; /* stp_br as the switch starts */

/* Two endpoints, so port/print and port/epclose have something to do. */
static const int ep_port[2] = { 1, 3 };
static struct endpoint *eps[2];
static int epfd[2] = { -1, -1 };

/* ---- the client side of one session ---- */
static struct {
	char *out;
	size_t outlen, outcap;
} cl;

/* What the console sent: onto the transcript, and the window is free. */
static void collect(int fd)
{
	size_t n;
	const uint8_t *b = fake_out_bytes(fd, &n);

	if (cl.outlen + n > cl.outcap) {
		size_t cap = cl.outcap ? cl.outcap : 65536;
		while (cap < cl.outlen + n)
			cap *= 2;
		FUZZ_CHECK(cap <= OUT_MAX, "more than %u bytes of console output", OUT_MAX);
		cl.out = realloc(cl.out, cap);
		FUZZ_CHECK(cl.out != NULL, "out of memory");
		cl.outcap = cap;
	}
	if (n)
		memcpy(cl.out + cl.outlen, b, n);
	cl.outlen += n;
	fake_out_clear(fd);
}

static void stop(uint64_t now)
{
	(void)now;
	loop_stop();
}

static void run_session(const uint8_t *in, size_t len, size_t chunk, int other_user)
{
	int fd = fake_open(1);
	long rounds = 0;

	fake_set_window(fd, WINDOW);
	if (other_user)
		fake_set_peer(fd, 65534, 65534);
	fake_connect(fd);
	cl.outlen = 0;
	listener->fn(listener, EPOLLIN); /* accept: banner and prompt */
	while (fake_is_open(fd)) {
		struct watch *w;
		uint32_t ev, want;
		collect(fd);
		/* one chunk at a time: each is what one read returns */
		if (len > 0 && fake_in_pending(fd) == 0) {
			size_t k = len < chunk ? len : chunk;
			fake_push(fd, in, k);
			in += k;
			len -= k;
		}
		if (len == 0)
			fake_eof(fd); /* typed it all: half-close */
		ev = fake_ready(fd);
		w = fake_watch(fd, &want);
		FUZZ_CHECK(w && ev, "the session waits for nothing (epoll events 0x%x): it would hang",
			   want);
		FUZZ_CHECK(++rounds < 10000000, "the session never ends");
		w->fn(w, ev);
	}
	collect(fd);
	/* what the session freed (loop_defer_free) is freed by the loop */
	fake_epoll_nowait(1);
	loop_run(0, stop);
	fake_epoll_nowait(0);
}

/* ---- checking the transcript ---- */
static int is_status(const char *l, size_t n)
{
	return n >= 6 && l[0] == '1' && l[1] >= '0' && l[1] <= '9' && l[2] >= '0' && l[2] <= '9' &&
	       l[3] >= '0' && l[3] <= '9' && l[4] == ' ';
}

/* "3NNN category text": an asynchronous debug event (debug/add). */
static int is_event(const char *l, size_t n)
{
	return n >= 7 && l[0] == '3' && l[1] >= '0' && l[1] <= '7' && l[2] >= '0' && l[2] <= '7' &&
	       l[3] >= '0' && l[3] <= '7' && l[4] == ' ' && memchr(l + 5, ' ', n - 5);
}

static int starts(const char *l, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && fuzz_eq(l, s, k);
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
			FUZZ_CHECK(last && n == strlen(END) && fuzz_eq(l, END, n),
				   "unterminated line \"%.*s\"", (int)(n < 80 ? n : 80), l);
			return;
		}
		if (is_event(l, n))
			continue; /* comes whenever it happens */
		if (in_data) {
			if (n == 1 && l[0] == '.')
				in_data = 0;
			else
				FUZZ_CHECK(!starts(l, n, DATA), "data block inside a data block");
			continue;
		}
		last_status = 0;
		if (n == strlen(DATA) && fuzz_eq(l, DATA, n)) {
			in_data = 1;
		} else if (is_status(l, n)) {
			last_status = 1;
		} else if (n == strlen(END) && fuzz_eq(l, END, n)) {
			FUZZ_CHECK(last && at == len, "\"%s\" and then more output", END);
			return;
		} else {
			FUZZ_CHECK(starts(l, n, "vde[") && fuzz_memmem(l, n, "]: ", 3),
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

	/* (without a branch per byte: the output is long, the scan was a
	 * tenth of the time; where the bad byte is, is found afterwards) */
	static uint8_t bad[256];
	uint8_t any = 0;
	if (!bad[0]) {
		for (int c = 0; c < 256; c++)
			bad[c] = !(c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f));
	}
	for (size_t i = 0; i < len; i++)
		any |= bad[(unsigned char)o[i]];
	for (size_t i = 0; any && i < len; i++) {
		unsigned char c = (unsigned char)o[i];
		FUZZ_CHECK(!bad[c], "control byte 0x%02x at %zu of the output", c, i);
	}
	FUZZ_CHECK(len >= 13 && fuzz_eq(o, "VDE switch V.", 13), "no banner");
	p = fuzz_memmem(o, len, PROMPT, strlen(PROMPT));
	FUZZ_CHECK(p != NULL, "no prompt after the banner");
	for (p += strlen(PROMPT);; replies++) { /* the text after each prompt */
		const char *q = fuzz_memmem(p, (size_t)(end - p), PROMPT, strlen(PROMPT));
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
/* The VLANs the console created (vlan_create, called from mgmt_vlan.c,
 * is wrapped at link time): reset() removes those instead of asking
 * vlan_exists() about all 4094. */
static int created[VLAN_COUNT], ncreated;
static uint8_t listed[VLAN_COUNT];
static unsigned int mac_pristine[5]; /* the hash/set* values at start */
static int mac_resized;              /* hash/setsize ran */

int __real_mac_set_size(unsigned int max);
int __wrap_mac_set_size(unsigned int max);
int __wrap_mac_set_size(unsigned int max)
{
	mac_resized = 1;
	return __real_mac_set_size(max);
}

/* Relative paths typed at the console ("load rc") resolve in our
 * directory, libFuzzer's own (corpus, reproducers) in the working
 * directory: open() (wrapped: only the console's calls come here) goes
 * to openat() instead of a chdir() there and back per input. */
static int in_session;

/* Files the fuzzer can load: "rc" some commands, "loop" itself (the
 * nesting bound; not in "rc", which the fuzzer loads often).  Opened by
 * exactly these names they are in memory (fakefd.h: a regular file of
 * that size), with no system call; both are 0644 in a 0755 directory,
 * so any user may read them and serving them without the user's rights
 * (load_open's fs_become) changes no outcome.  Other paths ("./rc",
 * "/etc/shadow", names that do not exist) go to the file system. */
static const char *const files[][2] = {
	{ "rc", "# an rc file\nvlan/create 7\nport/setvlan 1 7\nport/print\n"
		"vlan/print 7\nnot/a/command\n\thelp  fstp\r\nshowinfo" },
	{ "loop", "load loop\n" },
};

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	if (in_session && (flags & O_ACCMODE) == O_RDONLY && !(flags & O_CREAT))
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			if (strcmp(path, files[i][0]) == 0)
				return fake_open_file(files[i][1], strlen(files[i][1]));
	if (in_session && path[0] != '/')
		return openat(dirfd, path, flags, mode);
	return __real_open(path, flags, mode);
}

/* User and group names (port/print, port/setuser, port/setgroup, the
 * group check of port access) come from this small database rather than
 * the host's NSS: a lookup through /etc/nsswitch.conf and /etc/passwd
 * (and systemd's userdb) is several system calls, most of the console's
 * time, and the host's users would make a reproducer behave differently
 * elsewhere.  "users" has a member, so the membership check has one to
 * find. */
static char *no_members[] = { NULL };
static char *users_members[] = { "nobody", NULL };
static struct passwd fake_pw[] = {
	{ "root", "x", 0, 0, "root", "/root", "/bin/sh" },
	{ "daemon", "x", 1, 1, "daemon", "/", "/bin/false" },
	{ "nobody", "x", 65534, 65534, "nobody", "/", "/bin/false" },
};
static struct group fake_gr[] = {
	{ "root", "x", 0, no_members },
	{ "daemon", "x", 1, no_members },
	{ "users", "x", 100, users_members },
	{ "nogroup", "x", 65534, no_members },
};
#define NFAKE(a) (sizeof(a) / sizeof((a)[0]))

struct passwd *__wrap_getpwuid(uid_t uid);
struct passwd *__wrap_getpwuid(uid_t uid)
{
	for (size_t i = 0; i < NFAKE(fake_pw); i++)
		if (fake_pw[i].pw_uid == uid)
			return &fake_pw[i];
	return NULL;
}

struct passwd *__wrap_getpwnam(const char *name);
struct passwd *__wrap_getpwnam(const char *name)
{
	for (size_t i = 0; i < NFAKE(fake_pw); i++)
		if (strcmp(fake_pw[i].pw_name, name) == 0)
			return &fake_pw[i];
	return NULL;
}

struct group *__wrap_getgrgid(gid_t gid);
struct group *__wrap_getgrgid(gid_t gid)
{
	for (size_t i = 0; i < NFAKE(fake_gr); i++)
		if (fake_gr[i].gr_gid == gid)
			return &fake_gr[i];
	return NULL;
}

struct group *__wrap_getgrnam(const char *name);
struct group *__wrap_getgrnam(const char *name)
{
	for (size_t i = 0; i < NFAKE(fake_gr); i++)
		if (strcmp(fake_gr[i].gr_name, name) == 0)
			return &fake_gr[i];
	return NULL;
}

/* `load` for another user takes that user's groups with setgroups()
 * (creds.c, fs_become).  glibc applies it to every thread of the
 * process, signalling each one (libFuzzer runs threads of its own):
 * that was a third of the console's time.  The kernel's setgroups
 * changes only the calling thread, which is all the single-threaded
 * switch has: the permission checks of its open() are the same. */
int __wrap_setgroups(size_t n, const gid_t *list);
int __wrap_setgroups(size_t n, const gid_t *list) { return (int)syscall(SYS_setgroups, n, list); }

int __real_vlan_create(int vid);
int __wrap_vlan_create(int vid);
int __wrap_vlan_create(int vid)
{
	int r = __real_vlan_create(vid);

	if (r == 0 && !listed[vid]) {
		listed[vid] = 1;
		created[ncreated++] = vid;
	}
	return r;
}

/* port/connect parses its VNL and picks a port as in the switch, but
 * opens nothing: a fuzzed "cmd://" would run commands, "tap://" make
 * interfaces, "udp://" send to the network.  The first open fails, as
 * for a far end that is down (connect_port answers EIO). */
struct endpoint *__wrap_ep_vep_open(const char *vnl, const char *descr);
struct endpoint *__wrap_ep_vep_open(const char *vnl, const char *descr)
{
	(void)vnl;
	(void)descr;
	errno = ECONNREFUSED;
	return NULL;
}

struct endpoint *__wrap_ep_tap_open(const char *name);
struct endpoint *__wrap_ep_tap_open(const char *name)
{
	(void)name;
	errno = EPERM;
	return NULL;
}

static int ep_alive(int i)
{
	struct port *p = ep_port[i] <= sw.numports ? sw.ports[ep_port[i]] : NULL;

	for (struct endpoint *ep = p ? p->eps : NULL; ep; ep = ep->next)
		if (ep == eps[i])
			return 1;
	return 0;
}

static void ep_make(int i)
{
	struct port *p;

	FUZZ_CHECK(!fake_is_open(epfd[i]), "endpoint %d gone but its fd %d open", i, epfd[i]);
	epfd[i] = fake_open(0);
	p = sw.ports[ep_port[i]] ? sw.ports[ep_port[i]] : port_create(ep_port[i], 1);
	FUZZ_CHECK(p != NULL, "port_create %d", ep_port[i]);
	eps[i] = ep_sock_new(epfd[i], -1, 0, i ? "vde_plug: user=root pid=1" : "QEMU", NULL, 0);
	FUZZ_CHECK(eps[i] != NULL, "ep_sock_new");
	port_attach(p, eps[i]);
}

static void reset(void)
{
	FUZZ_CHECK(stp_set_enabled(0) == 0, "stp_set_enabled(0)");
	for (int i = 0; i <= sw.numports; i++)
		if (sw.ports[i])
			stp_port_free(sw.ports[i]); /* edge, cost */
	stp_br = stp_pristine;
	for (int i = 0; i <= sw.numports; i++) {
		struct port *p = sw.ports[i];
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
		if (!ep_alive(i))
			ep_make(i);
		fake_out_clear(epfd[i]); /* BPDUs the spanning tree sent */
	}
	for (int i = 0; i < ncreated; i++) {
		int v = created[i];
		if (vlan_exists(v))
			FUZZ_CHECK(vlan_remove(v) == 0, "vlan_remove %d: %s", v, strerror(errno));
		listed[v] = 0;
	}
	ncreated = 0;
	mac_set_timer(MAC_EXPIRE, mac_pristine[0]);
	mac_set_timer(MAC_GC, mac_pristine[1]);
	mac_set_timer(MAC_MINPERSIST, mac_pristine[2]);
	mac_max_entries = mac_pristine[3];
	mac_port_max = mac_pristine[4];
	/* No frames come in here, so the table only fills if hash/setsize
	 * or the like made it anew: then start it over. */
	if (mac_count() > 0 || mac_resized) {
		FUZZ_CHECK(mac_init(64) == 0, "mac_init");
		mac_resized = 0;
	}
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
	/* The files, also on disk: "./rc" and the like open them there. */
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
	/* 0755, the files 0644: the other user may load them too */
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0 ||
	    (dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die("fuzz_mgmt: temporary directory:");
	snprintf(sock, sizeof(sock), "%s/mgmt", dir);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		if (!(f = fopen(path, "w")) || fchmod(fileno(f), 0644) < 0 || fputs(files[i][1], f) < 0 ||
		    fclose(f) != 0)
			die("fuzz_mgmt: write %s:", path);
	}
	stp_pristine = stp_br;
	mac_pristine[0] = mac_expire_secs;
	mac_pristine[1] = mac_gc_secs;
	mac_pristine[2] = mac_minpersist_secs;
	mac_pristine[3] = mac_max_entries;
	mac_pristine[4] = mac_port_max;
	trace = getenv("FUZZ_TRACE") != NULL;
	transcript = getenv("FUZZ_TRANSCRIPT");
	fake_capture_add(&listener);
	if (loop_init() < 0 || ports_init(NPORTS) < 0 || mac_init(64) < 0 ||
	    mgmt_init(sock, 0600, (gid_t)-1) < 0 || !listener)
		die("fuzz_mgmt: switch setup failed");
	fake_listen_on(listener->fd);
	atexit(cleanup);
	reset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t c = fuzz_u8(&in);
	size_t lines = 1;

	fake_quiet_stderr();
	for (size_t i = 0; i < in.len; i++)
		lines += in.p[i] == '\n';
	in_session = 1;
	run_session(in.p, in.len, c & 0x7f ? c & 0x7f : in.len + 1, c >> 7);
	in_session = 0;
	if (trace)
		fprintf(stderr, "%.*s\n", (int)cl.outlen, cl.out);
	if (transcript) {
		FILE *t = fopen(transcript, "w");
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
