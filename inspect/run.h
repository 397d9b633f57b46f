/* `nodice run`. */
#ifndef ND_RUN_H
#define ND_RUN_H
int run_main(int argc, char **argv);
#endif
