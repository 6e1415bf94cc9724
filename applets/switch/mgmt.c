/* mgmt.c - placeholder until the management console lands. */
#include "switch.h"
#include "common/log.h"

int mgmt_init(const char *path, mode_t mode, gid_t gid)
{
	(void)mode; (void)gid;
	log_err("-M %s: management console not available yet", path);
	return -1;
}
int mgmt_stdin(void) { return 0; }
int mgmt_rcfile(const char *path) { log_err("-f %s: not available yet", path); return -1; }
void mgmt_cleanup(void) {}
