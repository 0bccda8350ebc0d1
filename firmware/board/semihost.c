/* Arm semihosting calls (BKPT 0xAB on M-profile). QEMU needs -semihosting-config enable=on,
 * otherwise the BKPT locks the core up. */
#include "simprof_board.h"

#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_WRITE = 0x05,
    SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t semihost_call(uint32_t op, void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

static int32_t console_handle = -1;

void simprof_console_write(const char *text, size_t length)
{
    if (console_handle < 0) {
        /* ":tt" opened for writing ("w", mode 4) is the host's stdout. */
        uint32_t open_args[3] = {(uint32_t)(uintptr_t)":tt", 4u, 3u};
        console_handle = semihost_call(SYS_OPEN, open_args);
        if (console_handle < 0) {
            return;
        }
    }
    uint32_t write_args[3] = {(uint32_t)console_handle, (uint32_t)(uintptr_t)text, (uint32_t)length};
    (void)semihost_call(SYS_WRITE, write_args);
}

void simprof_puts(const char *text)
{
    simprof_console_write(text, strlen(text));
    simprof_console_write("\n", 1);
}

void simprof_exit(int status)
{
    /* SYS_EXIT_EXTENDED carries the status to QEMU's own exit status. */
    uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    for (;;) {
        (void)semihost_call(SYS_EXIT_EXTENDED, block);
    }
}
