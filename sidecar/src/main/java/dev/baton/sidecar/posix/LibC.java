package dev.baton.sidecar.posix;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;

/**
 * The few libc calls the supervisor needs, bound directly through jnr-ffi.
 *
 * <p>Why not jnr-posix's own API: its {@code posix_spawnp} cannot set the child's signal mask or
 * default dispositions and loses errno on failure (see FACTS.md), and the JDK has no datagram
 * Unix sockets or flock(2). Every function here returns -1 and sets errno on failure unless noted.
 */
public interface LibC {
    int socket(int domain, int type, int protocol);

    int setsockopt(int fd, int level, int name, @In Pointer value, int length);

    int bind(int fd, @In Pointer address, int length);

    int listen(int fd, int backlog);

    int connect(int fd, @In Pointer address, int length);

    long recv(int fd, @Out Pointer buffer, long length, int flags);

    int poll(Pointer fds, long count, int timeoutMillis);

    int pipe2(@Out int[] fds, int flags);

    long write(int fd, @In Pointer buffer, long length);

    long read(int fd, @Out Pointer buffer, long length);

    int close(int fd);

    int fcntl(int fd, int command, int argument);

    int dup2(int from, int to);

    int open(String path, int flags, int mode);

    int flock(int fd, int operation);

    int ftruncate(int fd, long length);

    int kill(int pid, int signal);

    int getpid();

    int setsid();

    int umask(int mask);

    int getuid();

    /** glibc 2.30+: the calling thread's id (the {@code who} of a per-thread {@link #setpriority}). */
    int gettid();

    /** On Linux, {@code PRIO_PROCESS} with a thread id sets that thread's nice value alone. */
    int setpriority(int which, int who, int priority);

    /** Returns the pid, 0 with WNOHANG and nothing to reap, or -1 (ECHILD when there is no child). */
    int waitpid(int pid, @Out IntByReference status, int options);

    /** Resets a signal to SIG_DFL when {@code handler} is null. */
    Pointer signal(int signal, Pointer handler);

    String strerror(int errno);

    // posix_spawn and its attribute objects: all return an error number instead of setting errno.
    int posix_spawnp(@Out IntByReference pid, String file, Pointer fileActions, Pointer attributes,
                     Pointer argv, Pointer envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int from, int to);

    int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int flags, int mode);

    /** glibc 2.29+. */
    int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String directory);

    /** glibc 2.34+: closes every fd from {@code lowest} up in the child. */
    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int lowest);

    int posix_spawnattr_init(Pointer attributes);

    int posix_spawnattr_destroy(Pointer attributes);

    int posix_spawnattr_setflags(Pointer attributes, short flags);

    int posix_spawnattr_setsigmask(Pointer attributes, Pointer signalSet);

    int posix_spawnattr_setsigdefault(Pointer attributes, Pointer signalSet);

    int sigemptyset(Pointer signalSet);

    int sigfillset(Pointer signalSet);
}
