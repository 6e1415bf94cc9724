/* stream.c - stream deframer (see stream.h). */
#include "stream.h"

#include <string.h>

void stream_dec_init(struct stream_dec *d, size_t max)
{
	if (max > VDE_STREAM_MAX)
		max = VDE_STREAM_MAX;
	d->max = max;
	d->have = 0;
	d->need = 0;
	d->errors = 0;
}

size_t stream_dec_step(struct stream_dec *d, const uint8_t *p, size_t len,
		       stream_frame_fn *fn, void *ctx, int *bad)
{
	const uint8_t *start = p;

	*bad = 0;
	while (len > 0) {
		if (d->have < VDE_STREAM_HDR) {
			d->buf[d->have++] = *p++;
			len--;
			if (d->have < VDE_STREAM_HDR)
				continue;
			d->need = ((size_t)d->buf[0] << 8) | d->buf[1];
			if (d->need == 0) { /* empty frames are skipped */
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
		size_t want = VDE_STREAM_HDR + d->need - d->have;
		size_t take = len < want ? len : want;
		memcpy(d->buf + d->have, p, take);
		d->have += take;
		p += take;
		len -= take;
		if (take == want) {
			fn(ctx, d->buf + VDE_STREAM_HDR, d->need);
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
