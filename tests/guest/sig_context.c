/* Signal frames carry the exact machine state: a SIGSEGV handler reads the trap
 * number, error code, cr2 and eip from the ucontext, then edits eip/eax to skip the
 * faulting instruction and resume (sigreturn must restore the edited state); a
 * SIGILL handler skips ud2 the same way; registers survive an asynchronous signal. */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <ucontext.h>
#include <sys/mman.h>

extern const char load_site[], load_end[], store_site[], store_end[], ill_site[];
static uintptr_t page;
static volatile int hits;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    (void)sig;
    int at_load = g[REG_EIP] == (greg_t)(uintptr_t)load_site;
    int at_store = g[REG_EIP] == (greg_t)(uintptr_t)store_site;
    printf("segv #%d: trapno=%d err=%d cr2_off=%ld addr_off=%ld at_load=%d at_store=%d\n",
           ++hits, (int)g[REG_TRAPNO], (int)g[REG_ERR],
           (long)(uc->uc_mcontext.cr2 - page), (long)((uintptr_t)si->si_addr - page), at_load,
           at_store);
    /* Resume after the faulting instruction with a recognisable value in eax. */
    g[REG_EIP] = (greg_t)(uintptr_t)(at_load ? load_end : store_end);
    g[REG_EAX] = 0x5eed0000 + hits;
}

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig;
    (void)si;
    printf("sigill at ud2 site: %d\n", uc->uc_mcontext.gregs[REG_EIP] == (greg_t)(uintptr_t)ill_site);
    uc->uc_mcontext.gregs[REG_EIP] += 2;
    uc->uc_mcontext.gregs[REG_ECX] = 4242;
}

static void on_usr1(int sig) { (void)sig; }

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    sa.sa_sigaction = on_ill;
    sigaction(SIGILL, &sa, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);

    char *p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page = (uintptr_t)p;
    munmap(p + 4096, 4096);
    uint32_t eax;
    __asm__ volatile(".globl load_site, load_end\n"
                     "load_site: movl 4100(%1), %0\nload_end:"
                     : "=a"(eax) : "r"(p) : "memory");
    printf("after skipped load: eax=%08x\n", eax);
    __asm__ volatile(".globl store_site, store_end\n"
                     "store_site: movl $1, 12(%1)\nstore_end:"
                     : "=a"(eax) : "r"(p) : "memory");
    printf("after skipped store: eax=%08x\n", eax);

    uint32_t ecx = 1;
    __asm__ volatile(".globl ill_site\nill_site: ud2" : "+c"(ecx) : : "memory");
    printf("after ud2: ecx=%u\n", ecx);

    /* Callee-visible registers survive a handler invoked between two instructions. */
    sa.sa_flags = 0;
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    uint32_t b = 0x11111111, si = 0x22222222, di = 0x33333333, sum;
    __asm__ volatile("push %%ebp\n\t"
                     "mov $0x44444444, %%ebp\n\t"
                     "mov $20, %%eax\n\t"  /* SYS_getpid */
                     "int $0x80\n\t"
                     "mov %%eax, %%ecx\n\t"
                     "mov $37, %%eax\n\t"  /* SYS_kill(getpid(), SIGUSR1) */
                     "push %%ebx\n\t"
                     "mov %%ecx, %%ebx\n\t"
                     "mov $10, %%ecx\n\t"
                     "int $0x80\n\t"
                     "pop %%ebx\n\t"
                     "mov %%ebx, %%eax\n\t"
                     "add %%esi, %%eax\n\t"
                     "add %%edi, %%eax\n\t"
                     "add %%ebp, %%eax\n\t"
                     "pop %%ebp"
                     : "=&a"(sum), "+b"(b), "+S"(si), "+D"(di) : : "ecx", "edx", "memory", "cc");
    printf("registers after signal: sum=%08x\n", sum);
    return 0;
}
