/* ctlsock.c - the control socket DIR/ctl and the handshake (spec §1).
 *
 * A client connects, sends one request naming its data socket; we make
 * a datagram socket, connect it to the client's address right away
 * (vdeplug4 unlinks its path after the handshake; UML's abstract names
 * are 108 significant bytes, copied verbatim), bind it to DIR/NNN.FD,
 * and reply with that address: exactly 110 bytes.
 *
 * Hostile clients: a request may arrive in pieces (we wait for it, up to
 * HANDSHAKE_TIMEOUT), never arrive (dropped on timeout), or be garbage
 * (one log line, closed).  Every refusal closes the connection, so no
 * client hangs the way vde2 2.3.2 leaves them.
 *
 * Descriptors (issue 17 item 8): the soft RLIMIT_NOFILE is raised to
 * the hard limit at start, and its highest sw.fd_reserve descriptors
 * are for root and the switch's owner only.  The kernel always hands
 * out the lowest free descriptor, so a user who is given one at or
 * above that line has left none free below it: the connection is
 * refused, and no other user's descriptor ever lies in the reserve.
 * Root and the owner can then always connect.  The last fd_console of
 * them DIR/ctl gives to nobody: the management console (-M) has them to
 * itself, so the owner can manage a switch its own clients have filled.
 */
#include "ctlsock.h"
#include "endpoint.h"
#include "port.h"
#include "sw.h"
#include "creds.h"
#include "common/log.h"
#include "common/request.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define HANDSHAKE_TIMEOUT_MS 5000
/* Handshakes in progress.  A user past the per-user bound loses their
 * own oldest one, so nobody can lock the others out by connecting and
 * never sending; the global bound caps memory the same way. */
#define MAX_PENDING 1024
#define MAX_PENDING_PER_UID 16
#define SQUAT_TRIES 16 /* other names to try when NNN.FD is taken */
#define FD_RESERVE_MIN 32 /* at least this many fds for root and the owner */
#define FD_CONSOLE 8      /* of them, for the management console alone */

struct pending {
	struct watch w;
	struct pending *next;
	uid_t uid;
	uint64_t deadline;
	size_t len;
	uint8_t buf[VDE_REQ_MAX];
};

static struct watch listener = { .fd = -1 };
/* Listeners (DIR/ctl, -M) that ran out of fds with no spare to shed
 * with: resumed on the next tick. */
static struct watch *paused[4];
static size_t npaused;
static struct pending *pendings;
static int npending;
static int spare_fd = -1; /* given up, when out of fds, to accept and close */
static int fd_console;    /* the last fds, which DIR/ctl leaves to -M */

/* Refusals that repeat: one log line per period (log_rate_due). */
static struct log_rate rl_quota = { .what = "connections refused over a user's quota" };
static struct log_rate rl_reserve = { .what = "connections refused to keep the fd reserve" };
static struct log_rate rl_shed = { .what = "connections refused: out of file descriptors" };

static void pending_close(struct pending *pd)
{
	for (struct pending **pp = &pendings; *pp; pp = &(*pp)->next)
		if (*pp == pd) {
			*pp = pd->next;
			break;
		}
	npending--;
	if (pd->w.fd >= 0) {
		int fd = pd->w.fd;
		loop_del(&pd->w);
		close(fd);
	}
	loop_defer_free(pd);
}

static const char *port_refusal(int err)
{
	switch (err) {
	case ERANGE: return "port out of range (raise -n/--sw.numports)";
	case ENOSPC: return "no free port (raise -n/--sw.numports)";
	case EADDRINUSE: return "port in use by another user";
	case EPERM: return "not permitted by the port's access control";
	case EDQUOT: return "over the user's quota (--user-ports, --user-endpoints)";
	default: return strerror(err);
	}
}

/* Who is asking (requester_get), and a root switch acting with their
 * filesystem rights (fs_become/fs_restore): creds.c. */

/* The open - check - connect of reach_client(): 0, or -1 with errno
 * (why says what, for a file that is not the requester's socket). */
static int connect_verified(int datafd, const char *path, uid_t uid, const char **why, int *opened)
{
	struct sockaddr_un via = { .sun_family = AF_UNIX };
	struct stat st;
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC), rc = -1, err;

	*opened = fd >= 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		err = errno;
	else if (!S_ISSOCK(st.st_mode))
		*why = S_ISLNK(st.st_mode) ? "is a symbolic link" : "is not a socket", err = EACCES;
	else if (uid != 0 && st.st_uid != uid)
		*why = "belongs to another user", err = EACCES;
	else {
		snprintf(via.sun_path, sizeof(via.sun_path), "/proc/self/fd/%d", fd);
		rc = connect(datafd, (struct sockaddr *)&via, sizeof(via));
		err = errno;
	}
	close(fd);
	errno = err;
	return rc;
}

/* Connect datafd to the data socket a request names (issue 17 item 2).
 * Checking a path and then connecting to it leaves a window in which
 * the path can be swapped for a symlink to a socket only we may reach.
 * So we never connect to the requester's path: we open it (O_PATH |
 * O_NOFOLLOW: a symlink at the end is seen, not followed), check what
 * the descriptor is - a socket owned by the requester - and connect to
 * /proc/self/fd/N, which the kernel resolves to exactly that inode.  A
 * root switch does this with the requester's filesystem identity, so
 * it passes only directories the requester may search and needs its
 * write permission on the socket: it reaches nothing the requester
 * could not reach itself (as far as it may switch identity at all).
 * Symlinked directories on the way are harmless: whatever they lead
 * to, the inode at the end must be the requester's own socket.  Without
 * /proc there is no such path: a root or same-user requester gets a
 * plain connect (it crosses no privilege line), anybody else a refusal.
 * Abstract names (UML) are anybody's to reach, connected as they are. */
static int reach_client(int datafd, const struct sockaddr_un *sa, const struct requester *r)
{
	char path[sizeof(sa->sun_path) + 1], esc[LOG_ESC_SIZE(sizeof(sa->sun_path))];
	int as_user = geteuid() == 0 && r->uid != 0, trusted = r->uid == 0 || r->uid == geteuid();
	int rc, opened = 0, err;
	const char *why = NULL;
	struct saved_ids sv;

	if (sa->sun_path[0] == 0) {
		if (connect(datafd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		log_warn("connect to client data socket (abstract):");
		return -1;
	}
	memcpy(path, sa->sun_path, sizeof(sa->sun_path));
	path[sizeof(sa->sun_path)] = 0; /* all 108 bytes may be the name */
	log_esc(esc, sizeof(esc), path, sizeof(path));
	/* Without the right to switch (capabilities dropped), the check
	 * on the descriptor still holds: the socket is the requester's. */
	if (as_user && fs_become(r, &sv) < 0) {
		log_debug("client data socket %s: cannot take uid %u's credentials:", esc, (unsigned)r->uid);
		as_user = 0;
	}
	rc = connect_verified(datafd, path, r->uid, &why, &opened);
	err = errno;
	if (as_user)
		fs_restore(&sv);
	if (rc < 0 && err == ENOENT && opened && access("/proc/self/fd", F_OK) < 0) {
		if (trusted && connect(datafd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		log_warn("client data socket %s: cannot reach it safely without /proc mounted "
			 "(an abstract address works)", esc);
		return -1;
	}
	if (rc < 0 && why)
		log_warn("client data socket %s %s (requester uid %u)", esc, why, (unsigned)r->uid);
	else if (rc < 0)
		log_warn("client data socket %s (requester uid %u): %s", esc, (unsigned)r->uid, strerror(err));
	return rc;
}

/* bind() with the socket file born with its final mode: no window in
 * which a looser mode, or a chmod() by path, can be exploited. */
static int bind_mode(int fd, const struct sockaddr_un *sa, mode_t mode)
{
	mode_t old = umask(~mode & 0777);
	int rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	return rc;
}

/* Give a socket file we just bound its owner and group (-1: keep).  A
 * socket's descriptor cannot do it (fchown() changes the socket, not the
 * file).  In the setgid switch directory a socket is born with the right
 * group, so usually nothing is left to do; what is left is done by
 * lchown() in a directory chain nobody else can change (dir_chain_safe),
 * so no path can redirect it. */
static int set_owner(const char *path, uid_t uid, gid_t gid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -1;
	if ((uid == (uid_t)-1 || st.st_uid == uid) && (gid == (gid_t)-1 || st.st_gid == gid))
		return 0;
	return lchown(path, uid, gid);
}

/* Our end of the data path: DIR/NNN.FD (another free name if somebody
 * squats on it), or an abstract name when the switch runs in VDE1
 * plain-socket form (no directory of its own). */
static int bind_data(int fd, int port, struct sockaddr_un *sa, uid_t uid)
{
	/* Root switch: the socket is the client's alone.  Otherwise -m and
	 * -g decide who may connect (same rule as vde2). */
	int for_client = geteuid() == 0 && uid != (uid_t)-1 && uid != 0;
	mode_t mode = for_client ? sw.mode & 0700 : sw.mode;
	struct stat st;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (sw.plain) {
		snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "vde_switch.%d.%03d.%d",
			 (int)getpid(), port & 0xffff, fd & 0xffffff);
		return bind(fd, (struct sockaddr *)sa, sizeof(*sa));
	}
	for (int k = 0; k <= SQUAT_TRIES; k++) {
		/* set_paths() left room for the longest name */
		int n = k ? snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%03d.%d.%d", sw.dir, port, fd, k)
			  : snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%03d.%d", sw.dir, port, fd);
		if (n >= (int)sizeof(sa->sun_path))
			return errno = ENAMETOOLONG, -1;
		/* NNN.FD names are the switch's (vde2's rule): whatever file
		 * is there - left by a switch that crashed, or planted - goes.
		 * Safe: the directory is ours, and make_dir() checked nobody
		 * else can rename it away; in a sticky one its owner (us) may
		 * remove anybody's entry.  A directory squatting the name
		 * stays, and we pick another name. */
		if (lstat(sa->sun_path, &st) == 0 && !S_ISDIR(st.st_mode))
			unlink(sa->sun_path);
		if (bind_mode(fd, sa, mode) == 0)
			break;
		if (errno != EADDRINUSE || k == SQUAT_TRIES)
			return -1;
	}
	if (set_owner(sa->sun_path, for_client ? uid : (uid_t)-1, sw.gid) < 0) {
		unlink(sa->sun_path);
		return -1;
	}
	return 0;
}

static uid_t peer_uid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return (uid_t)-1;
	return cred.uid;
}

/* May uid hold fd for DIR/ctl (ctl) or the console, or is it one of
 * the reserved ones?  Returns what it is reserved for, or NULL. */
static const char *fd_reserved(int fd, uid_t uid, int ctl)
{
	if (sw.fd_reserve <= 0 || fd < sw.fd_limit - sw.fd_reserve)
		return NULL;
	if (ctl && fd >= sw.fd_limit - fd_console)
		return "the management console";
	return uid == (uid_t)-1 || !port_user_exempt(uid) ? "root and the switch's owner" : NULL;
}

static void log_reserve_refusal(uid_t uid, const char *what, const char *kept_for)
{
	if (log_rate_due(&rl_reserve, now_ms()))
		log_warn("%s: uid %u refused: the file descriptors left are kept for %s (the switch "
			 "runs as uid %u)", what, (unsigned)uid, kept_for, (unsigned)geteuid());
}

static void log_quota_refusal(const struct vde_req *rq, uid_t uid)
{
	int nports, neps;

	if (!log_rate_due(&rl_quota, now_ms()))
		return;
	port_user_usage(uid, &nports, &neps);
	log_warn("refused %s (uid %u, port %u): over the user's quota: %d of %d ports "
		 "(--user-ports), %d of %d endpoints (--user-endpoints)", rq->descr, (unsigned)uid,
		 rq->kind == VDE_REQ_NEW_PORT0 ? 0 : rq->port, nports, port_user_ports(), neps,
		 port_user_endpoints());
}

/* The request is complete and valid: make the endpoint. 0 on success. */
static int accept_request(struct pending *pd, const struct vde_req *rq)
{
	uid_t uid = pd->uid;
	struct sockaddr_un mine;
	struct requester who;
	struct port *port;
	struct endpoint *ep;
	int datafd;

	port = port_for_request(rq->kind, rq->port, uid);
	if (!port && errno == EDQUOT) {
		log_quota_refusal(rq, uid);
		return -1;
	}
	if (!port) {
		log_warn("refused %s (uid %d, port %u): %s", rq->descr, (int)uid,
			 rq->kind == VDE_REQ_NEW_PORT0 ? 0 : rq->port, port_refusal(errno));
		return -1;
	}
	datafd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (datafd < 0) {
		log_err("socket:");
		return -1;
	}
	const char *kept_for = fd_reserved(datafd, uid, 1);
	if (kept_for) {
		log_reserve_refusal(uid, sw.ctl_path, kept_for);
		close(datafd);
		return -1;
	}
	if (requester_get(pd->w.fd, &who) < 0) {
		log_warn("credentials of a control client:");
		close(datafd);
		return -1;
	}
	int reached = reach_client(datafd, &rq->addr, &who);
	free(who.groups);
	if (reached < 0) {
		close(datafd);
		return -1;
	}
	if (bind_data(datafd, port->index, &mine, uid) < 0) {
		log_err("bind data socket %.108s:", mine.sun_path[0] ? mine.sun_path : mine.sun_path + 1);
		close(datafd);
		return -1;
	}
	/* Ours: vnet headers on the data socket, if the client offers them
	 * and offloads are on; said after the reply, in the same write. */
	unsigned grant = rq->ext & (sw.offload && ep_vnetbufs() ? VDE_EXT_VNET : 0);
	uint8_t reply[VDE_REPLY_LEN + sizeof(struct vde_ext)];
	size_t rlen = req_reply_build(reply, &mine, grant);
	if (send(pd->w.fd, reply, rlen, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)rlen) {
		log_warn("reply to client:");
		if (!sw.plain)
			unlink(mine.sun_path);
		close(datafd);
		return -1;
	}
	/* The control fd passes from the handshake to the endpoint. */
	int ctlfd = pd->w.fd;
	loop_del(&pd->w);
	ep = ep_sock_new(datafd, ctlfd, uid, rq->descr, sw.plain ? NULL : mine.sun_path, grant & VDE_EXT_VNET);
	if (!ep) {
		if (!sw.plain)
			unlink(mine.sun_path);
		close(datafd);
		close(ctlfd);
		return -1;
	}
	port_attach(port, ep);
	log_info("port %d: endpoint %d joined (%s)", port->index, ep->id, ep->descr);
	return 0;
}

static void pending_event(struct watch *w, uint32_t events)
{
	struct pending *pd = (struct pending *)w;
	struct vde_req rq;
	enum req_status st;
	ssize_t n;

	(void)events;
	n = recv(w->fd, pd->buf + pd->len, sizeof(pd->buf) - pd->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		log_debug("client closed during handshake");
		pending_close(pd);
		return;
	}
	pd->len += (size_t)n;
	st = req_parse(pd->buf, pd->len, &rq);
	if (st == REQ_SHORT)
		return; /* wait for the rest (or the deadline) */
	if (st != REQ_OK) {
		log_warn("bad control request (%zu bytes): %s", pd->len, req_strerror(st));
		pending_close(pd);
		return;
	}
	accept_request(pd, &rq);
	pending_close(pd); /* closes the fd unless an endpoint took it */
}

static int pending_count(uid_t uid, struct pending **oldest)
{
	int n = 0;

	*oldest = NULL;
	for (struct pending *pd = pendings; pd; pd = pd->next)
		if (pd->uid == uid || uid == (uid_t)-2) {
			n++;
			*oldest = pd; /* new ones go to the front */
		}
	return n;
}

/* Make room for a handshake from uid, evicting stalled ones if needed. */
static void pending_make_room(uid_t uid)
{
	struct pending *oldest;

	if (uid != 0 && pending_count(uid, &oldest) >= MAX_PENDING_PER_UID) {
		log_warn("uid %u has %d handshakes in progress: dropping its oldest", (unsigned)uid,
			 MAX_PENDING_PER_UID);
		pending_close(oldest);
	}
	if (npending >= MAX_PENDING && pending_count((uid_t)-2, &oldest) > 0) {
		log_warn("%d handshakes in progress: dropping the oldest", MAX_PENDING);
		pending_close(oldest);
	}
}

/* No fd left at all: give up the spare one to accept the connection
 * that waits and close it at once, so the client learns it was refused
 * (instead of waiting in the backlog) and the listener stops being
 * readable.  1: one was shed; 0 with errno: nothing waits, or no spare. */
static int shed(struct watch *w, const char *what)
{
	int why = errno, err = errno, fd;

	if (spare_fd < 0) {
		errno = err;
		return 0;
	}
	close(spare_fd);
	fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	else
		err = errno;
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errno = err;
		return 0;
	}
	if (log_rate_due(&rl_shed, now_ms()))
		log_err("accept on %s: %s: connection closed (until descriptors are free again)", what,
			strerror(why));
	return 1;
}

/* Level-triggered, a listener we cannot accept from would wake us at
 * once, again and again: stop watching it until the next tick, when
 * endpoints may have gone. */
static void pause_listener(struct watch *w, const char *what, int err)
{
	for (size_t i = 0; i < npaused; i++)
		if (paused[i] == w)
			return;
	if (npaused == ARRAY_LEN(paused))
		return; /* there are two listeners */
	if (log_rate_due(&rl_shed, now_ms()))
		log_err("accept on %s: %s; pausing new connections", what, strerror(err));
	paused[npaused++] = w;
	loop_mod(w, 0);
}

int ctlsock_accept(struct watch *w, const char *what, uid_t *uid)
{
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && shed(w, what))
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
			pause_listener(w, what, errno); /* no spare fd to shed with, or no memory */
			errno = EAGAIN;
		}
		if (fd < 0)
			return -1;
		*uid = peer_uid(fd);
		const char *kept_for = fd_reserved(fd, *uid, w == &listener);
		if (!kept_for)
			return fd;
		log_reserve_refusal(*uid, what, kept_for);
		close(fd);
	}
}

static void listener_event(struct watch *w, uint32_t events)
{
	(void)events;
	for (;;) {
		uid_t uid;
		int fd = ctlsock_accept(w, sw.ctl_path, &uid);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_err("accept on %s:", sw.ctl_path);
			return;
		}
		pending_make_room(uid);
		struct pending *pd = calloc(1, sizeof(*pd));
		if (!pd) {
			log_warn("out of memory: connection refused");
			close(fd);
			continue;
		}
		pd->uid = uid;
		pd->deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
		if (loop_add(&pd->w, fd, EPOLLIN, pending_event) < 0) {
			close(fd);
			free(pd);
			continue;
		}
		pd->next = pendings;
		pendings = pd;
		npending++;
	}
}

void ctlsock_expire(uint64_t now)
{
	struct pending *pd = pendings, *next;

	log_rate_flush(&rl_quota, now);
	log_rate_flush(&rl_reserve, now);
	log_rate_flush(&rl_shed, now);
	if (spare_fd < 0)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < npaused; i++)
		if (paused[i]->fd >= 0)
			loop_mod(paused[i], EPOLLIN);
	npaused = 0;
	for (; pd; pd = next) {
		next = pd->next;
		if (now >= pd->deadline) {
			log_warn("control client sent no complete request in %d s: closed",
				 HANDSHAKE_TIMEOUT_MS / 1000);
			pending_close(pd);
		}
	}
}

/* Is somebody answering on path?  Tells a live switch from a stale file. */
static int still_used(const char *path)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* Somebody answers with any socket type: it is in use. */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && !rc; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		rc = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (fd >= 0)
			close(fd);
	}
	return rc;
}

/* Are dir and every directory above it out of other users' reach?  Each
 * must be a directory (not a symlink) owned by root or by us, and
 * writable by nobody else unless sticky.  Then nobody else can rename
 * an entry on the way and send our later bind(), lchown() and unlink()
 * by path somewhere else, so those need no descriptor.  dir is
 * absolute and its symlinks resolved (path_settle()). */
static int dir_chain_safe(const char *dir, const char *what)
{
	char p[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p) || dir[0] != '/')
		return log_err("%s: %s is not an absolute path", what, dir), 0;
	memcpy(p, dir, n + 1);
	for (;;) {
		if (lstat(*p ? p : "/", &st) < 0)
			return log_err("%s: %s:", what, *p ? p : "/"), 0;
		if (!S_ISDIR(st.st_mode))
			return log_err("%s: %s is not a directory", what, p), 0;
		if (st.st_uid != 0 && st.st_uid != geteuid())
			return log_err("%s: %s belongs to uid %u, who could move what is below it: "
				       "choose a path only root or we control", what, *p ? p : "/",
				       (unsigned)st.st_uid), 0;
		if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
			return log_err("%s: %s is writable by others and not sticky, so they could move "
				       "what is below it: choose another path", what, *p ? p : "/"), 0;
		char *slash = strrchr(p, '/');
		if (!slash || !*p)
			return 1;
		*slash = 0;
	}
}

/* The directory part of path must be safe (above); path is settled. */
static int parent_safe(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!slash || n >= sizeof(dir))
		return log_err("%s is not an absolute path", path), 0;
	memcpy(dir, path, n);
	dir[n] = 0;
	return dir_chain_safe(dir, path);
}

/* DIR/ctl is in the way: a stale socket goes (vde2 too).  In our own
 * directory anything but a directory goes - a planted file or somebody
 * else's dead socket: the name is the switch's, the directory ours and
 * out of others' reach (make_dir), and in a sticky one its owner may
 * remove any entry.  Elsewhere (a VDE1 socket file, -M) only a dead
 * socket is removed: a regular file there may be somebody's data. */
static int clear_stale(const char *path)
{
	int own = !sw.plain && strcmp(path, sw.ctl_path) == 0;
	struct stat st;

	if (still_used(path)) {
		log_err("bind %s: another switch is running there", path);
		return -1;
	}
	if (lstat(path, &st) < 0 || S_ISDIR(st.st_mode) || (!own && !S_ISSOCK(st.st_mode))) {
		log_err("bind %s: a file that is not a socket is in the way", path);
		return -1;
	}
	if (S_ISSOCK(st.st_mode))
		log_warn("removing stale socket %s (uid %u's; nobody answers there)", path,
			 (unsigned)st.st_uid);
	else
		log_warn("removing %s: a file of uid %u in the switch directory, not a socket", path,
			 (unsigned)st.st_uid);
	if (unlink(path) < 0) {
		log_err("remove %s:", path);
		return -1;
	}
	return 0;
}

int ctlsock_bind(const char *path, int type, mode_t mode, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path too long (max %zu bytes): %s", sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	path = sa.sun_path; /* a local copy from here on */
	if (!parent_safe(path))
		return -1;
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("socket:");
		return -1;
	}
	if (bind_mode(fd, &sa, mode) < 0) {
		if (errno != EADDRINUSE) {
			log_err("bind %s:", path);
			goto fail;
		}
		if (clear_stale(path) < 0)
			goto fail;
		if (bind_mode(fd, &sa, mode) < 0) {
			log_err("bind %s:", path);
			goto fail;
		}
	}
	if (set_owner(path, (uid_t)-1, gid) < 0) {
		log_err("set permissions of %s:", path);
		unlink(path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int ctlsock_listen(const char *path, mode_t mode, gid_t gid, struct watch *w, watch_fn *fn)
{
	int fd = ctlsock_bind(path, SOCK_STREAM, mode, gid);

	if (fd < 0)
		return -1;
	if (listen(fd, 128) < 0 || loop_add(w, fd, EPOLLIN, fn) < 0) {
		log_err("listen %s:", path);
		unlink(path);
		close(fd);
		return -1;
	}
	return 0;
}

uid_t ctlsock_peer_uid(int fd) { return peer_uid(fd); }

/* vde2 directory form: make DIR (mode --dirmode), then DIR/ctl.  DIR is
 * opened with O_NOFOLLOW and checked and set through that descriptor:
 * "-s /tmp/x/" where /tmp/x is somebody's symlink is refused instead of
 * chmod()ing whatever it points to. */
static int make_dir(void)
{
	struct stat st;
	int fd, rc = -1;

	if (!parent_safe(sw.dir))
		return -1;
	if (mkdir(sw.dir, 0700) < 0 && errno != EEXIST) {
		log_err("mkdir %s:", sw.dir);
		return -1;
	}
	fd = open(sw.dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			log_err("%s is a symbolic link or not a directory: give the directory itself", sw.dir);
		else
			log_err("open %s:", sw.dir);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		log_err("stat %s:", sw.dir);
	} else if (st.st_uid != geteuid()) {
		log_err("%s belongs to uid %u, not to us: choose another -s directory",
			sw.dir, (unsigned)st.st_uid);
	} else if (still_used(sw.ctl_path)) { /* leave a live switch's files alone */
		log_err("bind %s: another switch is running there", sw.ctl_path);
	} else if ((sw.gid != (gid_t)-1 && fchown(fd, (uid_t)-1, sw.gid) < 0) ||
		   fchmod(fd, sw.dirmode) < 0) {
		log_err("set permissions of %s:", sw.dir);
	} else {
		rc = 0;
	}
	close(fd);
	return rc;
}

int ctlsock_busy(void)
{
	if (!still_used(sw.ctl_path))
		return 0;
	log_err("bind %s: another switch is running there", sw.ctl_path);
	return 1;
}

/* A switch serves many clients: take every descriptor the hard limit
 * allows, keep the last ones for root and the owner, and one spare to
 * shed connections with when even those are gone. */
static void fds_init(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_warn("getrlimit RLIMIT_NOFILE:");
		rl.rlim_cur = rl.rlim_max = 1024;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn("raise the file descriptor limit from %llu to %llu:", (unsigned long long)was,
				 (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		}
	}
	sw.fd_limit = rl.rlim_cur > INT_MAX ? INT_MAX : (int)rl.rlim_cur;
	sw.fd_reserve = sw.fd_limit / 16 > FD_RESERVE_MIN ? sw.fd_limit / 16 : FD_RESERVE_MIN;
	if (sw.fd_reserve > sw.fd_limit / 2)
		sw.fd_reserve = sw.fd_limit / 2;
	fd_console = sw.fd_reserve / 4 < FD_CONSOLE ? sw.fd_reserve / 4 : FD_CONSOLE;
	if (spare_fd < 0)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* "VDE switch started" says how many in the end (no line on a
	 * -daemon's stderr before then) */
	log_debug("file descriptors: %d%s; the last %d for root and uid %u only, %d of them for -M",
		  sw.fd_limit, rl.rlim_cur > was ? " (soft limit raised to the hard limit)" : "",
		  sw.fd_reserve, (unsigned)geteuid(), fd_console);
}

int ctlsock_init(void)
{
	fds_init();
	if (!sw.plain && make_dir() < 0)
		return -1;
	return ctlsock_listen(sw.ctl_path, sw.mode, sw.gid, &listener, listener_event);
}

void ctlsock_cleanup(void)
{
	while (pendings)
		pending_close(pendings);
	npaused = 0;
	if (spare_fd >= 0) {
		close(spare_fd);
		spare_fd = -1;
	}
	if (listener.fd >= 0) {
		int fd = listener.fd;
		loop_del(&listener);
		close(fd);
		unlink(sw.ctl_path);
		if (!sw.plain)
			rmdir(sw.dir); /* fails harmlessly if clients left files */
	}
}
