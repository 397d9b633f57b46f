/* `nodice inspect`: run a command and report every source it touched. */
#ifndef ND_INSPECT_H
#define ND_INSPECT_H
int inspect_main(int argc, char **argv);
#endif
