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
 */
#include "switch.h"
#include "common/log.h"
#include "common/request.h"
#include "common/util.h"

#include <errno.h>
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

struct pending {
	struct watch w;
	struct pending *next;
	uid_t uid;
	uint64_t deadline;
	size_t len;
	uint8_t buf[VDE_REQ_MAX];
};

static struct watch listener = { .fd = -1 };
static int listener_paused; /* out of fds: resume on the next tick */
static struct pending *pendings;
static int npending;
static uint64_t start_ms;

uint32_t sw_clock;

uint32_t sw_now(void) { return sw_clock = (uint32_t)((now_ms() - start_ms) / 1000); }

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
	case ERANGE: return "port out of range (raise -n/--numports)";
	case ENOSPC: return "no free port (raise -n/--numports)";
	case EADDRINUSE: return "port in use by another user";
	case EPERM: return "not permitted by the port's access control";
	default: return strerror(err);
	}
}

/* A filesystem client address must be a socket its requester owns:
 * otherwise a local user could make a root switch send frames into any
 * socket on the machine.  Abstract names are anybody's to reach. */
static int client_addr_ok(const struct sockaddr_un *sa, uid_t uid)
{
	char path[sizeof(sa->sun_path) + 1];
	struct stat st;

	if (sa->sun_path[0] == 0)
		return 1;
	memcpy(path, sa->sun_path, sizeof(sa->sun_path));
	path[sizeof(sa->sun_path)] = 0;
	if (lstat(path, &st) < 0) {
		log_warn("client data socket %s:", path);
		return 0;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warn("client data socket %s is not a socket", path);
		return 0;
	}
	if (uid != 0 && st.st_uid != uid) {
		log_warn("client data socket %s belongs to uid %u, not to the requester (uid %u)",
			 path, (unsigned)st.st_uid, (unsigned)uid);
		return 0;
	}
	return 1;
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
		/* a socket left by a switch that crashed here is ours to reuse */
		if (lstat(sa->sun_path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == geteuid())
			unlink(sa->sun_path);
		if (bind_mode(fd, sa, mode) == 0)
			break;
		if (errno != EADDRINUSE || k == SQUAT_TRIES)
			return -1;
	}
	/* lchown: never follow a link somebody slipped in */
	if ((for_client || sw.gid != (gid_t)-1) &&
	    lchown(sa->sun_path, for_client ? uid : (uid_t)-1, sw.gid) < 0) {
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

/* The request is complete and valid: make the endpoint. 0 on success. */
static int accept_request(struct pending *pd, const struct vde_req *rq)
{
	uid_t uid = pd->uid;
	struct sockaddr_un mine;
	struct port *port;
	struct endpoint *ep;
	int datafd;

	if (!client_addr_ok(&rq->addr, uid))
		return -1;
	port = port_for_request(rq->kind, rq->port, uid);
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
	if (connect(datafd, (const struct sockaddr *)&rq->addr, sizeof(rq->addr)) < 0) {
		log_warn("connect to client data socket %.108s%s:",
			 rq->addr.sun_path[0] ? rq->addr.sun_path : "(abstract)", "");
		close(datafd);
		return -1;
	}
	if (bind_data(datafd, port->index, &mine, uid) < 0) {
		log_err("bind data socket %.108s:", mine.sun_path[0] ? mine.sun_path : mine.sun_path + 1);
		close(datafd);
		return -1;
	}
	if (send(pd->w.fd, &mine, sizeof(mine), MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(mine)) {
		log_warn("reply to client:");
		if (!sw.plain)
			unlink(mine.sun_path);
		close(datafd);
		return -1;
	}
	/* The control fd passes from the handshake to the endpoint. */
	int ctlfd = pd->w.fd;
	loop_del(&pd->w);
	ep = ep_new(EP_UNIX, datafd, ctlfd, uid, rq->descr, sw.plain ? NULL : mine.sun_path);
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

static void accept_failed(struct watch *w)
{
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
		/* Level-triggered: retrying now would spin.  Pause until the
		 * next tick, when endpoints may have gone. */
		if (!listener_paused)
			log_err("accept on %s: %s; pausing new connections", sw.ctl_path, strerror(errno));
		listener_paused = 1;
		loop_mod(w, 0);
	} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
		log_err("accept on %s:", sw.ctl_path);
	}
}

static void listener_event(struct watch *w, uint32_t events)
{
	(void)events;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			accept_failed(w);
			return;
		}
		uid_t uid = peer_uid(fd);
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

	sw_now(); /* refresh sw_clock for the frame path */
	if (listener_paused && listener.fd >= 0) {
		listener_paused = 0;
		loop_mod(&listener, EPOLLIN);
	}
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
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	rc = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return rc;
}

int ctlsock_listen(const char *path, mode_t mode, gid_t gid, struct watch *w, watch_fn *fn)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path too long (max %zu bytes): %s", sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	path = sa.sun_path; /* a local copy from here on */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("socket:");
		return -1;
	}
	if (bind_mode(fd, &sa, mode) < 0) {
		struct stat st;
		if (errno != EADDRINUSE) {
			log_err("bind %s:", path);
			goto fail;
		}
		if (still_used(path)) {
			log_err("bind %s: another switch is running there", path);
			goto fail;
		}
		if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			log_err("bind %s: a file that is not a socket is in the way", path);
			goto fail;
		}
		log_warn("removing stale socket %s (its switch is gone)", path);
		unlink(path);
		if (bind_mode(fd, &sa, mode) < 0) {
			log_err("bind %s:", path);
			goto fail;
		}
	}
	if (gid != (gid_t)-1 && lchown(path, (uid_t)-1, gid) < 0) {
		log_err("set permissions of %s:", path);
		unlink(path);
		goto fail;
	}
	if (listen(fd, 128) < 0 || loop_add(w, fd, EPOLLIN, fn) < 0) {
		log_err("listen %s:", path);
		unlink(path);
		goto fail;
	}
	return 0;
fail:
	close(fd);
	return -1;
}

/* vde2 directory form: make DIR (mode --dirmode), then DIR/ctl. */
static int make_dir(void)
{
	struct stat st;

	if (mkdir(sw.dir, 0700) < 0 && errno != EEXIST) {
		log_err("mkdir %s:", sw.dir);
		return -1;
	}
	if (lstat(sw.dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_err("%s is not a directory", sw.dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		log_err("%s belongs to uid %u, not to us: choose another -s directory",
			sw.dir, (unsigned)st.st_uid);
		return -1;
	}
	if (still_used(sw.ctl_path)) { /* leave a live switch's files alone */
		log_err("bind %s: another switch is running there", sw.ctl_path);
		return -1;
	}
	if ((sw.gid != (gid_t)-1 && chown(sw.dir, (uid_t)-1, sw.gid) < 0) ||
	    chmod(sw.dir, sw.dirmode) < 0) {
		log_err("set permissions of %s:", sw.dir);
		return -1;
	}
	return 0;
}

int ctlsock_init(void)
{
	start_ms = now_ms();
	if (!sw.plain && make_dir() < 0)
		return -1;
	return ctlsock_listen(sw.ctl_path, sw.mode, sw.gid, &listener, listener_event);
}

void ctlsock_cleanup(void)
{
	while (pendings)
		pending_close(pendings);
	if (listener.fd >= 0) {
		int fd = listener.fd;
		loop_del(&listener);
		close(fd);
		unlink(sw.ctl_path);
		if (!sw.plain)
			rmdir(sw.dir); /* fails harmlessly if clients left files */
	}
}
