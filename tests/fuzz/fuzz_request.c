/* fuzz_request.c - req_parse() (common/request.c) against hostile bytes.
 *
 * The input is the bytes a client sent on the control socket.  Besides
 * the sanitizers (no read past len), every parse is compared with a
 * small independent model of spec §1.2-1.4:
 *   - the status is exactly what the spec's discrimination gives, so
 *     REQ_SHORT only when len is below the header size of that version;
 *   - on REQ_OK the fields are the header's, the description is
 *     NUL-terminated inside descr[], printable, and is the bytes after
 *     the header up to the first NUL with the others replaced by '.';
 *   - parsing an exact-size heap copy gives the same result, and so
 *     does parsing with a garbage-filled output struct (no field is
 *     left over from a previous request).
 */
#include "tests/fuzz/fuzz.h"
#include "common/request.h"

#include <string.h>
#include <sys/socket.h>

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The spec's discrimination, written from the tables, not the code. */
static enum req_status model_status(const uint8_t *p, size_t len, size_t *hdr)
{
	uint32_t version, type;
	uint16_t family;

	*hdr = 0;
	if (len < 4)
		return REQ_SHORT;
	if (le32(p) != VDE_SWITCH_MAGIC)
		return REQ_BAD_MAGIC;
	if (len < 8)
		return REQ_SHORT;
	version = le32(p + 4);
	if (version == 3) {
		*hdr = 122;
		if (len < 122)
			return REQ_SHORT;
		type = le32(p + 8);
		family = (uint16_t)(p[12] | p[13] << 8);
	} else if (version == 0 || version == 1) {
		*hdr = 124;
		if (len < 124)
			return REQ_SHORT;
		type = version; /* v1: offset 4 is the type */
		family = (uint16_t)(p[14] | p[15] << 8);
	} else {
		return REQ_BAD_VERSION;
	}
	if ((type & 0xff) > 1)
		return REQ_BAD_KIND;
	if (family != AF_UNIX)
		return REQ_BAD_FAMILY;
	return REQ_OK;
}

static void check_ok(const uint8_t *p, size_t len, size_t hdr, const struct vde_req *r)
{
	const uint8_t *sa = p + (hdr == 122 ? 12 : 14);
	uint32_t type = hdr == 122 ? le32(p + 8) : le32(p + 4);
	size_t n, i;

	FUZZ_CHECK(r->version == (hdr == 122 ? 3 : 1), "version %d, header %zu", r->version, hdr);
	FUZZ_CHECK(r->kind == (int)(type & 0xff), "kind %d, type 0x%x", r->kind, type);
	FUZZ_CHECK(r->port == (type >> 8), "port %u, type 0x%x", r->port, type);
	FUZZ_CHECK(memcmp(&r->addr, sa, sizeof(r->addr)) == 0, "address not copied verbatim");

	n = strnlen(r->descr, sizeof(r->descr));
	FUZZ_CHECK(n < sizeof(r->descr), "description not NUL-terminated");
	for (i = 0; i < n; i++) {
		uint8_t c = p[hdr + i], d = (uint8_t)r->descr[i];
		FUZZ_CHECK(d >= 0x20 && d < 0x7f, "descr[%zu] = 0x%02x not printable", i, d);
		FUZZ_CHECK(c != 0, "descr[%zu] runs past the NUL in the request", i);
		FUZZ_CHECK(d == c || (d == '.' && (c < 0x20 || c >= 0x7f)),
			   "descr[%zu] = 0x%02x from byte 0x%02x", i, d, c);
	}
	/* It stops at a NUL, at the end of the request, or when full. */
	FUZZ_CHECK(hdr + n == len || p[hdr + n] == 0 || n == sizeof(r->descr) - 1,
		   "description cut short at %zu of %zu bytes", n, len - hdr);
}

static int same_req(const struct vde_req *a, const struct vde_req *b)
{
	return a->version == b->version && a->kind == b->kind && a->port == b->port &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0 && strcmp(a->descr, b->descr) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vde_req a, b;
	enum req_status sa, sb, want;
	size_t hdr;
	uint8_t *copy;

	memset(&a, 0, sizeof(a));
	sa = req_parse(data, size, &a);
	want = model_status(data, size, &hdr);
	FUZZ_CHECK(sa == want, "status %d (%s), spec says %d (%s), len %zu", sa,
		   req_strerror(sa), want, req_strerror(want), size);
	FUZZ_CHECK(req_strerror(sa) && req_strerror(sa)[0], "no text for status %d", sa);
	if (sa == REQ_SHORT)
		FUZZ_CHECK(size < 8 || size < hdr, "REQ_SHORT with %zu bytes", size);
	if (sa == REQ_OK)
		check_ok(data, size, hdr, &a);

	/* Exact-size heap copy, parsed into a struct full of garbage. */
	copy = malloc(size ? size : 1);
	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, data, size);
	memset(&b, 0xa5, sizeof(b));
	sb = req_parse(copy, size, &b);
	free(copy);
	FUZZ_CHECK(sb == sa, "status %d on the copy, %d on the original", sb, sa);
	if (sa == REQ_OK)
		FUZZ_CHECK(same_req(&a, &b), "different result on an exact-size copy");
	return 0;
}
