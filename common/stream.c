/* stream.c - stream deframer (see stream.h). */
#include "stream.h"

#include <string.h>

void stream_dec_init(struct stream_dec *d, size_t max) { stream_dec_init_hdr(d, max, VDE_STREAM_HDR); }

void stream_dec_init_hdr(struct stream_dec *d, size_t max, size_t hdrlen)
{
	if (max > VDE_STREAM_MAX)
		max = VDE_STREAM_MAX;
	d->hdrlen = hdrlen == STREAM_HDR_QEMU ? STREAM_HDR_QEMU : VDE_STREAM_HDR;
	d->max = max;
	d->have = 0;
	d->need = 0;
	d->skip = 0;
	d->errors = 0;
	d->offered = 0;
	d->probe_seen = 0;
	d->vnet = 0;
	d->empties = 0;
	d->events = 0;
}

/* A length in the plain VDE framing that is one of the negotiation's
 * (stream.h): 1 when it was, and the step goes on (or stops: *stop). */
static int negotiation(struct stream_dec *d, int *stop)
{
	if (d->need == 0) {
		if (d->hdrlen == VDE_STREAM_HDR && !d->vnet && ++d->empties == STREAM_OFFER_EMPTIES)
			d->events |= STREAM_EV_OFFER;
		return 1; /* empty records are skipped */
	}
	d->empties = 0;
	if (!d->offered || d->vnet || d->hdrlen != VDE_STREAM_HDR)
		return 0;
	if (d->need == STREAM_PROBE) {
		d->events |= STREAM_EV_PROBE;
		d->probe_seen = 1;
		return 1;
	}
	if (d->need == STREAM_SWITCH && d->probe_seen) {
		d->events |= STREAM_EV_SWITCH;
		d->vnet = 1;
		d->hdrlen = STREAM_HDR_QEMU;
		d->max = STREAM_VNET_MAX;
		*stop = 1; /* what follows is another framing: the owner looks first */
		return 1;
	}
	return 0;
}

size_t stream_dec_step(struct stream_dec *d, const uint8_t *p, size_t len,
		       stream_frame_fn *fn, void *ctx, int *bad)
{
	const uint8_t *start = p;

	*bad = 0;
	while (len > 0) {
		if (d->skip > 0) { /* the rest of a frame too long for us */
			size_t take = len < d->skip ? len : d->skip;
			d->skip -= take;
			p += take;
			len -= take;
			continue;
		}
		if (d->have < d->hdrlen) {
			d->buf[d->have++] = *p++;
			len--;
			if (d->have < d->hdrlen)
				continue;
			d->need = 0;
			for (size_t i = 0; i < d->hdrlen; i++)
				d->need = d->need << 8 | d->buf[i];
			int stop = 0;
			if (negotiation(d, &stop)) {
				d->have = 0;
				if (stop)
					break;
				continue;
			}
			if (d->need > d->max && d->hdrlen == STREAM_HDR_QEMU && !d->vnet && d->need <= STREAM_QEMU_LIMIT) {
				d->errors++; /* a frame, but too long: drop it */
				d->skip = d->need;
				d->have = 0;
				continue;
			}
			if (d->need > d->max) {
				/* No magic to resync on: the caller drops the
				 * rest of this chunk, as vde2 does. */
				d->errors++;
				d->have = 0;
				*bad = 1;
				break;
			}
			/* Fast path: the whole frame is in this chunk. */
			if (len >= d->need) {
				fn(ctx, p, d->need);
				p += d->need;
				d->have = 0;
				break;
			}
		}
		size_t want = d->hdrlen + d->need - d->have;
		size_t take = len < want ? len : want;
		memcpy(d->buf + d->have, p, take);
		d->have += take;
		p += take;
		len -= take;
		if (take == want) {
			fn(ctx, d->buf + d->hdrlen, d->need);
			d->have = 0;
			break;
		}
	}
	return (size_t)(p - start);
}

int stream_dec_feed(struct stream_dec *d, const uint8_t *p, size_t len,
		    stream_frame_fn *fn, void *ctx)
{
	while (len > 0) {
		int bad;
		size_t used = stream_dec_step(d, p, len, fn, ctx, &bad);
		if (bad)
			return 1;
		p += used;
		len -= used;
	}
	return 0;
}
