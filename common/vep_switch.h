/* vep_switch.h - switch:// and hub:// run the switch applet in a child
 * process; the program that has one (vde_plug) hands it over here, so
 * common/ never names an applet. */
#ifndef VDE_VEP_SWITCH_H
#define VDE_VEP_SWITCH_H

void vep_switch_set_main(int (*fn)(int argc, char **argv));

#endif
