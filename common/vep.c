/* vep.c - THE table of endpoint kinds, opening by VNL, and the helpers
 * datagram kinds share. */
#include "vep.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every kind, in the order --help lists them.  Adding one is one line
 * here and its file common/vep_NAME.c defining vep_kind_NAME. */
#define VEP_KINDS(X) \
	X(vde)       \
	X(seqpacket) \
	X(stdio)     \
	X(cmd)       \
	X(null)      \
	X(tap)       \
	X(udp)       \
	X(ptp)       \
	X(stream)    \
	X(vxlan)     \
	X(vxvde)     \
	X(switch)    \
	X(hub)

#define DECLARE(k) extern const struct vep_kind vep_kind_##k;
VEP_KINDS(DECLARE)
#undef DECLARE
#define ENTRY(k) &vep_kind_##k,
static const struct vep_kind *const kinds[] = { VEP_KINDS(ENTRY) };
#undef ENTRY

static const struct vep_kind *kind_by_scheme(const char *scheme)
{
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i]->scheme, scheme) == 0)
			return kinds[i];
	return NULL;
}

void vep_schemes(char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_LEN(kinds) && off < size; i++) {
		int n = snprintf(buf + off, size - off, "%s%s", i ? " " : "", kinds[i]->scheme);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

void vep_help(char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_LEN(kinds) && off < size; i++) {
		int n = snprintf(buf + off, size - off, "  %s\n", kinds[i]->help);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

const struct vep_kind *vep_find(const char *vnl, char *scheme, int *bad)
{
	char text[VNL_MAX + 1], err[VNL_ERR_MAX];

	*bad = 0;
	scheme[0] = 0;
	if (vnl_resolve(vnl, text, sizeof(text), err, sizeof(err)) < 0 ||
	    vnl_scheme(text, scheme, err, sizeof(err)) < 0) {
		log_err("bad VNL '%.200s': %s", vnl, err);
		*bad = 1;
		return NULL;
	}
	return kind_by_scheme(scheme);
}

const struct vep_kind *vep_check(const char *given, int *unknown)
{
	static struct vnl v;
	char text[VNL_MAX + 1], err[VNL_ERR_MAX], scheme[VNL_SCHEME_MAX + 1];
	const struct vep_kind *k;
	int bad;

	*unknown = 0;
	if (!(k = vep_find(given, scheme, &bad))) {
		if (!bad)
			log_err("%.200s: unknown scheme '%s'", given, scheme);
		*unknown = !bad;
		return NULL;
	}
	if (vnl_resolve(given, text, sizeof(text), err, sizeof(err)) < 0 ||
	    vnl_parse(text, k->vnl_flags, &v, err, sizeof(err)) < 0) {
		log_err("bad VNL '%.200s': %s", given, err);
		return NULL;
	}
	if (k->check && k->check(text, &v) < 0)
		return NULL;
	return k;
}

static void set_name(struct vep *e, const char *vnl)
{
	size_t n = strlen(vnl);

	if (n < sizeof(e->name))
		memcpy(e->name, vnl, n + 1);
	else /* messages only: say that it is cut */
		snprintf(e->name, sizeof(e->name), "%.*s...", (int)sizeof(e->name) - 4, vnl);
}

int vep_open(const char *given, const struct vep_args *a, struct vep **out)
{
	static struct vnl v; /* 1 KiB+: not on the stack of every caller */
	char text[VNL_MAX + 1], err[VNL_ERR_MAX], scheme[VNL_SCHEME_MAX + 1];
	const struct vep_kind *k;
	struct vep *e;

	if (vnl_resolve(given, text, sizeof(text), err, sizeof(err)) < 0 ||
	    vnl_scheme(text, scheme, err, sizeof(err)) < 0) {
		log_err("bad VNL '%.200s': %s", given, err);
		return -1;
	}
	k = kind_by_scheme(scheme);
	if (!k) {
		char list[256];
		vep_schemes(list, sizeof(list));
		log_err("%.200s: unknown scheme '%s' (we have: %s)", text, scheme, list);
		return -1;
	}
	if (vnl_parse(text, k->vnl_flags, &v, err, sizeof(err)) < 0) {
		log_err("bad VNL '%.200s': %s", text, err);
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e || (k->priv_size && !(e->priv = calloc(1, k->priv_size)))) {
		free(e);
		log_err("open %.200s: out of memory", text);
		return -1;
	}
	e->kind = k;
	e->fd_in = e->fd_out = e->fd_ctl = -1;
	e->maxsend = 65535;
	set_name(e, text);
	if (k->open(e, &v, a) < 0) {
		free(e->priv);
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}

void vep_close(struct vep *e)
{
	if (!e)
		return;
	e->kind->close(e);
	free(e->priv);
	free(e);
}

enum vep_err vep_unix_classify(int err)
{
	switch (err) {
	case EAGAIN:
	case EINTR:
		return VEP_E_RETRY;
	case ECONNREFUSED:
	case ECONNRESET:
	case ENOTCONN:
	case EPIPE:
		return VEP_E_GONE;
	default:
		return VEP_E_FAIL;
	}
}

int vep_end(struct vep *e, int rc)
{
	e->rc = rc;
	return -1;
}

/* ---- datagram helpers ---- */

int vep_dgram_recv(struct vep *e, int fd, struct iovec *v, int n, vep_classify_fn *cls)
{
	struct mmsghdr m[64];
	int got;

	if (n > (int)ARRAY_LEN(m))
		n = (int)ARRAY_LEN(m);
	memset(m, 0, sizeof(m[0]) * (size_t)n);
	for (int i = 0; i < n; i++) {
		m[i].msg_hdr.msg_iov = &v[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	for (int reports = 0;; reports++) {
		got = recvmmsg(fd, m, (unsigned)n, MSG_DONTWAIT, NULL);
		if (got >= 0)
			break;
		switch (cls(errno)) {
		case VEP_E_RETRY:
			if (errno == EINTR)
				continue;
			return 0;
		case VEP_E_DROP: /* an error report took the place of a frame */
			if (reports < 8)
				continue;
			return 0;
		case VEP_E_GONE:
			log_debug("%s: closed (%s)", e->name, strerror(errno));
			return vep_end(e, 0);
		case VEP_E_FAIL:
			log_err("receive from %s:", e->name);
			return vep_end(e, 1);
		}
	}
	for (int i = 0; i < got; i++)
		v[i].iov_len = (m[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : m[i].msg_len;
	return got;
}

int vep_dgram_send(struct vep *e, int fd, const void *to, unsigned tolen,
		   const struct iovec *v, int n, vep_classify_fn *cls)
{
	struct mmsghdr m[64];
	int done = 0;

	if (n > (int)ARRAY_LEN(m))
		n = (int)ARRAY_LEN(m);
	memset(m, 0, sizeof(m[0]) * (size_t)n);
	for (int i = 0; i < n; i++) {
		m[i].msg_hdr.msg_iov = (struct iovec *)&v[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = (void *)to;
		m[i].msg_hdr.msg_namelen = to ? tolen : 0;
	}
	while (done < n) {
		int r = sendmmsg(fd, m + done, (unsigned)(n - done), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0) {
			done += r;
			continue;
		}
		if (errno == EMSGSIZE || errno == ENOBUFS) {
			done++; /* this frame cannot go: drop it, as a switch would */
			continue;
		}
		switch (cls(errno)) {
		case VEP_E_RETRY:
			if (errno == EINTR)
				continue;
			return done;
		case VEP_E_DROP:
			done++;
			continue;
		case VEP_E_GONE:
			log_debug("%s: closed (%s)", e->name, strerror(errno));
			return vep_end(e, 0);
		case VEP_E_FAIL:
			log_err("send to %s:", e->name);
			return vep_end(e, 1);
		}
	}
	return done;
}

/* ---- sockets born with their final mode and group (issue 17) ---- */

int vep_group(const char *group, unsigned *gid)
{
	gid_t g;

	if (parse_group(group, &g) < 0) {
		log_err("unknown group '%s'", group);
		return -1;
	}
	*gid = (unsigned)g;
	return 0;
}
