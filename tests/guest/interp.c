/* A small stack-machine interpreter and a state-machine tokenizer: computes primes,
 * gcds and collatz lengths with bytecode, then tokenizes an expression language. */
#include <stdio.h>
#include <ctype.h>
#include <string.h>

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, PRINT, HALT, DUP, DIV };

static long vm(const int *code, long *vars)
{
    long stack[64];
    int sp = 0, pc = 0;
    long steps = 0;
    for (;;) {
        steps++;
        int op = code[pc++];
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = vars[code[pc++]]; break;
        case STORE: vars[code[pc++]] = stack[--sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case DIV: sp--; stack[sp - 1] /= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JZ: { int t = code[pc++]; if (!stack[--sp]) pc = t; break; }
        case JMP: pc = code[pc]; break;
        case PRINT: printf("vm: %ld\n", stack[--sp]); break;
        case HALT: return steps;
        }
    }
}

int main(void)
{
    /* Primes below 120 by trial division, assembled with a tiny builder. */
    int code[256], n = 0;
#define E(x) code[n++] = (x)
    int outer, inner, notprime, done, skip;
    E(PUSH); E(2); E(STORE); E(0);
    outer = n;
    E(LOAD); E(0); E(PUSH); E(120); E(LT); E(JZ); done = n; E(0);
    E(PUSH); E(2); E(STORE); E(1);
    inner = n;
    E(LOAD); E(1); E(LOAD); E(1); E(MUL); E(LOAD); E(0); E(PUSH); E(1); E(ADD); E(LT);
    E(JZ); int isprime = n; E(0);
    E(LOAD); E(0); E(LOAD); E(1); E(MOD); E(JZ); notprime = n; E(0);
    E(LOAD); E(1); E(PUSH); E(1); E(ADD); E(STORE); E(1); E(JMP); E(inner);
    code[isprime] = n;
    E(LOAD); E(0); E(PRINT);
    skip = n;
    code[notprime] = skip;
    E(LOAD); E(0); E(PUSH); E(1); E(ADD); E(STORE); E(0); E(JMP); E(outer);
    code[done] = n;
    E(HALT);
    long vars[4] = { 0 };
    printf("prime program steps %ld\n", vm(code, vars));

    /* Collatz lengths via the same VM: x=vars[0]; count steps until x==1. */
    n = 0;
    int loop, even, end;
    loop = n;
    E(PUSH); E(1); E(LOAD); E(0); E(LT); E(JZ); end = n; E(0);
    E(LOAD); E(2); E(PUSH); E(1); E(ADD); E(STORE); E(2);
    E(LOAD); E(0); E(PUSH); E(2); E(MOD); E(JZ); even = n; E(0);
    E(LOAD); E(0); E(PUSH); E(3); E(MUL); E(PUSH); E(1); E(ADD); E(STORE); E(0); E(JMP); E(loop);
    code[even] = n;
    E(LOAD); E(0); E(PUSH); E(2); E(DIV); E(STORE); E(0); E(JMP); E(loop);
    code[end] = n;
    E(HALT);
    for (long x = 1; x <= 30; x++) {
        long v[4] = { x, 0, 0, 0 };
        long steps = vm(code, v);
        printf("collatz(%ld) = %ld (vm steps %ld)\n", x, v[2], steps);
    }

    /* Tokenizer state machine. */
    const char *src = "let x1 = 42 + foo_bar*(7-3) >= 10 && \"str lit\" != y; # comment\nz=0x1f";
    enum { S_START, S_IDENT, S_NUM, S_STR, S_OP, S_COMMENT } st = S_START;
    char tok[64];
    int tl = 0;
    for (const char *p = src;; p++) {
        char ch = *p;
        int emit = 0;
        switch (st) {
        case S_START:
            if (!ch) goto out;
            if (isspace((unsigned char)ch)) continue;
            tl = 0;
            tok[tl++] = ch;
            if (isalpha((unsigned char)ch) || ch == '_') st = S_IDENT;
            else if (isdigit((unsigned char)ch)) st = S_NUM;
            else if (ch == '"') st = S_STR;
            else if (ch == '#') st = S_COMMENT;
            else st = S_OP;
            break;
        case S_IDENT:
        case S_NUM:
            if (isalnum((unsigned char)ch) || ch == '_') tok[tl++] = ch;
            else { emit = 1; p--; }
            break;
        case S_STR:
            tok[tl++] = ch;
            if (ch == '"' || !ch) emit = 1;
            break;
        case S_OP:
            if (strchr("=&|<>!", ch) && ch && strchr("=&|<>!", tok[0])) tok[tl++] = ch;
            else { emit = 1; p--; }
            break;
        case S_COMMENT:
            if (ch == '\n' || !ch) { st = S_START; printf("comment skipped\n"); if (!ch) goto out; }
            continue;
        }
        if (emit) {
            tok[tl] = 0;
            static const char *names[] = { "start", "ident", "number", "string", "op", "comment" };
            printf("token %-6s <%s>\n", names[st], tok);
            st = S_START;
        }
    }
out:
    return 0;
}
