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

int stream_dec_feed(struct stream_dec *d, const uint8_t *p, size_t len,
		    stream_frame_fn *fn, void *ctx)
{
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
				/* No magic to resync on: drop the rest of this
				 * chunk, as vde2 does, and start afresh. */
				d->errors++;
				d->have = 0;
				return 1;
			}
			/* Fast path: the whole frame is in this chunk. */
			if (len >= d->need) {
				fn(ctx, p, d->need);
				p += d->need;
				len -= d->need;
				d->have = 0;
				continue;
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
		}
	}
	return 0;
}
