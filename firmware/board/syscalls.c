/* The newlib system calls simprof firmware needs: a bounded _sbrk that records its high-water
 * mark, console output and exit over semihosting. Everything else fails politely. */
#include "simprof_board.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/types.h>

uint8_t *volatile simprof_heap_high = __HeapBase;
static uint8_t *heap_break = __HeapBase;

void *_sbrk(ptrdiff_t increment);
int _write(int fd, const char *buf, int len);
int _read(int fd, char *buf, int len);
int _close(int fd);
int _lseek(int fd, int offset, int whence);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _kill(int pid, int sig);
int _getpid(void);
void _exit(int status);

void *_sbrk(ptrdiff_t increment)
{
    uint8_t *previous = heap_break;
    if (increment > __HeapLimit - heap_break || increment < __HeapBase - heap_break) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_break += increment;
    if (heap_break > simprof_heap_high) {
        simprof_heap_high = heap_break;
    }
    return previous;
}

int _write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    simprof_console_write(buf, (size_t)len);
    return len;
}

int _read(int fd, char *buf, int len)
{
    (void)fd;
    (void)buf;
    (void)len;
    return 0;
}

int _close(int fd)
{
    (void)fd;
    return -1;
}

int _lseek(int fd, int offset, int whence)
{
    (void)fd;
    (void)offset;
    (void)whence;
    return 0;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR;
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

int _getpid(void)
{
    return 1;
}

void _exit(int status)
{
    simprof_exit(status);
}
