/* vep_stream.c - frames on a byte stream: 2-byte big-endian length, then
 * the frame (spec §4), on stdin/stdout (stdio://) or a command's pipes
 * (cmd://, "= CMD").
 *
 * Output goes through a bounded buffer: when the reader is slow, send
 * takes fewer frames and the joiner stops reading the other side, so a
 * cable of two plugs back to back can never deadlock with both blocked
 * writing, and memory never grows.  Input is read in chunks and
 * deframed a batch at a time; what is left waits for the next recv. */
#include "vep.h"
#include "log.h"
#include "stream.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PIPE_SIZE (1 << 20)  /* deep pipes: fewer wakeups per frame */

int vep_stream_setup(struct vep *e, int fd_in, int fd_out, const char *in_name,
		     const char *out_name, pid_t child, int own_fds)
{
	struct vep_stream *s = e->priv;

	s->in_name = in_name;
	s->out_name = out_name;
	s->child = child;
	s->own_fds = own_fds;
	e->fd_in = fd_in;
	e->fd_out = fd_out;
	e->maxsend = VDE_FRAME_MAX;
	stream_dec_init(&s->dec, VDE_STREAM_MAX);
	s->out_hdrlen = VDE_STREAM_HDR;
	fcntl(fd_in, F_SETPIPE_SZ, PIPE_SIZE);
	fcntl(fd_out, F_SETPIPE_SZ, PIPE_SIZE);
	s->out_flags = fcntl(fd_out, F_GETFL);
	if (s->out_flags < 0 || set_nonblock(fd_out) < 0) {
		log_err("make %s non-blocking:", out_name);
		return -1;
	}
	return 0;
}

/* Garbage would otherwise give one line per read: say it once a second,
 * with a running count. */
static void report_bad_length(struct vep_stream *s)
{
	uint64_t now = now_ms();

	if (s->err_shown_at && now - s->err_last < 1000)
		return;
	log_err("%s: frame length above %d bytes, not a VDE stream? "
		"dropped the rest of this read (%lu bad length%s so far)", s->in_name,
		VDE_STREAM_MAX, s->dec.errors, s->dec.errors == 1 ? "" : "s");
	s->err_shown_at = s->dec.errors;
	s->err_last = now;
}

/* QEMU framing lets a too-long frame be stepped over; say so once a
 * second: a guest whose MTU is too large otherwise loses them unseen. */
static void report_skipped(struct vep *e, struct vep_stream *s)
{
	uint64_t now = now_ms();

	e->dropped += s->dec.errors - s->skipped_seen;
	s->skipped_seen = s->dec.errors;
	if (s->err_shown_at && now - s->err_last < 1000)
		return;
	log_warn("%s: a frame longer than %d bytes dropped (%lu so far): guest MTU too large? "
		 "(passt: --mtu 1500)", s->in_name, VDE_STREAM_MAX, s->dec.errors);
	s->err_shown_at = s->dec.errors;
	s->err_last = now;
}

/* ---- offloaded frames in band (stream.h) ---- */

/* A negotiation record, after what is already buffered: the room past
 * VEP_STREAM_OUT is kept for them. */
static void put_ctl(struct vep_stream *s, const uint8_t *rec, size_t len)
{
	if (s->out_off + s->out_len + len > sizeof(s->out)) {
		memmove(s->out, s->out + s->out_off, s->out_len);
		s->out_off = 0;
	}
	if (s->out_len + len > sizeof(s->out))
		return; /* cannot be: at most 4 of them, 16 bytes, ever */
	memcpy(s->out + s->out_off + s->out_len, rec, len);
	s->out_len += len;
}

void vep_stream_offer(struct vep *e)
{
	static const uint8_t offer[2 * STREAM_OFFER_EMPTIES];
	struct vep_stream *s = e->priv;

	if (s->out_hdrlen != VDE_STREAM_HDR || s->dec.offered)
		return; /* QEMU's framing has no room for it */
	s->dec.offered = 1;
	put_ctl(s, offer, sizeof(offer));
}

void vep_stream_vnet_out(struct vep *e)
{
	static const uint8_t sw[2] = { STREAM_SWITCH >> 8, STREAM_SWITCH & 0xff };
	struct vep_stream *s = e->priv;

	if (!e->vnet_out_ready || e->vnet_out)
		return;
	put_ctl(s, sw, sizeof(sw));
	e->vnet_out = 1;
	e->vnet_out_ready = 0;
	e->maxsend = STREAM_VNET_MAX;
	s->out_hdrlen = STREAM_HDR_QEMU;
	log_debug("%s: sending offloaded frames", s->out_name);
}

/* What the deframer saw of the peer's side of the agreement. */
static void negotiate(struct vep *e, struct vep_stream *s)
{
	static const uint8_t probe[2] = { STREAM_PROBE >> 8, STREAM_PROBE & 0xff };
	static const uint8_t confirm[2 + STREAM_CONFIRM_LEN] = { 0, STREAM_CONFIRM_LEN, 'v', 'd', 'e', 'x' };
	unsigned ev = s->dec.events;

	s->dec.events = 0;
	if ((ev & STREAM_EV_OFFER) && s->dec.offered && !s->probed) {
		/* A write of its own where we can: a relay that rejects it
		 * (vde2's wirefilter) drops the rest of the read it came in */
		if (vep_stream_flush(e) == 0) {
			put_ctl(s, probe, sizeof(probe));
			vep_stream_flush(e);
		}
		s->probed = 1;
	}
	if ((ev & STREAM_EV_PROBE) && !s->confirmed) { /* once: no echo of a flood */
		put_ctl(s, confirm, sizeof(confirm));
		s->confirmed = 1;
	}
	if (ev & STREAM_EV_SWITCH) {
		e->vnet_in = 1;
		log_debug("%s: receiving offloaded frames", s->in_name);
	}
}

/* The peer's CONFIRM: a record no Ethernet frame can be. */
static int is_confirm(const struct vep_stream *s, const uint8_t *rec, size_t len)
{
	return len == STREAM_CONFIRM_LEN && s->probed && !s->dec.vnet &&
	       memcmp(rec, STREAM_CONFIRM, STREAM_CONFIRM_LEN) == 0;
}

static void got_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct vep *e = ctx;
	struct vep_stream *s = e->priv;

	if (is_confirm(s, frame, len)) {
		if (!e->vnet_out)
			e->vnet_out_ready = 1;
		return;
	}
	if (s->dec.vnet && len >= sizeof(struct vnet_hdr))
		vnet_hdr_wire((uint8_t *)frame); /* ours: in[] or the decoder's buffer */

	/* Points into in[] or the decoder's buffer: both stay put until the
	 * next recv, and the decoder's is only reused by a later frame, which
	 * is never in the same batch (it stops after a frame it assembled). */
	s->rv[s->rn++] = (struct iovec){ (void *)frame, len };
}

int vep_stream_recv(struct vep *e, struct iovec *v, int n)
{
	struct vep_stream *s = e->priv;

	if (s->in_off == s->in_len) {
		ssize_t r = read(e->fd_in, s->in, sizeof(s->in));
		if (r == 0) {
			log_debug("%s: end of stream", s->in_name);
			return vep_end(e, 0);
		}
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ECONNRESET) { /* a socket's peer went away */
				log_debug("%s: reset by the peer", s->in_name);
				return vep_end(e, 0);
			}
			log_err("read %s:", s->in_name);
			return vep_end(e, 1);
		}
		s->in_off = 0;
		s->in_len = (size_t)r;
	}
	s->rv = v;
	s->rn = 0;
	s->rmax = n;
	while (s->rn < n && s->in_off < s->in_len) {
		int bad = 0;
		int before = s->rn;
		size_t used = stream_dec_step(&s->dec, s->in + s->in_off, s->in_len - s->in_off,
					      got_frame, e, &bad);
		s->in_off += used;
		if (s->dec.events) {
			int switched = (s->dec.events & STREAM_EV_SWITCH) != 0;
			negotiate(e, s);
			if (switched) /* the rest is vnet records: a batch of its own */
				break;
		}
		if (bad && s->dec.vnet) {
			log_err("%s: bad offloaded frame length: closing it", s->in_name);
			return vep_end(e, 1);
		}
		if (bad && s->end_on_bad) { /* no way to find the next frame */
			log_err("%s: frame length above %d bytes: not a QEMU stream; closing it",
				s->in_name, STREAM_QEMU_LIMIT);
			return vep_end(e, 1);
		}
		if (bad) { /* the vde2 rule: drop the rest of this read */
			report_bad_length(s);
			s->in_off = s->in_len;
		}
		if (s->end_on_bad && s->dec.errors != s->skipped_seen) /* QEMU frames too long for us */
			report_skipped(e, s);
		/* A frame assembled in the decoder's buffer ends the batch:
		 * the next one would overwrite it. */
		if (s->rn > before && v[s->rn - 1].iov_base == (void *)(s->dec.buf + s->dec.hdrlen))
			break;
	}
	e->in_buffered = s->in_off < s->in_len;
	if (s->out_len > 0 && vep_stream_flush(e) < 0) /* the negotiation's answers */
		return -1;
	return s->rn;
}

int vep_stream_flush(struct vep *e)
{
	struct vep_stream *s = e->priv;

	while (s->out_len > 0) {
		ssize_t n = write(e->fd_out, s->out + s->out_off, s->out_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EPIPE || errno == ECONNRESET) {
				log_debug("%s closed by its reader", s->out_name);
				return vep_end(e, 0);
			}
			log_err("write %s:", s->out_name);
			return vep_end(e, 1);
		}
		s->out_off += (size_t)n;
		s->out_len -= (size_t)n;
	}
	s->out_off = 0;
	return 0;
}

/* One record of the concatenated parts into the output buffer: 1, or 0
 * when there is no room for it now. */
static int put_record(struct vep *e, struct vep_stream *s, const struct iovec *parts, int n)
{
	size_t hdr = s->out_hdrlen, len = 0;

	for (int i = 0; i < n; i++)
		len += parts[i].iov_len;
	if (s->out_off + s->out_len + hdr + len > VEP_STREAM_OUT && s->out_off > 0) {
		memmove(s->out, s->out + s->out_off, s->out_len);
		s->out_off = 0;
	}
	if (s->out_len + hdr + len > VEP_STREAM_OUT)
		return 0;
	uint8_t *dst = s->out + s->out_off + s->out_len, *rec = dst + hdr;
	stream_hdr_n(dst, hdr, len);
	for (int i = 0; i < n; rec += parts[i].iov_len, i++)
		memcpy(rec, parts[i].iov_base, parts[i].iov_len);
	if (e->vnet_out && len >= sizeof(struct vnet_hdr))
		vnet_hdr_wire(dst + hdr);
	s->out_len += hdr + len;
	return 1;
}

/* nrec records of k parts each (parts[r * k] to parts[r * k + k - 1])
 * into the buffer while it has room, then written: the records taken,
 * or -1 when the stream ended. */
static int send_records(struct vep *e, const struct iovec *parts, int nrec, int k)
{
	struct vep_stream *s = e->priv;
	int done = 0;

	while (done < nrec && put_record(e, s, parts + done * k, k))
		done++;
	if (vep_stream_flush(e) < 0)
		return -1;
	return done;
}

int vep_stream_send(struct vep *e, const struct iovec *v, int n) { return send_records(e, v, n, 1); }

int vep_stream_send_records(struct vep *e, const struct iovec (*two)[2], int n)
{
	return send_records(e, &two[0][0], n, 2);
}

int vep_stream_send_record(struct vep *e, const struct iovec *parts, int n)
{
	return send_records(e, parts, 1, n);
}

int vep_stream_wants_out(const struct vep *e)
{
	const struct vep_stream *s = e->priv;

	return s->out_len > 0;
}

/* Wait for a child asked to go, at most half a second (a switch must
 * not hang on a command that ignores SIGTERM), then SIGKILL. */
static void reap_bounded(pid_t child)
{
	for (int i = 0; i < 50; i++) {
		pid_t r = waitpid(child, NULL, WNOHANG);
		if (r == child || (r < 0 && errno != EINTR))
			return;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(child, SIGKILL);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
}


void vep_stream_close(struct vep *e)
{
	struct vep_stream *s = e->priv;

	if (s->out_flags >= 0 && e->fd_out >= 0)
		fcntl(e->fd_out, F_SETFL, s->out_flags);
	if (s->own_fds) {
		if (e->fd_in >= 0)
			close(e->fd_in);
		if (e->fd_out >= 0 && e->fd_out != e->fd_in)
			close(e->fd_out);
	}
	if (s->child > 0) {
		/* Its stdin is closed now; a command that ignores that is
		 * asked to go. */
		if (s->child_group) /* the shell's children too (sh -c "a; b") */
			kill(-s->child, SIGTERM);
		if (waitpid(s->child, NULL, WNOHANG) == 0) {
			kill(s->child, SIGTERM);
			reap_bounded(s->child);
		}
	}
}

/* ---- stdio://: our own stdin and stdout ---- */

static int stdio_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	if (*v->addr || v->nopt) {
		log_err("%s: stdio:// takes no address or options", e->name);
		return -1;
	}
	if (vep_stream_setup(e, STDIN_FILENO, STDOUT_FILENO, "stdin", "stdout", 0, 0) < 0)
		return -1;
	if (a && (a->ext & VDE_EXT_VNET))
		vep_stream_offer(e);
	return 0;
}

const struct vep_kind vep_kind_stdio = {
	.scheme = "stdio",
	.help = "stdio://                 stdin/stdout, 2-byte length + frame (the default)",
	.flags = VEP_STREAM | VEP_ONCE | VEP_VNET,
	.priv_size = sizeof(struct vep_stream),
	.open = stdio_open,
	.recv = vep_stream_recv,
	.send = vep_stream_send,
	.flush = vep_stream_flush,
	.wants_out = vep_stream_wants_out,
	.close = vep_stream_close,
};

/* A stream on two fds we were given and do not own (dpipe's ALTERNATE
 * fds for the middle command of a chain, stdin/stdout). */
int vep_stream_fds(int fd_in, int fd_out, const char *in_name, const char *out_name,
		   struct vep **out)
{
	struct vep *e = calloc(1, sizeof(*e));

	if (!e || !(e->priv = calloc(1, sizeof(struct vep_stream)))) {
		free(e);
		log_err("out of memory");
		return -1;
	}
	e->kind = &vep_kind_stdio;
	e->fd_in = e->fd_out = e->fd_ctl = -1;
	snprintf(e->name, sizeof(e->name), "%s/%s", in_name, out_name);
	if (vep_stream_setup(e, fd_in, fd_out, in_name, out_name, 0, 0) < 0) {
		free(e->priv);
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}
