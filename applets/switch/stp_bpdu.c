/* stp_bpdu.c - IEEE 802.1D BPDUs on the wire: checking a received frame
 * (every field is hostile input) and building the frames we send.  The
 * layouts are in common/proto.h. */
#include "stp.h"
#include "common/proto.h"

#include <arpa/inet.h>
#include <string.h>

int stp_vec_cmp(const struct stp_vec *a, const struct stp_vec *b)
{
	int c = memcmp(a->root, b->root, 8);

	if (c)
		return c;
	if (a->cost != b->cost)
		return a->cost < b->cost ? -1 : 1;
	if ((c = memcmp(a->bridge, b->bridge, 8)))
		return c;
	return a->port == b->port ? 0 : a->port < b->port ? -1 : 1;
}

/* 1/256 s on the wire to ms, rounded up: time_out(time_in(t)) == t, so a
 * root's max age we pass on encodes as it came, and a message age below
 * it in ms stays below it on the wire (rounded down, an age of 10.000 s
 * and a max age of 10.0039 s both went out as 10 s: a BPDU everyone
 * discards as expired, found by fuzz_frame). */
static uint32_t time_in(uint16_t be)
{
	return ((uint32_t)ntohs(be) * 1000 + BPDU_TIME_UNIT - 1) / BPDU_TIME_UNIT;
}

static uint16_t time_out(uint32_t ms)
{
	uint32_t t = ms * BPDU_TIME_UNIT / 1000;
	return htons(t > 0xffff ? 0xffff : (uint16_t)t);
}

static void decode_config(const struct bpdu_config *c, struct stp_msg *m)
{
	m->flags = c->flags & (BPDU_FLAG_TC | BPDU_FLAG_TCA);
	memcpy(m->vec.root, c->root, 8);
	m->vec.cost = ntohl(c->root_cost);
	memcpy(m->vec.bridge, c->bridge, 8);
	m->vec.port = ntohs(c->port);
	m->msg_age = time_in(c->msg_age);
	m->max_age = time_in(c->max_age);
	m->hello = time_in(c->hello);
	m->fwd_delay = time_in(c->fwd_delay);
}

/* 802.1D-2004 9.3.4: classify by type and length; a version we do not
 * know with a type we do is still that type. */
enum bpdu_verdict bpdu_decode(const uint8_t *f, size_t len, struct stp_msg *m)
{
	const struct eth_hdr *e = (const void *)f;
	const struct llc_hdr *llc = (const void *)(f + ETH_HDR_LEN);
	const struct bpdu_hdr *h = (const void *)(llc + 1);
	size_t llclen;
	uint16_t type;

	memset(m, 0, sizeof(*m));
	if (len < ETH_HDR_LEN + 2)
		return BPDU_MALFORMED;
	type = ntohs(e->type);
	if (type == ETH_TYPE_VLAN)
		return BPDU_TAGGED;
	if (type > ETH_MAX_LENGTH_FIELD || type > len - ETH_HDR_LEN)
		return BPDU_MALFORMED; /* an ethertype, or longer than the frame */
	llclen = type;
	if (llclen < sizeof(*llc) + BPDU_TCN_LEN || llc->dsap != LLC_SAP_BSTP ||
	    llc->ssap != LLC_SAP_BSTP || llc->ctrl != LLC_CTRL_UI || h->protocol != htons(BPDU_PROTOCOL_ID))
		return BPDU_MALFORMED;
	llclen -= sizeof(*llc);
	m->type = h->type;
	if (h->type == BPDU_TYPE_TCN)
		return BPDU_OK;
	if (h->type == BPDU_TYPE_RST && h->version >= BPDU_VERSION_RSTP)
		return BPDU_RST;
	if (h->type != BPDU_TYPE_CONFIG || llclen < BPDU_CONFIG_LEN)
		return BPDU_MALFORMED;
	decode_config((const struct bpdu_config *)h, m);
	if (m->msg_age >= m->max_age) /* 802.1D: too old, discard */
		return BPDU_MALFORMED;
	return BPDU_OK;
}

size_t bpdu_encode(uint8_t *buf, const uint8_t src[6], const struct stp_msg *m)
{
	static const uint8_t group[6] = STP_GROUP_MAC;
	struct eth_hdr *e = (void *)buf;
	struct llc_hdr *llc = (void *)(buf + ETH_HDR_LEN);
	struct bpdu_config *c = (void *)(llc + 1);
	size_t blen = m->type == BPDU_TYPE_TCN ? BPDU_TCN_LEN : BPDU_CONFIG_LEN;

	memset(buf, 0, ETH_MIN_FRAME);
	memcpy(e->dst, group, 6);
	memcpy(e->src, src, 6);
	e->type = htons((uint16_t)(sizeof(*llc) + blen));
	llc->dsap = llc->ssap = LLC_SAP_BSTP;
	llc->ctrl = LLC_CTRL_UI;
	c->h.protocol = htons(BPDU_PROTOCOL_ID);
	c->h.version = BPDU_VERSION_STP;
	c->h.type = (uint8_t)m->type;
	if (m->type == BPDU_TYPE_CONFIG) {
		c->flags = (uint8_t)m->flags;
		memcpy(c->root, m->vec.root, 8);
		c->root_cost = htonl(m->vec.cost);
		memcpy(c->bridge, m->vec.bridge, 8);
		c->port = htons(m->vec.port);
		c->msg_age = time_out(m->msg_age);
		c->max_age = time_out(m->max_age);
		c->hello = time_out(m->hello);
		c->fwd_delay = time_out(m->fwd_delay);
	}
	/* 60 bytes: the minimum frame, and larger than any BPDU we send */
	return ETH_MIN_FRAME;
}
