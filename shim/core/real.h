/*
 * The real libc functions behind every interposed symbol.
 *
 * nd_real holds one typed pointer per symbol, filled once by nd_real_resolve()
 * from libc's own dynamic symbol table (real.c): no dlsym, so no allocation and
 * no recursion when an allocator or a sanitizer calls a clock during start-up.
 * The list below is the only place the prototypes are written.
 */
#ifndef ND_REAL_H
#define ND_REAL_H

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>

struct timeb;

#define ND_REAL_LIST(X)                                                              \
	X(ssize_t, getrandom, (void *, size_t, unsigned))                            \
	X(long, syscall, (long, long, long, long, long, long, long))                 \
	X(int, open, (const char *, int, mode_t))                                    \
	X(int, openat, (int, const char *, int, mode_t))                             \
	X(FILE *, fopen, (const char *, const char *))                               \
	X(FILE *, freopen, (const char *, const char *, FILE *))                     \
	X(FILE *, fdopen, (int, const char *))                                       \
	X(int, fclose, (FILE *))                                                     \
	X(int, statvfs, (const char *, struct statvfs *))                            \
	X(int, statvfs64, (const char *, struct statvfs64 *))                        \
	X(int, fstatvfs, (int, struct statvfs *))                                    \
	X(int, fstatvfs64, (int, struct statvfs64 *))                                \
	X(size_t, fwrite, (const void *, size_t, size_t, FILE *))                    \
	X(size_t, fwrite_unlocked, (const void *, size_t, size_t, FILE *))           \
	X(int, fputs, (const char *, FILE *))                                        \
	X(int, fflush, (FILE *))                                                      \
	X(int, fputs_unlocked, (const char *, FILE *))                               \
	X(int, puts, (const char *))                                                 \
	X(int, fputc, (int, FILE *))                                                 \
	X(int, putc, (int, FILE *))                                                  \
	X(int, putchar, (int))                                                       \
	X(int, __overflow, (FILE *, int))                                            \
	X(int, printf, (const char *, ...))                                          \
	X(int, fprintf, (FILE *, const char *, ...))                                 \
	X(int, vprintf, (const char *, va_list))                                     \
	X(int, vfprintf, (FILE *, const char *, va_list))                            \
	X(int, __printf_chk, (int, const char *, ...))                               \
	X(int, __fprintf_chk, (FILE *, int, const char *, ...))                      \
	X(int, __vprintf_chk, (int, const char *, va_list))                          \
	X(int, __vfprintf_chk, (FILE *, int, const char *, va_list))                 \
	X(int, fchmodat, (int, const char *, mode_t, int))                           \
	X(ssize_t, read, (int, void *, size_t))                                      \
	X(ssize_t, pread, (int, void *, size_t, off_t))                              \
	X(ssize_t, readv, (int, const struct iovec *, int))                          \
	X(ssize_t, preadv2, (int, const struct iovec *, int, off_t, int))            \
	X(off_t, lseek, (int, off_t, int))                                           \
	X(int, close, (int))                                                         \
	X(int, close_range, (unsigned, unsigned, int))                               \
	X(void, closefrom, (int))                                                    \
	X(int, dup, (int))                                                           \
	X(int, dup2, (int, int))                                                     \
	X(int, dup3, (int, int, int))                                                \
	X(int, fcntl, (int, int, void *))                                            \
	X(int, rand, (void))                                                         \
	X(void, srand, (unsigned))                                                   \
	X(long, random, (void))                                                      \
	X(void, srandom, (unsigned))                                                 \
	X(char *, initstate, (unsigned, char *, size_t))                             \
	X(char *, setstate, (char *))                                                \
	X(double, drand48, (void))                                                   \
	X(long, lrand48, (void))                                                     \
	X(long, mrand48, (void))                                                     \
	X(void, srand48, (long))                                                     \
	X(unsigned short *, seed48, (unsigned short[3]))                             \
	X(void, lcong48, (unsigned short[7]))                                        \
	X(int, clock_gettime, (clockid_t, struct timespec *))                        \
	X(int, clock_getres, (clockid_t, struct timespec *))                         \
	X(int, getrusage, (int, struct rusage *))                                    \
	X(int, poll, (struct pollfd *, nfds_t, int))                                 \
	X(int, ppoll, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *)) \
	X(int, select, (int, fd_set *, fd_set *, fd_set *, struct timeval *))        \
	X(int, pselect, (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *)) \
	X(int, epoll_wait, (int, struct epoll_event *, int, int))                    \
	X(int, epoll_pwait, (int, struct epoll_event *, int, int, const sigset_t *)) \
	X(int, pthread_cond_clockwait, (pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *)) \
	X(int, sem_clockwait, (sem_t *, clockid_t, const struct timespec *))         \
	X(int, pthread_mutex_clocklock, (pthread_mutex_t *, clockid_t, const struct timespec *)) \
	X(int, pthread_rwlock_clockrdlock, (pthread_rwlock_t *, clockid_t, const struct timespec *)) \
	X(int, pthread_rwlock_clockwrlock, (pthread_rwlock_t *, clockid_t, const struct timespec *)) \
	X(int, pthread_clockjoin_np, (pthread_t, void **, clockid_t, const struct timespec *)) \
	X(ssize_t, write, (int, const void *, size_t))                               \
	X(ssize_t, writev, (int, const struct iovec *, int))                         \
	X(ssize_t, send, (int, const void *, size_t, int))                           \
	X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t)) \
	X(ssize_t, sendmsg, (int, const struct msghdr *, int))                       \
	X(pid_t, wait4, (pid_t, int *, int, struct rusage *))                        \
	X(int, waitid, (idtype_t, id_t, siginfo_t *, int))                           \
	X(int, pause, (void))                                                        \
	X(int, sigsuspend, (const sigset_t *))                                       \
	X(int, sigwait, (const sigset_t *, int *))                                   \
	X(int, sigwaitinfo, (const sigset_t *, siginfo_t *))                         \
	X(int, sigtimedwait, (const sigset_t *, siginfo_t *, const struct timespec *)) \
	X(int, flock, (int, int))                                                    \
	X(int, lockf, (int, int, off_t))                                             \
	X(int, lockf64, (int, int, off64_t))                                         \
	X(int, pthread_mutex_lock, (pthread_mutex_t *))                              \
	X(int, pthread_mutex_trylock, (pthread_mutex_t *))                           \
	X(int, pthread_mutex_unlock, (pthread_mutex_t *))                            \
	X(int, pthread_cond_wait, (pthread_cond_t *, pthread_mutex_t *))             \
	X(int, pthread_cond_signal, (pthread_cond_t *))                              \
	X(int, pthread_cond_broadcast, (pthread_cond_t *))                           \
	X(int, pthread_rwlock_rdlock, (pthread_rwlock_t *))                          \
	X(int, pthread_rwlock_wrlock, (pthread_rwlock_t *))                          \
	X(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *))                       \
	X(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *))                       \
	X(int, pthread_rwlock_unlock, (pthread_rwlock_t *))                          \
	X(int, pthread_barrier_wait, (pthread_barrier_t *))                          \
	X(int, sem_wait, (sem_t *))                                                  \
	X(int, sem_trywait, (sem_t *))                                               \
	X(int, sem_post, (sem_t *))                                                  \
	X(int, sem_close, (sem_t *))                                                 \
	X(int, sem_destroy, (sem_t *))                                               \
	X(int, pthread_spin_lock, (pthread_spinlock_t *))                            \
	X(int, pthread_spin_trylock, (pthread_spinlock_t *))                         \
	X(int, pthread_spin_unlock, (pthread_spinlock_t *))                          \
	X(int, pthread_join, (pthread_t, void **))                                   \
	X(int, pthread_tryjoin_np, (pthread_t, void **))                             \
	X(int, pthread_once, (pthread_once_t *, void (*)(void)))                     \
	X(int, pthread_cancel, (pthread_t))                                          \
	X(int, sched_yield, (void))                                                  \
	X(int, sched_getcpu, (void))                                                 \
	X(long, sysconf, (int))                                                      \
	X(int, sched_getaffinity, (pid_t, size_t, cpu_set_t *))                      \
	X(int, pthread_getaffinity_np, (pthread_t, size_t, cpu_set_t *))             \
	X(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *)) \
	X(int, thrd_create, (thrd_t *, thrd_start_t, void *))                        \
	X(int, execve, (const char *, char *const[], char *const[]))                 \
	X(int, execvpe, (const char *, char *const[], char *const[]))                \
	X(int, fexecve, (int, char *const[], char *const[]))                         \
	X(int, posix_spawn, (pid_t *, const char *, const posix_spawn_file_actions_t *, \
			     const posix_spawnattr_t *, char *const[], char *const[]))       \
	X(int, posix_spawnp, (pid_t *, const char *, const posix_spawn_file_actions_t *, \
			      const posix_spawnattr_t *, char *const[], char *const[]))      \
	X(int, system, (const char *))                                               \
	X(FILE *, popen, (const char *, const char *))                               \
	X(pid_t, getpid, (void))                                                     \
	X(pid_t, fork, (void))                                                       \
	X(int, sysinfo, (struct sysinfo *))                                          \
	X(int, getloadavg, (double *, int))                                          \
	X(int, kill, (pid_t, int))                                                   \
	X(int, killpg, (pid_t, int))                                                 \
	X(int, timer_settime, (timer_t, int, const struct itimerspec *, struct itimerspec *)) \
	X(int, timer_gettime, (timer_t, struct itimerspec *))                        \
	X(int, timer_getoverrun, (timer_t))                                          \
	X(int, timer_delete, (timer_t))                                              \
	X(pid_t, getppid, (void))                                                    \
	X(pid_t, gettid, (void))                                                     \
	X(int, gethostname, (char *, size_t))                                        \
	X(int, uname, (struct utsname *))                                            \
	X(int, socket, (int, int, int))                                              \
	X(int, connect, (int, const struct sockaddr *, socklen_t))                   \
	X(int, accept, (int, struct sockaddr *, socklen_t *))                        \
	X(int, accept4, (int, struct sockaddr *, socklen_t *, int))                  \
	X(ssize_t, recv, (int, void *, size_t, int))                                 \
	X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *)) \
	X(ssize_t, recvmsg, (int, struct msghdr *, int))                             \
	X(int, sigaction, (int, const struct sigaction *, struct sigaction *))       \
	X(unsigned long, getauxval, (unsigned long))                                 \
	X(int, sigprocmask, (int, const sigset_t *, sigset_t *))                     \
	X(int, pthread_sigmask, (int, const sigset_t *, sigset_t *))                 \
	X(int, prctl, (int, unsigned long, unsigned long, unsigned long, unsigned long)) \
	X(DIR *, opendir, (const char *))                                            \
	X(DIR *, fdopendir, (int))                                                   \
	X(struct dirent64 *, readdir64, (DIR *))                                     \
	X(void, rewinddir, (DIR *))                                                  \
	X(long, telldir, (DIR *))                                                    \
	X(void, seekdir, (DIR *, long))                                              \
	X(int, closedir, (DIR *))                                                    \
	X(int, mkostemps, (char *, int, int))                                        \
	X(char *, mkdtemp, (char *))                                                 \
	X(char *, mktemp, (char *))                                                  \
	X(FILE *, tmpfile, (void))                                                   \
	X(char *, tmpnam, (char *))                                                  \
	X(char *, tempnam, (const char *, const char *))                             \
	X(int, setitimer, (__itimer_which_t, const struct itimerval *, struct itimerval *)) \
	X(unsigned, alarm, (unsigned))                                               \
	X(int, getitimer, (__itimer_which_t, struct itimerval *))                    \
	X(int, timer_create, (clockid_t, struct sigevent *, timer_t *))              \
	X(int, timerfd_settime, (int, int, const struct itimerspec *, struct itimerspec *))

struct nd_real {
#define ND_REAL_FIELD(ret, name, params) ret(*name) params;
	ND_REAL_LIST(ND_REAL_FIELD)
#undef ND_REAL_FIELD
};

extern struct nd_real nd_real;

/* Fills nd_real from libc.so.6. Returns 0, or -ENOENT naming nothing: the caller
 * reports through the fatal path. Safe before malloc and before TLS is touched. */
int nd_real_resolve(const char **missing);

/* Where libnodice.so itself is mapped (set by nd_real_resolve). */
extern uintptr_t nd_self_lo, nd_self_hi;
/* libc's executable segment: the one region whose system calls are never
 * dispatched (dispatch.c). */
extern uintptr_t nd_libc_text_lo, nd_libc_text_hi;

/* The path of libnodice.so as the loader knows it (for re-injecting LD_PRELOAD). */
const char *nd_real_self_path(void);

#endif
