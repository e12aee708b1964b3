"""Writes a deterministic C file of about 2,000 lines for the compile benchmark:
functions of varied shape (loops, switches, structs, strings, floating point)
so the optimiser has real work. usage: gen-c.py OUT.c"""
import random
import sys

rng = random.Random(2026)
out = ["#include <stdio.h>", "#include <string.h>", "#include <math.h>", "",
       "struct vec { double x, y, z; };", "struct node { int key; struct node *next; };", ""]
kinds = ["loop", "switch", "vec", "str", "list"]
names = []
i = 0
while len(out) < 1950:
    kind = kinds[i % len(kinds)]
    name = f"f{i}_{kind}"
    names.append((name, kind))
    a, b, c = rng.randint(2, 9), rng.randint(3, 17), rng.randint(1, 31)
    if kind == "loop":
        out += [f"static long {name}(long n)", "{", "    long s = 0;",
                f"    for (long i = 0; i < n; i++) {{",
                f"        s += (i * {a}) ^ (s >> {c % 8 + 1});",
                f"        if (s % {b} == 0) s += i / {a};", "    }", "    return s;", "}", ""]
    elif kind == "switch":
        cases = [f"    case {k}: return x * {rng.randint(1, 99)} + {rng.randint(0, 9)};" for k in range(8)]
        out += [f"static long {name}(long x)", "{", "    switch (x & 7) {"] + cases + [
                "    }", "    return -1;", "}", ""]
    elif kind == "vec":
        out += [f"static double {name}(int n)", "{", "    struct vec v = {1.0, 2.0, 3.0};",
                "    for (int i = 0; i < n; i++) {",
                f"        v.x = v.y * {a}.0 / (1.0 + v.z * v.z);",
                f"        v.y = sqrt(fabs(v.x - v.z)) + {b}.5;",
                f"        v.z = v.x * 0.{c} + v.y * 0.5;", "    }",
                "    return v.x + v.y + v.z;", "}", ""]
    elif kind == "str":
        out += [f"static unsigned {name}(const char *s)", "{", "    char buf[64];",
                "    unsigned h = 5381;", "    strncpy(buf, s, sizeof buf - 1);",
                "    buf[sizeof buf - 1] = 0;",
                "    for (char *p = buf; *p; p++)",
                f"        h = h * {a * 11} + (unsigned)*p + {c};", "    return h;", "}", ""]
    else:
        out += [f"static int {name}(struct node *head)", "{", "    int best = 0;",
                "    for (struct node *n = head; n; n = n->next)",
                f"        if ((n->key * {a}) % {b} > best % {b}) best = n->key;",
                "    return best;", "}", ""]
    i += 1

out += ["int main(void)", "{", "    struct node nodes[16];",
        "    for (int i = 0; i < 16; i++) { nodes[i].key = i * 7 % 13; nodes[i].next = i < 15 ? &nodes[i + 1] : 0; }",
        "    double acc = 0;"]
for name, kind in names:
    arg = {"loop": "1000", "switch": "37", "vec": "10", "str": '"tabvm"', "list": "nodes"}[kind]
    out.append(f"    acc += (double){name}({arg});")
out += ['    printf("%.6g\\n", acc);', "    return 0;", "}"]
with open(sys.argv[1], "w") as f:
    f.write("\n".join(out) + "\n")
