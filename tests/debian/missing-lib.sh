#!/bin/bash
# A program linked against a library that is then removed: the dynamic
# loader reports it and the program exits with status 127.
cat > greet.c <<'END'
void greet(void);
int main(void) { greet(); return 0; }
END
cat > libgreet.c <<'END'
#include <stdio.h>
void greet(void) { puts("hello from libgreet"); }
END
gcc -shared -fPIC -o libgreet.so libgreet.c
gcc -o greet greet.c -L. -lgreet
LD_LIBRARY_PATH=. ./greet
rm libgreet.so
LD_LIBRARY_PATH=. ./greet
echo "status $?"
