/* fuzz_vxlan.c - the VXLAN receive path of common/vxlan.c: vxlan_check()
 * on hostile datagrams, then vxlan_learn() of each accepted frame's
 * source MAC at the datagram's source address (IPv4 or IPv6), as
 * common/vep_vxlan.c does, and vxlan_lookup()/vxlan_count() against a
 * model of what was learned.  No socket: everything in process.
 *
 * Input layout:
 *   byte 0      VNI of our end (low 3 bits of a small set: 0, 1, 42,
 *               0xffffff, ...), the table size (bits 3..4: 1, 16, 64, 200
 *               entries asked for) and the expiry (bits 5..7: 1 ms to 128 s)
 *   records, each starting with an op byte; op & 7:
 *     0  datagram: [fam][addr: 4 or 16][port: 2][len: 2][len bytes]
 *        fam bit 0: IPv6; len is cut to what the input has; the bytes
 *        are copied to the very end of a heap buffer of exactly len bytes
 *        (a read past the datagram is an ASan report)
 *     1  lookup: [b] b & 0x80: a MAC of 6 bytes follows; else the MAC
 *        of model entry b % n (a MAC learned before)
 *     2  clock: [u16] milliseconds forward, times 1 + (op >> 3)
 *     3  a datagram of the MAC of model entry [b] from a new address
 *        [fam][addr][port] (a MAC moving between VTEPs), header ours
 *     4  forget a VTEP: [b] the address of model entry b % n, or with
 *        b & 0x80 an address [fam][addr][port] read from the input
 *     5  list the table (vxlan_foreach), each entry printed with
 *        vxlan_entry_str into a buffer of [b] % 100 + 1 bytes
 *     6, 7 as 2
 *
 * Checks:
 *   - vxlan_check's verdict is the header's documented one (vxlan.h:
 *     short under 8 + 14 bytes; the I flag set and no flag but I and
 *     0x80; the VNI ours);
 *   - a header from vxlan_hdr_put(vni) passes for vni and for no other;
 *   - right after learning, lookup gives the address just learned;
 *   - lookup finds a MAC iff the model has it fresh and not evicted, at
 *     the last address learned for it; never a group MAC;
 *   - a learn that counts an eviction removes exactly one fresh entry
 *     of the model, and only when its probe window was full;
 *   - vxlan_count() equals the model's fresh entries, never above size;
 *   - forgetting a VTEP removes at least its fresh entries and at most
 *     the entries the model ever had there; none of them is found after;
 *   - the listing gives each fresh entry once, at its model address and
 *     age; a printed entry is NUL-terminated inside its buffer and, when
 *     the buffer is large, starts with the MAC.
 */
#include "tests/fuzz/fuzz.h"
#include "common/vxlan.h"

#include <netinet/in.h>
#include <string.h>

#define MODEL_MAX 4096

struct model {
	uint8_t mac[6];
	int present;
	socklen_t alen;
	struct sockaddr_storage addr;
	uint64_t seen;
};

static struct model m[MODEL_MAX];
static size_t nm;
static struct vxlan_table tab;
static uint64_t now;

static const uint32_t vnis[8] = { 0, 1, 42, 43, 0xffffff, 0x800000, 0x0000ff, 0x123456 };
static const size_t sizes[4] = { 1, 16, 64, 200 };
static const unsigned expires[8] = { 1, 10, 100, 1000, 5000, 30000, 65535, 128000 };

static struct model *find(const uint8_t mac[6])
{
	for (size_t i = 0; i < nm; i++)
		if (memcmp(m[i].mac, mac, 6) == 0)
			return &m[i];
	return NULL;
}

static int fresh(const struct model *e) { return e && e->present && now - e->seen < tab.expire_ms; }

static size_t model_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < nm; i++)
		n += fresh(&m[i]);
	return n;
}

static void check_lookup(const uint8_t mac[6])
{
	const struct vxlan_entry *e = vxlan_lookup(&tab, mac, now);
	const struct model *x = find(mac);

	if (!fresh(x)) {
		FUZZ_CHECK(e == NULL, "lookup found %02x:..:%02x, which the model has %s", mac[0], mac[5],
			   !x ? "never learned" : x->present ? "expired" : "evicted");
		return;
	}
	FUZZ_CHECK(e != NULL, "lookup lost %02x:..:%02x, fresh (seen %llu, now %llu, expiry %u)", mac[0],
		   mac[5], (unsigned long long)x->seen, (unsigned long long)now, tab.expire_ms);
	FUZZ_CHECK(memcmp(e->mac, mac, 6) == 0, "lookup gave another MAC");
	FUZZ_CHECK(e->alen == x->alen && memcmp(&e->addr, &x->addr, x->alen) == 0,
		   "lookup gave another VTEP than the last one learned (alen %u, want %u)", (unsigned)e->alen,
		   (unsigned)x->alen);
	FUZZ_CHECK((mac[0] & 1) == 0, "a group MAC was learned");
}

/* Read an address: [fam][4 or 16 bytes][port] */
static socklen_t read_addr(struct fuzz_in *in, struct sockaddr_storage *ss)
{
	uint8_t fam = fuzz_u8(in);

	memset(ss, 0, sizeof(*ss));
	if (fam & 1) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		for (int i = 0; i < 16; i++)
			s6->sin6_addr.s6_addr[i] = fuzz_u8(in);
		s6->sin6_port = (in_port_t)fuzz_u16(in);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	for (int i = 0; i < 4; i++)
		((uint8_t *)&s4->sin_addr)[i] = fuzz_u8(in);
	s4->sin_port = (in_port_t)fuzz_u16(in);
	return sizeof(*s4);
}

static enum vxlan_verdict expected(const uint8_t *p, size_t len, uint32_t vni)
{
	if (len < VXLAN_HDR + 14)
		return VXLAN_SHORT;
	if (!(p[0] & VXLAN_FLAG_I) || (p[0] & 0x77))
		return VXLAN_FLAGS;
	if ((uint32_t)(p[4] << 16 | p[5] << 8 | p[6]) != vni)
		return VXLAN_OTHER_VNI;
	return VXLAN_OK;
}

/* Learn as vep_vxlan.c does, and keep the model in step. */
static void learn(const uint8_t mac[6], const struct sockaddr_storage *ss, socklen_t alen)
{
	uint64_t evicted = tab.evicted;
	size_t before = model_count();
	struct model *x = find(mac);
	int was_fresh = fresh(x);

	vxlan_learn(&tab, mac, (const struct sockaddr *)ss, alen, now);
	if (mac[0] & 1) { /* never a source */
		FUZZ_CHECK(tab.evicted == evicted, "a group MAC evicted an entry");
		check_lookup(mac);
		return;
	}
	if (!x) {
		if (nm == MODEL_MAX)
			return; /* the model is full; the input is long enough */
		x = &m[nm++];
		memcpy(x->mac, mac, 6);
	}
	x->present = 1;
	x->alen = alen;
	memcpy(&x->addr, ss, alen);
	x->seen = now;
	if (tab.evicted != evicted) {
		size_t gone = 0;
		FUZZ_CHECK(tab.evicted == evicted + 1, "one learn evicted %llu entries",
			   (unsigned long long)(tab.evicted - evicted));
		FUZZ_CHECK(!was_fresh, "learning a known MAC evicted another");
		for (size_t i = 0; i < nm; i++) {
			if (&m[i] == x || !fresh(&m[i]) || vxlan_lookup(&tab, m[i].mac, now))
				continue;
			m[i].present = 0;
			gone++;
		}
		FUZZ_CHECK(gone == 1, "an eviction removed %zu fresh entries", gone);
		FUZZ_CHECK(before >= 8, "an eviction with %zu fresh entries", before);
	}
	check_lookup(mac);
}

static void datagram(struct fuzz_in *in, uint32_t vni)
{
	struct sockaddr_storage ss;
	socklen_t alen = read_addr(in, &ss);
	size_t len = fuzz_u16(in);
	uint8_t *p;

	if (len > in->len)
		len = in->len;
	p = malloc(len ? len : 1);
	p += len ? 0 : 1; /* an empty datagram: nothing readable at all */
	memcpy(p, in->p, len);
	in->p += len;
	in->len -= len;
	enum vxlan_verdict v = vxlan_check(p, len, vni);
	FUZZ_CHECK(v == expected(p, len, vni), "verdict %d for %zu bytes, flags %#x, want %d", (int)v, len,
		   len ? p[0] : 0, (int)expected(p, len, vni));
	if (v == VXLAN_OK)
		learn(p + VXLAN_HDR + 6, &ss, alen);
	free(p - (len ? 0 : 1));
}

static void moved(struct fuzz_in *in, uint32_t vni)
{
	uint8_t b = fuzz_u8(in), d[VXLAN_HDR + 14] = { 0 };
	struct sockaddr_storage ss;
	socklen_t alen = read_addr(in, &ss);

	if (!nm)
		return;
	vxlan_hdr_put(d, vni);
	memcpy(d + VXLAN_HDR + 6, m[b % nm].mac, 6);
	FUZZ_CHECK(vxlan_check(d, sizeof(d), vni) == VXLAN_OK, "our own header fails for vni %u", vni);
	FUZZ_CHECK(vxlan_check(d, sizeof(d), (vni + 1) & VXLAN_VNI_MAX) == VXLAN_OTHER_VNI,
		   "our header for vni %u passes for another", vni);
	learn(d + VXLAN_HDR + 6, &ss, alen);
}

static void forget(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	struct sockaddr_storage ss;
	socklen_t alen;
	size_t lo = 0, hi = 0, n;

	if (b & 0x80 || !nm) {
		alen = read_addr(in, &ss);
	} else {
		alen = m[b % nm].alen;
		memcpy(&ss, &m[b % nm].addr, sizeof(ss));
	}
	for (size_t i = 0; i < nm; i++) {
		if (!m[i].present || m[i].alen != alen || memcmp(&m[i].addr, &ss, alen) != 0)
			continue;
		hi++;
		lo += fresh(&m[i]);
		m[i].present = 0;
	}
	n = vxlan_forget_addr(&tab, (const struct sockaddr *)&ss, alen);
	FUZZ_CHECK(n >= lo && n <= hi, "forgetting a VTEP removed %zu entries, the model says %zu..%zu", n, lo, hi);
}

struct listing {
	size_t seen, bufsize;
};

static void listed(void *ctx, const struct vxlan_entry *e, uint64_t age)
{
	struct listing *l = ctx;
	const struct model *x = find(e->mac);
	char buf[100], want[20];

	l->seen++;
	FUZZ_CHECK(fresh(x), "listed %02x:..:%02x, which the model has not fresh", e->mac[0], e->mac[5]);
	FUZZ_CHECK(e->alen == x->alen && memcmp(&e->addr, &x->addr, x->alen) == 0, "listed at another VTEP");
	FUZZ_CHECK(age == now - x->seen, "listed with age %llu, the model says %llu", (unsigned long long)age,
		   (unsigned long long)(now - x->seen));
	memset(buf, 'X', sizeof(buf));
	vxlan_entry_str(e, age, buf, l->bufsize);
	FUZZ_CHECK(memchr(buf, 0, l->bufsize) != NULL, "entry text not terminated in %zu bytes", l->bufsize);
	FUZZ_CHECK(l->bufsize == sizeof(buf) || buf[l->bufsize] == 'X', "entry text overran %zu bytes", l->bufsize);
	snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x ", e->mac[0], e->mac[1], e->mac[2], e->mac[3],
		 e->mac[4], e->mac[5]);
	if (l->bufsize == sizeof(buf))
		FUZZ_CHECK(strncmp(buf, want, strlen(want)) == 0, "entry text '%s' does not start with %s", buf, want);
}

static void list(struct fuzz_in *in)
{
	struct listing l = { 0, (size_t)(fuzz_u8(in) % 100) + 1 };

	vxlan_foreach(&tab, now, listed, &l);
	FUZZ_CHECK(l.seen == model_count(), "listed %zu entries, the model has %zu fresh", l.seen, model_count());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t b = fuzz_u8(&in);
	uint32_t vni = vnis[b & 7];

	if (vxlan_table_init(&tab, sizes[(b >> 3) & 3], expires[b >> 5]) < 0)
		return 0;
	FUZZ_CHECK(tab.size >= 16 && (tab.size & (tab.size - 1)) == 0, "table size %zu", tab.size);
	nm = 0;
	now = 1000000;
	while (fuzz_more(&in)) {
		uint8_t op = fuzz_u8(&in);
		switch (op & 7) {
		case 0:
			datagram(&in, vni);
			break;
		case 1: {
			uint8_t mac[6], s = fuzz_u8(&in);
			if (s & 0x80 || !nm)
				for (int i = 0; i < 6; i++)
					mac[i] = fuzz_u8(&in);
			else
				memcpy(mac, m[s % nm].mac, 6);
			check_lookup(mac);
			break;
		}
		case 3:
			moved(&in, vni);
			break;
		case 4:
			forget(&in);
			break;
		case 5:
			list(&in);
			break;
		default:
			now += (uint64_t)fuzz_u16(&in) * (1 + (op >> 3));
			break;
		}
		size_t c = vxlan_count(&tab, now);
		FUZZ_CHECK(c <= tab.size, "%zu entries in a table of %zu", c, tab.size);
		FUZZ_CHECK(c == model_count(), "table counts %zu fresh entries, the model %zu", c, model_count());
	}
	vxlan_table_free(&tab);
	return 0;
}
