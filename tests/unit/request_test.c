/* request_test.c - parsing and building control requests
 * (common/request.c, spec §1.2-1.4).  Requests are built byte by byte
 * here, as real clients put them on the wire. */
#include "unit.h"

#include <string.h>
#include <sys/socket.h>

#include "common/request.h"

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A v3 request for path, with type and n description bytes; returns
 * its length. */
static size_t v3(uint8_t *buf, uint32_t type, const char *path, const char *descr)
{
	size_t n = strlen(descr);

	memset(buf, 0, 122);
	le32(buf, 0xfeedface);
	le32(buf + 4, 3);
	le32(buf + 8, type);
	buf[12] = 1; /* AF_UNIX, LE16 */
	memcpy(buf + 14, path, strlen(path));
	memcpy(buf + 122, descr, n);
	return 122 + n;
}

TEST(req_v3_with_description)
{
	static const char path[] = "/tmp/vde.ctl/.01234-00000";
	uint8_t buf[VDE_REQ_MAX];
	struct vde_req r;
	size_t len = v3(buf, 7u << 8, path, "vdeplug: user=root pid=29234");

	CHECK(len == 122 + 28);
	CHECK(req_parse(buf, len, &r) == REQ_OK);
	CHECK(r.version == 3);
	CHECK(r.kind == VDE_REQ_NEW_CONTROL);
	CHECK(r.port == 7);
	CHECK(r.addr.sun_family == AF_UNIX);
	CHECK(strcmp(r.addr.sun_path, path) == 0);
	CHECK(strcmp(r.descr, "vdeplug: user=root pid=29234") == 0);
}

TEST(req_v3_port0_and_no_description)
{
	uint8_t buf[VDE_REQ_MAX];
	struct vde_req r;
	size_t len = v3(buf, VDE_REQ_NEW_PORT0, "/x", "");

	CHECK(req_parse(buf, len, &r) == REQ_OK);
	CHECK(r.kind == VDE_REQ_NEW_PORT0 && r.port == 0);
	CHECK(r.descr[0] == 0);
}

/* UML: unpacked 124-byte struct, abstract address whose 108 bytes are
 * all significant (uninitialised memory), 2 bytes of padding. */
TEST(req_uml_abstract_address_verbatim)
{
	uint8_t buf[124], garbage[108];
	struct vde_req r;

	garbage[0] = 0;
	for (int i = 1; i < 108; i++)
		garbage[i] = (uint8_t)(0x80 | (i * 37));
	v3(buf, 0, "", "");
	memcpy(buf + 14, garbage, sizeof(garbage));
	buf[122] = 0xa5;
	buf[123] = 0x81;
	CHECK(req_parse(buf, sizeof(buf), &r) == REQ_OK);
	CHECK(r.version == 3 && r.kind == 0 && r.port == 0);
	CHECK(r.addr.sun_family == AF_UNIX);
	CHECK(memcmp(r.addr.sun_path, garbage, sizeof(garbage)) == 0);
	CHECK(strcmp(r.descr, "..") == 0); /* padding: harmless, printable */
}

/* v1: type at offset 4, addr[6] at 8, sockaddr at 14, description at 124. */
TEST(req_v1_layout)
{
	uint8_t buf[VDE_REQ_MAX] = { 0 };
	struct vde_req r;

	le32(buf, 0xfeedface);
	le32(buf + 4, VDE_REQ_NEW_PORT0);
	memcpy(buf + 8, "\x02\x01\x02\x03\x04\x05", 6);
	buf[14] = 1;
	memcpy(buf + 16, "/tmp/v1sock", 11);
	memcpy(buf + 124, "old", 3);
	CHECK(req_parse(buf, 127, &r) == REQ_OK);
	CHECK(r.version == 1);
	CHECK(r.kind == VDE_REQ_NEW_PORT0 && r.port == 0);
	CHECK(strcmp(r.addr.sun_path, "/tmp/v1sock") == 0);
	CHECK(strcmp(r.descr, "old") == 0);
	le32(buf + 4, 0);
	CHECK(req_parse(buf, 124, &r) == REQ_OK);
	CHECK(r.version == 1 && r.kind == 0 && r.descr[0] == 0);
}

TEST(req_bad_magic)
{
	uint8_t buf[VDE_REQ_MAX];
	struct vde_req r;
	size_t len = v3(buf, 0, "/x", "");

	buf[0] = 0xcf;
	CHECK(req_parse(buf, len, &r) == REQ_BAD_MAGIC);
	/* v0 (no magic at all): rejected as soon as 4 bytes are in */
	memset(buf, 0, 8);
	CHECK(req_parse(buf, 4, &r) == REQ_BAD_MAGIC);
}

TEST(req_bad_versions)
{
	uint8_t buf[VDE_REQ_MAX];
	struct vde_req r;
	size_t len = v3(buf, 0, "/x", "");

	le32(buf + 4, 2);
	CHECK(req_parse(buf, len, &r) == REQ_BAD_VERSION);
	le32(buf + 4, 7);
	CHECK(req_parse(buf, len, &r) == REQ_BAD_VERSION);
	/* decided from the first 8 bytes, no need to wait for more */
	CHECK(req_parse(buf, 8, &r) == REQ_BAD_VERSION);
}

TEST(req_bad_kind_and_family)
{
	uint8_t buf[VDE_REQ_MAX];
	struct vde_req r;
	size_t len = v3(buf, 2 | 5u << 8, "/x", "");

	CHECK(req_parse(buf, len, &r) == REQ_BAD_KIND);
	le32(buf + 8, 0xff);
	CHECK(req_parse(buf, len, &r) == REQ_BAD_KIND);
	le32(buf + 8, 0);
	buf[12] = 2; /* AF_INET */
	CHECK(req_parse(buf, len, &r) == REQ_BAD_FAMILY);
}

/* Every prefix shorter than the header asks for more bytes. */
TEST(req_short_reads)
{
	uint8_t buf[VDE_REQ_MAX] = { 0 };
	struct vde_req r;

	v3(buf, 0, "/x", "");
	for (size_t len = 0; len < 122; len++)
		CHECK(req_parse(buf, len, &r) == REQ_SHORT);
	CHECK(req_parse(buf, 122, &r) == REQ_OK);
	memset(buf, 0, sizeof(buf)); /* v1: header of 124 bytes */
	le32(buf, 0xfeedface);
	le32(buf + 4, 1);
	buf[14] = 1;
	for (size_t len = 0; len < 124; len++)
		CHECK(req_parse(buf, len, &r) == REQ_SHORT);
	CHECK(req_parse(buf, 124, &r) == REQ_OK);
}

TEST(req_long_description_truncated)
{
	uint8_t buf[122 + 600];
	char descr[601];
	struct vde_req r;
	size_t len;

	memset(descr, 'x', 600);
	descr[600] = 0;
	len = v3(buf, 0, "/x", descr);
	CHECK(len == sizeof(buf));
	CHECK(req_parse(buf, len, &r) == REQ_OK);
	CHECK(strlen(r.descr) == sizeof(r.descr) - 1);
	CHECK(r.descr[0] == 'x' && r.descr[sizeof(r.descr) - 2] == 'x');
}

TEST(req_description_sanitised)
{
	uint8_t buf[VDE_REQ_MAX];
	struct vde_req r;
	size_t len = v3(buf, 0, "/x", "a\x01" "b\x7f" "c\xff" "d\n");

	CHECK(req_parse(buf, len, &r) == REQ_OK);
	CHECK(strcmp(r.descr, "a.b.c.d.") == 0);
	/* a NUL ends it, as in vde2 */
	len = v3(buf, 0, "/x", "ab");
	buf[len++] = 0;
	buf[len++] = 'z';
	CHECK(req_parse(buf, len, &r) == REQ_OK);
	CHECK(strcmp(r.descr, "ab") == 0);
}

TEST(req_build_layout_and_round_trip)
{
	static const uint8_t head[] = { 0xce, 0xfa, 0xed, 0xfe, 0x03, 0x00, 0x00, 0x00,
					0x00, 0x05, 0x00, 0x00, 0x01, 0x00 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t buf[VDE_REQ_MAX];
	struct vde_req r;
	size_t len;

	strcpy(sa.sun_path, "/tmp/sw/.00042-00001");
	len = req_build(buf, VDE_REQ_NEW_CONTROL, 5, &sa, "QEMU user=root pid=42");
	CHECK(len == 122 + 21);
	CHECK(memcmp(buf, head, sizeof(head)) == 0);
	CHECK(memcmp(buf + 14, sa.sun_path, 108) == 0);
	CHECK(memcmp(buf + 122, "QEMU user=root pid=42", 21) == 0);
	CHECK(req_parse(buf, len, &r) == REQ_OK);
	CHECK(r.version == 3 && r.kind == VDE_REQ_NEW_CONTROL && r.port == 5);
	CHECK(memcmp(&r.addr, &sa, sizeof(sa)) == 0);
	CHECK(strcmp(r.descr, "QEMU user=root pid=42") == 0);

	/* port 0 request: type 1, port bits empty */
	len = req_build(buf, VDE_REQ_NEW_PORT0, 0, &sa, NULL);
	CHECK(len == 122);
	CHECK(buf[8] == 1 && buf[9] == 0 && buf[10] == 0 && buf[11] == 0);
	/* a big port number spreads over three bytes */
	req_build(buf, VDE_REQ_NEW_CONTROL, 0x123456, &sa, "");
	CHECK(buf[8] == 0 && buf[9] == 0x56 && buf[10] == 0x34 && buf[11] == 0x12);
}

TEST(req_build_truncates_description)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char descr[300];
	uint8_t buf[VDE_REQ_MAX];

	memset(descr, 'd', sizeof(descr) - 1);
	descr[sizeof(descr) - 1] = 0;
	CHECK(req_build(buf, 0, 0, &sa, descr) == 122 + VDE_DESCR_MAX);
}

TEST(req_ext_offer_after_the_description)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t buf[VDE_REQ_MAX], reply[VDE_REPLY_LEN + 8];
	char descr[300];
	struct vde_req r;
	size_t len;

	len = req_build_ext(buf, VDE_REQ_NEW_CONTROL, 0, &sa, "sw", VDE_EXT_VNET);
	CHECK(len == 122 + 2 + 1 + 8);
	CHECK(buf[124] == 0 && memcmp(buf + 125, "vdex", 4) == 0 && buf[129] == 1);
	CHECK(req_parse(buf, len, &r) == REQ_OK);
	CHECK(strcmp(r.descr, "sw") == 0 && r.ext == VDE_EXT_VNET);
	/* vde2's clients: nothing after the NUL, or a short tail, or junk */
	CHECK(req_parse(buf, 125, &r) == REQ_OK && r.ext == 0);
	CHECK(req_parse(buf, 132, &r) == REQ_OK && r.ext == 0);
	buf[126] ^= 1;
	CHECK(req_parse(buf, len, &r) == REQ_OK && r.ext == 0);
	/* a long description is cut so that all of it fits 256 bytes */
	memset(descr, 'd', sizeof(descr) - 1);
	descr[sizeof(descr) - 1] = 0;
	len = req_build_ext(buf, 0, 0, &sa, descr, VDE_EXT_VNET);
	CHECK(len == VDE_REQ_MAX);
	CHECK(req_parse(buf, len, &r) == REQ_OK && r.ext == VDE_EXT_VNET);
	/* the reply: 110 bytes alone, 118 with a grant */
	CHECK(req_reply_build(reply, &sa, 0) == VDE_REPLY_LEN);
	CHECK(req_reply_build(reply, &sa, VDE_EXT_VNET) == VDE_REPLY_LEN + 8);
	CHECK(memcmp(reply + VDE_REPLY_LEN, "vdex\1\0\0\0", 8) == 0);
}

TEST(req_strerror_names_every_status)
{
	for (int st = REQ_OK; st <= REQ_BAD_FAMILY; st++)
		CHECK(strcmp(req_strerror((enum req_status)st), "?") != 0);
}
