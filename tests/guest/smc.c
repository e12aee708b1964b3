/* Self-modifying and generated code: machine code written into an RWX mapping is
 * called, patched and called again (the engine must notice the writes), a loop
 * patches its own immediate while it runs, and code made read-only then executable
 * via mprotect keeps working. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

typedef uint32_t (*fn0)(void);
typedef uint32_t (*fn1)(uint32_t);

/* mov eax, imm32 ; ret */
static void emit_const(unsigned char *p, uint32_t v)
{
    p[0] = 0xb8;
    memcpy(p + 1, &v, 4);
    p[5] = 0xc3;
}

int main(void)
{
    unsigned char *code = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED)
        return 1;
    fn0 f = (fn0)code;
    uint32_t total = 0;
    for (uint32_t i = 0; i < 50; i++) {
        emit_const(code, i * 1000 + 7);
        uint32_t r = f();
        total += r;
        if (i % 10 == 0)
            printf("generated const -> %u\n", r);
    }
    printf("total %u\n", total);

    /* add eax, imm32 in a counted loop: mov eax,[esp+4]; mov ecx,100; L: add eax,imm; loop L; ret */
    static const unsigned char loop_body[] = { 0x8b, 0x44, 0x24, 0x04, 0xb9, 100, 0, 0, 0,
                                               0x05, 1, 0, 0, 0, 0xe2, 0xf9, 0xc3 };
    memcpy(code + 256, loop_body, sizeof loop_body);
    fn1 g = (fn1)(code + 256);
    printf("loop adding 1 x100 from 5: %u\n", g(5));
    code[256 + 10] = 3; /* patch the add immediate */
    printf("patched to add 3: %u\n", g(5));
    /* Code that patches the instruction right after the patching store, so the
     * change must take effect within the same run of straight-line code. */
    static const unsigned char selfpatch[] = {
        0xe8, 0, 0, 0, 0,             /* call next: pushes the address of the pop */
        0x59,                         /* pop ecx: ecx = address of this byte (offset 5) */
        0xc6, 0x41, 0x06, 0x2a,       /* mov byte [ecx+6], 42: offset 11, the imm below */
        0xb8, 0x01, 0, 0, 0,          /* mov eax, 1 (imm32 at offset 11) */
        0xc3,                         /* ret */
    };
    memcpy(code + 512, selfpatch, sizeof selfpatch);
    fn0 h = (fn0)(code + 512);
    uint32_t first = h();
    printf("self-patching code returns %u then %u\n", first, h());
    mprotect(code, 8192, PROT_READ | PROT_EXEC);
    printf("after mprotect r-x: %u\n", f());
    mprotect(code, 8192, PROT_READ | PROT_WRITE);
    mprotect(code, 8192, PROT_READ | PROT_WRITE | PROT_EXEC);
    emit_const(code, 0xdecafbad);
    printf("rewritten after mprotect: %08x\n", f());
    munmap(code, 8192);
    return 0;
}
