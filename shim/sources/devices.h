/* devices: virtual devices, the CPU files, stdin. */
#ifndef ND_DEVICES_H
#define ND_DEVICES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* devices.c — file descriptors that stand for virtual devices. */
enum nd_fd_kind { ND_FD_NONE, ND_FD_RANDOM, ND_FD_UUID, ND_FD_BOOT_ID };
enum nd_fd_kind nd_device_match(const char *path);
int nd_device_adopt(int fd, enum nd_fd_kind kind, int flags);
void nd_device_forget(int fd);
void nd_device_copy(int from, int to);
void nd_device_scan_inherited(void);
/* fn(fd, arg) for every descriptor open in this process (/proc/self/fd). */
void nd_device_each_fd(void (*fn)(int fd, void *arg), void *arg);
#define ND_FD_MAX 65536
extern uint8_t nd_fd_kind[ND_FD_MAX];
static inline int nd_device_fd(int fd)
{
	return (unsigned)fd < ND_FD_MAX && nd_fd_kind[fd];
}
ssize_t nd_device_read(int fd, void *buf, size_t len, int64_t offset);
/* pipes.c: a write to fd by this process (several concurrent writers of one
 * pipe or socket are reported as tree-order); fd closed or replaced. */
void nd_pipes_wrote(int fd, int ordered);
/* The key of the channel fd writes into (a socketpair end's: its peer's),
 * or 0 for anything not tracked; *named: a FIFO with a name. */
uint64_t nd_pipes_write_key(int fd, int *named);
struct nd_tree_pipe *nd_pipes_entry(uint64_t key, int create);
/* A member other than slot except (-1: none) holds entry p for writing
 * (writers.c). */
int nd_pipes_held(struct nd_tree_pipe *p, int except);
void nd_pipes_forget(int fd);
/* The same for a descriptor open(2) returned with flags. */
void nd_pipes_opened(int fd, int flags);
/* fd reads the entry of key as a pipe does (process/childend.c); 0: no
 * longer. */
void nd_pipes_as(int fd, uint64_t key);
/* The key fd was given so (0: none), and whether any descriptor has one. */
uint64_t nd_pipes_as_key(int fd);
int nd_pipes_as_any(void);
/* A fork child: the descriptors other threads of its parent were waiting on
 * so are closed (natively it never had them; their numbers would give the
 * child's own files those entries). */
void nd_pipes_as_fork_child(void);
/* The tree's entry of the stream fd's bytes travel in, for carried counts
 * (process/carry.c): a pipe's or FIFO's, or for a connected Unix stream
 * socket's end the receiving end's (its peer's when writing, its own when
 * reading); made when writing. NULL outside the tree or for other descriptors. */
struct nd_tree_pipe;
struct nd_tree_pipe *nd_pipes_carrier(int fd, int writing);
/* The entry of the anonymous pipe fd: for closing (1), when fd writes it
 * (made if need be); for a reader at its end of file (0), when there is
 * one. NULL otherwise. */
struct nd_tree_pipe *nd_pipes_ending(int fd, int closing);
/* The same entry for a reader about to wait for fd (process/deliver.c),
 * made if need be. */
struct nd_tree_pipe *nd_pipes_reading(int fd);
/* 1 when fd is a socketpair's end: what it receives comes from the run
 * (unless the other end was handed outside), as a pipe's bytes do. A
 * connection to a named listener carries time (nd_pipes_carrier; not
 * counts) but is not of the tree: its peer may be outside the run. */
int nd_pipes_paired(int fd);
/* 1 when fd is such a connection of a named listener (its reads carry
 * time, not counts: process/carry.c). */
int nd_pipes_named_conn(int fd);
/* A connected socket's keys in the tree's pipes: the stream it writes (0
 * while its peer is not known) and the one it reads (process/convo.c). */
void nd_pipes_conn_keys(int fd, uint64_t *out, uint64_t *in);
/* sockpeer.c: the inode of the other end of a connected Unix stream socket
 * (fd, inode ino), or 0; *named is 1 when it is a named listener's
 * connection rather than a socketpair's. */
uint64_t nd_sockpeer_inode(int fd, uint64_t ino, int *named);
/* What happened in the tree so far happened before this process's next
 * write: at its start, after fork, after it reaped a child. */
void nd_pipes_joined(void);
/* ... and what was written before write number seq (a lock's release). */
void nd_pipes_known(uint64_t seq);
long nd_device_seek(int fd, int64_t off, int whence);

/* cpufiles.c: /proc/cpuinfo, /proc/stat, the sysfs CPU lists and cpu.max
 * answered for NODICE_CPUS CPUs: 0 when path is not one of them, else 1
 * with *fd a descriptor or -errno. */
int nd_cpufile_open(const char *path, int flags, int *fd);
/* procclock.c: /proc/uptime and /proc/loadavg on the virtual boot clock,
 * the same way. */
int nd_procclock_open(const char *path, int flags, int *fd);
/* What follows /proc/<self|thread-self|pid>/ in path, with the pid when
 * pid is not NULL (this process's for self); NULL when path is not there. */
const char *nd_proc_process_part(const char *path, int *pid);
/* The pid /proc/<self|thread-self|pid>/<name> names when it is this
 * process or another member of the run, else 0. */
int nd_proc_member(const char *path, const char *name);
/* procstatus.c: /proc/<pid>/status of a member, its counters repeatable. */
int nd_procstatus_open(const char *path, int flags, int *fd);
/* meminfo.c: /proc/meminfo of an idle machine with three quarters of its
 * memory free, the same way; and sysinfo's memory figures to match. */
int nd_meminfo_open(const char *path, int flags, int *fd);
struct sysinfo;
void nd_meminfo_sysinfo(struct sysinfo *info);
/* host.c: with NODICE_HOST, /etc/hostname, /proc/sys/kernel/hostname and
 * the machine-id files, the same way. */
int nd_hostfile_open(const char *path, int flags, int *fd);
/* 64 bits from NODICE_HOST alone (never the seed), one value per `which`:
 * the machine id takes 1 and 2, uuid1's node 3. */
uint64_t nd_host_hash(uint64_t which);

/* stdio.c: a device inherited as fd 0 becomes the stdin stream. */
void nd_stdio_adopt_stdin(void);

#endif
