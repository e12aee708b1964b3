// cflags: -msse2
/* SSE state across signal delivery: the handler may clobber XMM registers
 * and MXCSR (and use glibc's SSE2 string functions); on return from the
 * handler the interrupted code's XMM registers and MXCSR are back (Linux
 * saves them in the signal frame). The signal arrives in the middle of an
 * asm block that keeps a value in xmm7. (Linux also starts the handler with
 * the default MXCSR; tabvm's kernel does not reset it yet, so the handler's
 * MXCSR is not printed.) */
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <emmintrin.h>

static void on_usr1(int sig)
{
    (void)sig;
    _mm_setcsr(0x7f80 | 0x3f);
    __asm__ volatile("pcmpeqd %%xmm7, %%xmm7; pxor %%xmm0, %%xmm0" ::: "xmm0", "xmm7");
    char buf[64];
    memset(buf, 'x', sizeof buf);
    buf[63] = 0;
    printf("in handler: strlen %zu\n", strlen(buf));
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    _mm_setcsr(0x5f80 | 0x20);
    uint32_t in[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 }, out[4];
    long pid = getpid(), ret;
    /* kill(getpid(), SIGUSR1) with xmm7 live across the system call. */
    __asm__ volatile("movdqu %2, %%xmm7\n\t"
                     "int $0x80\n\t"
                     "movdqu %%xmm7, %1"
                     : "=a"(ret), "=m"(out)
                     : "m"(in), "0"((long)SYS_kill), "b"(pid), "c"((long)SIGUSR1)
                     : "xmm7", "memory");
    printf("kill returned %ld\n", ret);
    printf("mxcsr after return %04x\n", _mm_getcsr());
    printf("xmm7 %08x %08x %08x %08x\n", out[3], out[2], out[1], out[0]);
    return 0;
}
