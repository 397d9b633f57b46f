/* `nodice verify`: the CI determinism gate. */
#ifndef ND_VERIFY_H
#define ND_VERIFY_H
int verify_main(int argc, char **argv);
#endif
