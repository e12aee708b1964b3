/* <string.h> searching and copying functions on assorted inputs and alignments. */
#include <stdio.h>
#include <string.h>

static const char *show(const char *base, const char *p)
{
    static char buf[32];
    if (!p)
        return "NULL";
    snprintf(buf, sizeof buf, "+%d", (int)(p - base));
    return buf;
}

int main(void)
{
    static const char *words[] = { "", "a", "ab", "hello", "hello world", "Hello",
                                   "abcabcabd", "the quick brown fox jumps over the lazy dog",
                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "zz\x80\xff" };
    const int n = sizeof words / sizeof words[0];
    for (int i = 0; i < n; i++) {
        const char *s = words[i];
        printf("[%s] len=%zu chr(o)=%s rchr(o)=%s chr(0)=%s spn=%zu cspn=%zu\n", s, strlen(s),
               show(s, strchr(s, 'o')), show(s, strrchr(s, 'o')), show(s, strchr(s, 0)),
               strspn(s, "abch"), strcspn(s, " z"));
        for (int j = 0; j < n; j++) {
            const char *t = words[j];
            int c = strcmp(s, t), nc = strncmp(s, t, 3);
            printf("  vs [%s] cmp=%d ncmp3=%d str=%s\n", t, (c > 0) - (c < 0),
                   (nc > 0) - (nc < 0), show(s, strstr(s, t)));
        }
    }
    char buf[128];
    for (int off = 0; off < 8; off++) {
        memset(buf, '#', sizeof buf);
        char *d = buf + off;
        strcpy(d, words[7]);
        strcat(d, "!");
        strncat(d, "123456", 3);
        printf("off %d: %s len=%zu tail=%c\n", off, d, strlen(d), buf[off + strlen(d) + 1]);
        strncpy(d, "xy", 6);
        printf("  strncpy pad: %d %d %d %d %c\n", d[2], d[3], d[4], d[5], d[6]);
    }
    char tok[] = "  alpha,beta;;gamma , delta  ";
    for (char *p = strtok(tok, " ,;"); p; p = strtok(NULL, " ,;"))
        printf("tok <%s>\n", p);
    printf("dup %s\n", strdup("duplicate me"));
    return 0;
}
