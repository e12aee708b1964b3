/* Self-modifying code that is hot enough to be translated: a generated loop is
 * called thousands of times and patched between batches, and a function of the
 * program's own .text is made writable with mprotect and rewritten while a hot
 * loop keeps calling it. Each patch must take effect at once. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef uint32_t (*loop_fn)(uint32_t n);

/* mov ecx, [esp+4]; xor eax, eax; L: add eax, imm32; dec ecx; jnz L; ret */
static const unsigned char loop_code[] = {
    0x8b, 0x4c, 0x24, 0x04, 0x31, 0xc0, 0x05, 0, 0, 0, 0, 0x49, 0x75, 0xf8, 0xc3,
};
enum { IMM_AT = 7 };

__attribute__((noinline)) static uint32_t own_function(uint32_t x)
{
    return x * 3 + 1;
}

int main(void)
{
    unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED)
        return 1;
    memcpy(code, loop_code, sizeof loop_code);
    loop_fn f = (loop_fn)code;
    for (uint32_t batch = 1; batch <= 6; batch++) {
        uint32_t imm = batch * 7;
        memcpy(code + IMM_AT, &imm, 4);
        uint32_t sum = 0;
        for (uint32_t i = 0; i < 3000; i++)
            sum += f(i % 50 + 1);
        printf("generated loop, batch %u: %u\n", batch, sum);
    }

    /* The page(s) of own_function, writable for a moment. */
    uint32_t (*volatile g)(uint32_t) = own_function;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)own_function & ~(uintptr_t)(page - 1);
    uint32_t before = 0;
    for (uint32_t i = 0; i < 5000; i++)
        before += g(i);
    if (mprotect((void *)start, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
        perror("mprotect");
        return 1;
    }
    /* mov eax, [esp+4]; add eax, eax; ret */
    static const unsigned char twice[] = { 0x8b, 0x44, 0x24, 0x04, 0x01, 0xc0, 0xc3 };
    memcpy((void *)own_function, twice, sizeof twice);
    mprotect((void *)start, 2 * page, PROT_READ | PROT_EXEC);
    uint32_t after = 0;
    for (uint32_t i = 0; i < 5000; i++)
        after += g(i);
    printf("own function before %u, after patching %u\n", before, after);
    return 0;
}
