/* console.c - placeholder until the console client lands. */
#include "common/log.h"
const char console_help[] = "talk to a switch's management console (not available yet)\n";
int console_main(int argc, char **argv) { (void)argc; (void)argv; log_err("not available yet"); return 1; }
