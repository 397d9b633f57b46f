/* aslr: address-space randomization. */
#ifndef ND_ASLR_H
#define ND_ASLR_H

/* aslr.c: re-executes the program once with ADDR_NO_RANDOMIZE; nd_aslr_on
 * tells whether randomization is still on in this image. */
void nd_aslr_off(char **argv);
extern int nd_aslr_on;

#endif
