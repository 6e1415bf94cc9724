/* fakefd.c - in-memory descriptors for the switch harnesses (fakefd.h). */
#include "tests/fuzz/fakefd.h"
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* A growable list of messages: their bytes back to back, and lengths. */
struct msgs {
	uint8_t *b;
	size_t len, cap;  /* bytes */
	size_t *ml;       /* message lengths */
	size_t n, ncap;   /* messages */
	size_t head, off; /* reading: next message, and bytes of it taken (stream) */
	size_t at;        /* reading: offset of message head in b */
};

struct fake {
	int open, stream, eof, send_err, registered;
	int file;            /* a regular file (fake_open_file): file_size bytes */
	size_t file_size;
	int peer_set;        /* SO_PEERCRED: peer_uid/gid, else this process */
	uid_t peer_uid;
	gid_t peer_gid;
	size_t window;
	struct watch *w;
	uint32_t events;
	struct msgs in, out;
};

static struct fake fds[FAKE_NFD];
static int fdnum[FAKE_NFD]; /* the number each one has */
#define FDMAP 1024
static signed char slot_of_fd[FDMAP]; /* fd -> slot + 1, 0: a real fd */
static int listen_fd = -1, nowait;
static int conn[FAKE_NFD];
static size_t nconn;

static void grow(void **p, size_t *cap, size_t need, size_t unit)
{
	size_t c = *cap ? *cap : 16;

	if (need <= *cap && *p)
		return; /* (never NULL: no pointer arithmetic on NULL) */
	while (c < need)
		c *= 2;
	*p = realloc(*p, c * unit);
	FUZZ_CHECK(*p != NULL, "fakefd: out of memory");
	*cap = c;
}

static void msgs_clear(struct msgs *m) { m->len = m->n = m->head = m->off = m->at = 0; }

/* Append a message gathered from iov. */
static void msgs_addv(struct msgs *m, const struct iovec *iov, size_t niov)
{
	size_t len = 0;

	for (size_t i = 0; i < niov; i++)
		len += iov[i].iov_len;
	grow((void **)&m->b, &m->cap, m->len + len, 1);
	grow((void **)&m->ml, &m->ncap, m->n + 1, sizeof(*m->ml));
	for (size_t i = 0; i < niov; i++) {
		memcpy(m->b + m->len, iov[i].iov_base, iov[i].iov_len);
		m->len += iov[i].iov_len;
	}
	m->ml[m->n++] = len;
}

static size_t msgs_unread(const struct msgs *m) { return m->len - m->at - m->off; }

static struct fake *fake_of(int fd)
{
	return fd >= 0 && fd < FDMAP && slot_of_fd[fd] ? &fds[slot_of_fd[fd] - 1] : NULL;
}

/* Hold FAKE_NFD descriptors open for good: their numbers are ours. */
static void reserve(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	for (int i = 0; i < FAKE_NFD; i++) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		FUZZ_CHECK(fd >= 0 && fd < FDMAP, "fakefd: reserve a descriptor: %d", fd);
		fdnum[i] = fd;
		slot_of_fd[fd] = (signed char)(i + 1);
	}
}

int fake_is_fake(int fd) { return fake_of(fd) != NULL; }

int fake_is_open(int fd)
{
	struct fake *f = fake_of(fd);
	return f && f->open;
}

int fake_open(int stream)
{
	reserve();
	for (int i = 0; i < FAKE_NFD; i++)
		if (!fds[i].open) {
			struct fake *f = &fds[i];
			f->open = 1;
			f->stream = stream;
			f->eof = f->send_err = f->registered = f->peer_set = f->file = 0;
			f->window = 0;
			f->w = NULL;
			f->events = 0;
			msgs_clear(&f->in);
			msgs_clear(&f->out);
			return fdnum[i];
		}
	FUZZ_CHECK(0, "fakefd: all %d fake fds are open", FAKE_NFD);
	return -1;
}

int fake_open_file(const void *p, size_t len)
{
	int fd = fake_open(1);
	struct fake *f = fake_of(fd);

	f->file = 1;
	f->file_size = len;
	if (len)
		fake_push(fd, p, len); /* one push: a read takes all it can */
	f->eof = 1;
	return fd;
}

void fake_push(int fd, const void *p, size_t len)
{
	struct fake *f = fake_of(fd);
	struct iovec iov = { (void *)p, len };

	FUZZ_CHECK(f && f->open, "fake_push on fd %d", fd);
	if (f->in.head == f->in.n)
		msgs_clear(&f->in); /* all read: start over */
	msgs_addv(&f->in, &iov, 1);
}

size_t fake_in_pending(int fd)
{
	struct fake *f = fake_of(fd);
	return f ? msgs_unread(&f->in) : 0;
}

size_t fake_in_msgs(int fd)
{
	struct fake *f = fake_of(fd);
	return f ? f->in.n - f->in.head : 0;
}

void fake_eof(int fd)
{
	struct fake *f = fake_of(fd);
	if (f)
		f->eof = 1;
}

void fake_set_window(int fd, size_t bytes)
{
	struct fake *f = fake_of(fd);
	if (f)
		f->window = bytes;
}

void fake_set_peer(int fd, uid_t uid, gid_t gid)
{
	struct fake *f = fake_of(fd);
	if (f) {
		f->peer_set = 1;
		f->peer_uid = uid;
		f->peer_gid = gid;
	}
}

void fake_set_send_error(int fd, int err)
{
	struct fake *f = fake_of(fd);
	if (f)
		f->send_err = err;
}

size_t fake_out_count(int fd)
{
	struct fake *f = fake_of(fd);
	return f ? f->out.n : 0;
}

const uint8_t *fake_out_msg(int fd, size_t i, size_t *len)
{
	struct fake *f = fake_of(fd);
	size_t at = 0;

	FUZZ_CHECK(f && i < f->out.n, "fake_out_msg(%d, %zu)", fd, i);
	/* the harnesses read them in order: remember where the last one was */
	if (f->out.head == i)
		at = f->out.at;
	else
		for (size_t k = 0; k < i; k++)
			at += f->out.ml[k];
	f->out.head = i + 1;
	f->out.at = at + f->out.ml[i];
	*len = f->out.ml[i];
	return f->out.b + at;
}

const uint8_t *fake_out_bytes(int fd, size_t *len)
{
	struct fake *f = fake_of(fd);

	*len = f ? f->out.len : 0;
	return f ? f->out.b : NULL;
}

void fake_out_clear(int fd)
{
	struct fake *f = fake_of(fd);
	if (f)
		msgs_clear(&f->out);
}

struct watch *fake_watch(int fd, uint32_t *events)
{
	struct fake *f = fake_of(fd);

	*events = f && f->registered ? f->events : 0;
	return f && f->registered ? f->w : NULL;
}

uint32_t fake_ready(int fd)
{
	struct fake *f = fake_of(fd);
	uint32_t r = 0;

	if (!f || !f->open || !f->registered)
		return 0;
	if (msgs_unread(&f->in) > 0 || f->in.head < f->in.n || f->eof)
		r |= EPOLLIN;
	if (!f->send_err && (!f->window || f->out.len < f->window))
		r |= EPOLLOUT;
	return r & (f->events | EPOLLHUP | EPOLLERR);
}

void fake_listen_on(int fd) { listen_fd = fd; }

static struct watch **capture;
void fake_capture_add(struct watch **w) { capture = w; }

void fake_connect(int fd)
{
	FUZZ_CHECK(nconn < FAKE_NFD, "fake_connect: backlog full");
	conn[nconn++] = fd;
}

void fake_epoll_nowait(int on) { nowait = on; }

void fake_quiet_stderr(void)
{
	static int done;
	static char buf[1 << 16];
	struct stat e, n;

	if (done)
		return;
	done = 1;
	if (fstat(2, &e) == 0 && stat("/dev/null", &n) == 0 && S_ISCHR(e.st_mode) &&
	    e.st_rdev == n.st_rdev) {
		fflush(stderr);
		setvbuf(stderr, buf, _IOFBF, sizeof(buf));
	}
}

/* ---- the wrapped calls ---- */

/* How much of len a send may write now: -1 with errno if nothing. */
static ssize_t room(struct fake *f, size_t len)
{
	if (!f->open) {
		errno = EBADF;
		return -1;
	}
	if (f->send_err) {
		errno = f->send_err;
		return -1;
	}
	if (f->stream && f->window) {
		size_t free_ = f->out.len < f->window ? f->window - f->out.len : 0;
		if (free_ == 0 && len > 0) {
			errno = EAGAIN;
			return -1;
		}
		return (ssize_t)(len < free_ ? len : free_);
	}
	return (ssize_t)len;
}

static ssize_t fake_writev(struct fake *f, const struct iovec *iov, size_t niov)
{
	size_t len = 0;
	ssize_t n;

	for (size_t i = 0; i < niov; i++)
		len += iov[i].iov_len;
	if ((n = room(f, len)) < 0)
		return -1;
	if ((size_t)n == len) {
		msgs_addv(&f->out, iov, niov);
		return n;
	}
	/* a short stream write: the first n bytes */
	struct iovec cut[8];
	size_t k = 0, left = (size_t)n;
	for (size_t i = 0; i < niov && left > 0 && k < 8; i++, k++) {
		cut[k] = iov[i];
		if (cut[k].iov_len > left)
			cut[k].iov_len = left;
		left -= cut[k].iov_len;
	}
	msgs_addv(&f->out, cut, k);
	return n - (ssize_t)left;
}

/* Read into iov: a datagram (the rest of it cut off, *trunc set), or
 * stream bytes up to the end of what one fake_push gave. */
static ssize_t fake_readv(struct fake *f, const struct iovec *iov, size_t niov, int *trunc)
{
	struct msgs *m = &f->in;
	size_t cap = 0, avail, take, done = 0;

	*trunc = 0;
	if (!f->open) {
		errno = EBADF;
		return -1;
	}
	if (m->head == m->n) {
		if (f->eof)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	for (size_t i = 0; i < niov; i++)
		cap += iov[i].iov_len;
	avail = m->ml[m->head] - m->off;
	take = avail < cap ? avail : cap;
	for (size_t i = 0; i < niov && done < take; i++) {
		size_t k = take - done < iov[i].iov_len ? take - done : iov[i].iov_len;
		memcpy(iov[i].iov_base, m->b + m->at + m->off + done, k);
		done += k;
	}
	if (f->stream && take < avail) {
		m->off += take;
	} else {
		*trunc = take < avail;
		m->at += m->ml[m->head++];
		m->off = 0;
	}
	return (ssize_t)take;
}

ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	struct fake *f = fake_of(fd);
	struct iovec iov = { (void *)buf, len };

	return f ? fake_writev(f, &iov, 1) : __real_send(fd, buf, len, flags);
}

ssize_t __real_sendmsg(int fd, const struct msghdr *m, int flags);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *m, int flags);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct fake *f = fake_of(fd);

	return f ? fake_writev(f, m->msg_iov, m->msg_iovlen) : __real_sendmsg(fd, m, flags);
}

int __real_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags);
int __wrap_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags);
int __wrap_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	struct fake *f = fake_of(fd);
	unsigned int i;

	if (!f)
		return __real_sendmmsg(fd, v, n, flags);
	for (i = 0; i < n; i++) {
		ssize_t r = fake_writev(f, v[i].msg_hdr.msg_iov, v[i].msg_hdr.msg_iovlen);
		if (r < 0)
			return i ? (int)i : -1;
		v[i].msg_len = (unsigned int)r;
	}
	return (int)n;
}

ssize_t __real_write(int fd, const void *buf, size_t len);
ssize_t __wrap_write(int fd, const void *buf, size_t len);
ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
	struct fake *f = fake_of(fd);
	struct iovec iov = { (void *)buf, len };

	return f ? fake_writev(f, &iov, 1) : __real_write(fd, buf, len);
}

ssize_t __real_writev(int fd, const struct iovec *iov, int n);
ssize_t __wrap_writev(int fd, const struct iovec *iov, int n);
ssize_t __wrap_writev(int fd, const struct iovec *iov, int n)
{
	struct fake *f = fake_of(fd);

	return f ? fake_writev(f, iov, (size_t)n) : __real_writev(fd, iov, n);
}

ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	struct fake *f = fake_of(fd);
	struct iovec iov = { buf, len };
	int trunc;

	if (!f)
		return __real_recv(fd, buf, len, flags);
	size_t whole = f->in.head < f->in.n ? f->in.ml[f->in.head] - f->in.off : 0;
	ssize_t r = fake_readv(f, &iov, 1, &trunc);
	return r > 0 && trunc && (flags & MSG_TRUNC) && !f->stream ? (ssize_t)whole : r;
}

int __real_recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *t);
int __wrap_recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *t);
int __wrap_recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *t)
{
	struct fake *f = fake_of(fd);
	unsigned int i;

	if (!f)
		return __real_recvmmsg(fd, v, n, flags, t);
	for (i = 0; i < n; i++) {
		int trunc;
		ssize_t r;
		if (i > 0 && f->in.head == f->in.n)
			break; /* no more waiting (EOF only on an empty call) */
		r = fake_readv(f, v[i].msg_hdr.msg_iov, v[i].msg_hdr.msg_iovlen, &trunc);
		if (r < 0)
			return i ? (int)i : -1;
		v[i].msg_len = (unsigned int)r;
		v[i].msg_hdr.msg_flags = trunc ? MSG_TRUNC : 0;
		if (r == 0 && f->in.head == f->in.n && f->eof)
			return (int)i + 1;
	}
	return (int)i;
}

ssize_t __real_read(int fd, void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len)
{
	struct fake *f = fake_of(fd);
	struct iovec iov = { buf, len };
	int trunc;

	return f ? fake_readv(f, &iov, 1, &trunc) : __real_read(fd, buf, len);
}

int __real_close(int fd);
int __wrap_close(int fd);
int __wrap_close(int fd)
{
	struct fake *f = fake_of(fd);

	if (!f)
		return __real_close(fd);
	if (!f->open) {
		errno = EBADF;
		return -1;
	}
	f->open = f->registered = 0; /* what it wrote stays readable */
	return 0;
}

/* The peer of a fake socket is this process, as it was when the
 * harnesses connected real sockets to themselves (the console's
 * SO_PEERCRED checks, quotas and `load` with the user's rights, see the
 * user who runs the fuzzer), or who fake_set_peer says, with no
 * supplementary groups. */
int __real_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct fake *f = fake_of(fd);

	if (!f)
		return __real_getsockopt(fd, level, name, val, len);
	if (!f->open) {
		errno = EBADF;
		return -1;
	}
	if (level == SOL_SOCKET && name == SO_PEERCRED && *len >= sizeof(struct ucred)) {
		struct ucred c = { getpid(), f->peer_set ? f->peer_uid : geteuid(),
				   f->peer_set ? f->peer_gid : getegid() };
		memcpy(val, &c, sizeof(c));
		*len = sizeof(c);
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_PEERGROUPS) {
		int n = f->peer_set ? 0 : getgroups(0, NULL);
		if (n < 0)
			return -1;
		if ((size_t)n * sizeof(gid_t) > *len) {
			*len = (socklen_t)((size_t)n * sizeof(gid_t));
			errno = ERANGE;
			return -1;
		}
		n = n ? getgroups(n, val) : 0;
		if (n < 0)
			return -1;
		*len = (socklen_t)((size_t)n * sizeof(gid_t));
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_TYPE && *len >= sizeof(int)) {
		int t = f->stream ? SOCK_STREAM : SOCK_DGRAM;
		memcpy(val, &t, sizeof(t));
		*len = sizeof(t);
		return 0;
	}
	errno = ENOPROTOOPT;
	return -1;
}

/* A fake socket, or a fake file; mode and size are all `load` checks. */
int __real_fstat(int fd, struct stat *st);
int __wrap_fstat(int fd, struct stat *st);
int __wrap_fstat(int fd, struct stat *st)
{
	struct fake *f = fake_of(fd);

	if (!f)
		return __real_fstat(fd, st);
	if (!f->open) {
		errno = EBADF;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = f->file ? S_IFREG | 0644 : S_IFSOCK | 0777;
	st->st_size = f->file ? (off_t)f->file_size : 0;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

int __real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct fake *f = fake_of(fd);

	if (!f) {
		if (capture && op == EPOLL_CTL_ADD) {
			*capture = ev->data.ptr;
			capture = NULL;
		}
		return __real_epoll_ctl(epfd, op, fd, ev);
	}
	if (!f->open) {
		errno = EBADF;
		return -1;
	}
	if ((op == EPOLL_CTL_ADD) == f->registered) {
		errno = f->registered ? EEXIST : ENOENT;
		return -1;
	}
	if (op == EPOLL_CTL_DEL) {
		f->registered = 0;
		return 0;
	}
	f->registered = 1;
	f->w = ev->data.ptr;
	f->events = ev->events;
	return 0;
}

int __real_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout);
int __wrap_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout);
int __wrap_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	return nowait ? 0 : __real_epoll_wait(epfd, evs, max, timeout);
}

int __real_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int __wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int __wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	if (fd != listen_fd || listen_fd < 0)
		return __real_accept4(fd, sa, len, flags);
	if (nconn == 0) {
		errno = EAGAIN;
		return -1;
	}
	int c = conn[0];
	memmove(conn, conn + 1, --nconn * sizeof(conn[0]));
	return c;
}
