/* mirror.h - port mirroring (port/mirror, --mirror): a target port
 * receives a copy of every frame a source port sends (in) and receives
 * (out), VLAN tags as seen on the source, in hub and switch mode.  The
 * target is a monitor: nothing it sends enters the switch, no address
 * is learned on it and nothing is forwarded or flooded to it. */
#ifndef VDE_MIRROR_H
#define VDE_MIRROR_H

/* dirs: OBS_IN, OBS_OUT or OBS_BOTH (observe.h).  0, or an errno value
 * with why filled: EINVAL (a port onto itself, a target that is itself
 * mirrored, a source that is a target), ENXIO (no such port), ENOMEM. */
int mirror_add(int src, int dst, int dirs, char *why, unsigned whylen);
/* dst 0: every mirror of src.  0, or ENOENT when there was none. */
int mirror_remove(int src, int dst);
/* One line per mirror: "SRC -> DST in|out|both". */
void mirror_list(void (*line)(void *ctx, int src, int dst, int dirs), void *ctx);
int mirror_count(void);
/* "in", "out", "both" <-> OBS_IN, OBS_OUT, OBS_BOTH; 0 for another word. */
int mirror_dirs_parse(const char *word);
const char *mirror_dirs_name(int dirs);
void mirror_free(void);

#endif
