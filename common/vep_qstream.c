/* vep_qstream.c - stream://PATH or stream://HOST:PORT: QEMU's stream
 * framing (a 4-byte big-endian length, then the frame) on a connection
 * we make: QEMU's -netdev stream/socket servers, passt's socket, libvirt.
 * The connect does not block: a refused or unreachable peer shows as the
 * end of the endpoint (a switch port then tries again with backoff). */
#include "vep.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int framing(struct vep *e, int fd, const char *name)
{
	struct vep_stream *s = e->priv;

	if (vep_stream_setup(e, fd, fd, name, name, 0, 1) < 0)
		return -1;
	stream_dec_init_hdr(&s->dec, VDE_STREAM_MAX, STREAM_HDR_QEMU);
	s->out_hdrlen = STREAM_HDR_QEMU;
	s->end_on_bad = 1;
	return 0;
}

static int qstream_check(const char *name, const struct vnl *v)
{
	struct netaddr na;
	char err[160];

	if (v->nopt || netaddr_parse(v->addr, SOCK_STREAM, 0, &na, err, sizeof(err)) < 0) {
		log_err("%s: %s", name, v->nopt ? "stream:// takes no options" : err);
		return -1;
	}
	return 0;
}

static int qstream_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	struct netaddr na;
	char err[160];
	int fd, one = 1;

	(void)a;
	if (v->nopt) {
		log_err("%s: stream:// takes no options", e->name);
		return -1;
	}
	if (netaddr_parse(v->addr, SOCK_STREAM, 0, &na, err, sizeof(err)) < 0) {
		log_err("%s: %s", e->name, err);
		return -1;
	}
	fd = socket(na.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_err("%s: socket:", e->name);
		return -1;
	}
	if (na.family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&na.ss, na.len) < 0 && errno != EINPROGRESS) {
		log_err("%s: connect:", e->name);
		close(fd);
		return -1;
	}
	if (framing(e, fd, e->name) < 0) {
		close(fd);
		return -1;
	}
	return 0;
}

const struct vep_kind vep_kind_stream = {
	.scheme = "stream",
	.help = "stream://PATH|HOST:PORT  QEMU's stream framing (4-byte length + frame),\n"
		"                           connecting to -netdev stream,server=on or passt",
	.vnl_flags = VNL_RAW,
	.flags = VEP_RAW_RUNTS,
	.priv_size = sizeof(struct vep_stream),
	.open = qstream_open,
	.check = qstream_check,
	.recv = vep_stream_recv,
	.send = vep_stream_send,
	.flush = vep_stream_flush,
	.wants_out = vep_stream_wants_out,
	.close = vep_stream_close,
};

int vep_qstream_adopt(int fd, const char *name, struct vep **out)
{
	struct vep *e = calloc(1, sizeof(*e));

	if (!e || !(e->priv = calloc(1, sizeof(struct vep_stream)))) {
		free(e);
		log_err("%s: out of memory", name);
		return -1;
	}
	e->kind = &vep_kind_stream;
	e->fd_in = e->fd_out = e->fd_ctl = -1;
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (framing(e, fd, e->name) < 0) {
		free(e->priv);
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}
