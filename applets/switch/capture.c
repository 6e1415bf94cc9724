/* capture.c - the switch's live capture (capture.h).
 *
 * The capture is an observer (observe.h) on each port it records, both
 * directions: a frame a port receives is recorded as inbound on that
 * port's interface, a frame chosen for a port as outbound on its own,
 * so a frame switched from port 1 to ports 2 and 3 appears three times,
 * once per port and direction, never twice for one.  Each port is one
 * pcapng interface named "port N", described when its first frame
 * comes.  Ports made after the start (a client connecting) are
 * subscribed on the next tick (within 0.5 s).
 *
 * Output: records are written as soon as the event loop has handled the
 * batch of frames they came in (EPOLLOUT on the pipe or socket: one
 * write for the batch, not one per record; a regular file gets each at
 * once); while the fd takes no more (EAGAIN) records wait in the
 * writer's bounded buffer, and when that is full they are dropped whole
 * and counted (capture/print).  A reader that goes away (EPOLLERR on a pipe,
 * EPIPE) ends the capture, logged. */
#include "capture.h"
#include "observe.h"
#include "port.h"
#include "sw.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct capture {
	struct observer obs;
	struct watch w;        /* the output, when epoll can wait on it */
	int polled;            /* w is in the loop */
	int waiting;           /* EPOLLOUT asked for */
	struct pcap_out out;
	char *name;            /* for messages, made printable */
	int all;               /* every port, also later ones */
	unsigned char *want;   /* else these (indexes 0..nwant-1) */
	int nwant;
	int *ifid;             /* port index -> pcapng interface, -1: none yet */
	int nifid;
	uint64_t count;        /* stop after this many frames, 0: never */
	int draining;          /* count reached: write what waits, then stop */
};

static struct capture *cap;

static void finish(struct capture *c, const char *why);

int capture_create(const char *path, mode_t mode, int *fd)
{
	/* O_EXCL: an existing name, a symlink included (dangling or not),
	 * is refused, so nobody's file is truncated or reached by a link */
	int f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		     mode & 0666);
	if (f < 0)
		return errno;
	if (fchmod(f, mode & 0666) < 0) { /* the umask is not ours to apply */
		int err = errno;
		close(f);
		unlink(path);
		return err;
	}
	*fd = f;
	return 0;
}

static int wanted(const struct capture *c, int index)
{
	return c->all || (index < c->nwant && c->want[index]);
}

/* Every port, also those made later (observe_all): a capture of chosen
 * ports skips the others' frames in on_frame, so a chosen port that
 * does not exist yet is recorded from its first frame too. */
static void subscribe(struct capture *c)
{
	if (observe_all(&c->obs, OBS_BOTH) < 0)
		log_warn("capture %s: some ports not recorded: out of memory", c->name);
}

/* The interface of port index: described on first use; -1 when the
 * buffer has no room for its description now. */
static int ifid_for(struct capture *c, int index)
{
	char name[32];

	if (index >= c->nifid) {
		int n = index + 1 > sw.numports + 1 ? index + 1 : sw.numports + 1;
		int *m = realloc(c->ifid, (size_t)n * sizeof(*m));
		if (!m)
			return -1;
		for (int i = c->nifid; i < n; i++)
			m[i] = -1;
		c->ifid = m;
		c->nifid = n;
	}
	if (c->ifid[index] < 0) {
		snprintf(name, sizeof(name), "port %d", index);
		c->ifid[index] = pcap_add_if(&c->out, name);
	}
	return c->ifid[index];
}

/* Write what waits; a reader gone ends the capture (which frees c). */
static void push(struct capture *c)
{
	int r = pcap_flush(&c->out);

	if (r < 0) {
		char why[128];
		snprintf(why, sizeof(why), "write: %s", errno == EPIPE ? "the reader went away" : strerror(errno));
		finish(c, why);
	} else if (r == 1 && c->polled && !c->waiting) {
		c->waiting = 1;
		loop_mod(&c->w, EPOLLOUT);
	} else if (r == 0 && c->draining) {
		finish(c, "frame count reached");
	}
}

static void on_frame(struct observer *o, struct port *p, int dir, const uint8_t *f, size_t len,
		     const struct vnet_hdr *vh)
{
	struct capture *c = (struct capture *)((char *)o - offsetof(struct capture, obs));
	struct timespec ts;
	int id;

	(void)vh; /* a tap's super-frame is recorded as it is, as tcpdump on the tap sees it */
	if (c->draining || !wanted(c, p->index))
		return;
	if ((id = ifid_for(c, p->index)) < 0) {
		pcap_drop(&c->out, len);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (pcap_record(&c->out, id, dir == OBS_IN ? PCAP_DIR_IN : PCAP_DIR_OUT, &ts, f, len) == 0 && c->count &&
	    c->out.frames >= c->count)
		c->draining = 1;
	if (c->waiting)
		return;
	if (c->polled) { /* written once the loop has handled this batch of frames */
		c->waiting = 1;
		loop_mod(&c->w, EPOLLOUT);
	} else {
		push(c); /* may end the capture: c is not used after this */
	}
}

static void out_event(struct watch *w, uint32_t events)
{
	struct capture *c = (struct capture *)((char *)w - offsetof(struct capture, w));

	if (events & (EPOLLERR | EPOLLHUP)) {
		finish(c, "the reader went away");
		return;
	}
	c->waiting = 0;
	loop_mod(&c->w, 0);
	push(c);
}

/* Can epoll wait on fd?  Not on a regular file or /dev/null: writes
 * there never wait anyway. */
static int pollable(int fd, const struct stat *st)
{
	return S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode) || (S_ISCHR(st->st_mode) && isatty(fd));
}

static void capture_free(struct capture *c)
{
	observe_forget(&c->obs);
	if (c->polled)
		loop_del(&c->w);
	if (c->out.fd >= 0)
		close(c->out.fd);
	pcap_free(&c->out);
	free(c->name);
	free(c->want);
	free(c->ifid);
	if (cap == c)
		cap = NULL;
	loop_defer_free(c); /* an event later in this batch may name c->w */
}

static void finish(struct capture *c, const char *why)
{
	log_info("capture to %s stopped (%s): %llu frames, %llu dropped", c->name, why,
		 (unsigned long long)c->out.frames, (unsigned long long)c->out.dropped);
	capture_free(c);
}

static int check_ports(const struct capture_opts *o)
{
	for (int i = 0; i < o->nports; i++)
		if (o->ports[i] < 0 || o->ports[i] > sw.numports)
			return ENXIO;
	return 0;
}

static struct capture *capture_new(int fd, const char *name, const struct capture_opts *o)
{
	struct capture *c = calloc(1, sizeof(*c));
	char esc[LOG_ESC_SIZE(256)];

	if (!c)
		return NULL;
	c->obs.fn = on_frame;
	c->w.fd = -1;
	c->out.fd = -1;
	c->all = o->ports == NULL;
	c->count = o->count;
	if (!(c->name = strdup(log_esc(esc, sizeof(esc), name, strlen(name)))))
		goto fail;
	if (!c->all) {
		c->nwant = sw.numports + 1;
		if (!(c->want = calloc((size_t)c->nwant, 1)))
			goto fail;
		for (int i = 0; i < o->nports; i++)
			c->want[o->ports[i]] = 1;
	}
	if (pcap_init(&c->out, fd, o->format, o->snaplen, PCAP_BUF_DEFAULT) < 0)
		goto fail;
	return c;
fail:
	free(c->name);
	free(c->want);
	free(c);
	return NULL;
}

int capture_start(int fd, const char *name, const struct capture_opts *o)
{
	struct capture *c = NULL;
	struct stat st;
	int fl = fcntl(fd, F_GETFL), err = 0;

	if (cap)
		err = EBUSY;
	else if ((err = check_ports(o)))
		;
	else if (o->snaplen < 1 || o->snaplen > PCAP_SNAPLEN_MAX)
		err = EINVAL;
	else if (fl < 0 || fstat(fd, &st) < 0 || (fl & O_ACCMODE) == O_RDONLY)
		err = EBADF; /* not open for writing */
	else if (S_ISDIR(st.st_mode))
		err = EISDIR;
	else if (!(c = capture_new(fd, name, o)))
		err = ENOMEM;
	if (err) {
		close(fd);
		return err;
	}
	set_nonblock(fd); /* a pipe or socket: a slow reader must not stop the switch */
	c->polled = pollable(fd, &st) && loop_add(&c->w, fd, 0, out_event) == 0;
	cap = c;
	subscribe(c);
	log_info("capture to %s: %s, snaplen %u, %s", c->name, o->format == PCAP_NG ? "pcapng" : "pcap",
		 (unsigned)o->snaplen, c->all ? "all ports" : "chosen ports");
	push(c); /* the header, at once */
	return 0;
}

int capture_stop(void)
{
	if (!cap)
		return ENOENT;
	pcap_flush(&cap->out); /* what the reader takes now; the rest is lost */
	finish(cap, "capture/stop");
	return 0;
}

int capture_running(void) { return cap != NULL; }

int capture_stats(struct capture_stats *st)
{
	if (!cap)
		return -1;
	*st = (struct capture_stats){
		.name = cap->name,
		.format = cap->out.format,
		.snaplen = cap->out.snaplen,
		.all = cap->all,
		.frames = cap->out.frames,
		.bytes = cap->out.bytes,
		.dropped = cap->out.dropped,
		.dropped_bytes = cap->out.dropped_bytes,
		.count = cap->count,
		.waiting = pcap_pending(&cap->out),
	};
	return 0;
}

int capture_has_port(int n) { return cap && n >= 0 && wanted(cap, n); }

void capture_cleanup(void)
{
	if (cap)
		capture_stop();
}
