/* getrandom/getentropy and /dev/urandom: only lengths and return values are printed. */
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/random.h>

int main(void)
{
    unsigned char buf[512];
    static const size_t lens[] = { 0, 1, 16, 256, 512 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        printf("getrandom(%zu) = %zd\n", lens[i], getrandom(buf, lens[i], 0));
    printf("GRND_NONBLOCK 32 = %zd\n", getrandom(buf, 32, GRND_NONBLOCK));
    printf("getentropy(64) = %d\n", getentropy(buf, 64));
    int fd = open("/dev/urandom", O_RDONLY);
    printf("urandom read %zd\n", read(fd, buf, 100));
    close(fd);
    int distinct = 0;
    getrandom(buf, 256, 0);
    for (int i = 0; i < 255; i++)
        distinct |= buf[i] != buf[i + 1];
    printf("not all equal: %d\n", distinct);
    fd = open("/dev/zero", O_RDONLY);
    read(fd, buf, 64);
    int nz = 0;
    for (int i = 0; i < 64; i++)
        nz += buf[i] != 0;
    printf("/dev/zero nonzero bytes %d\n", nz);
    close(fd);
    fd = open("/dev/null", O_RDWR);
    printf("/dev/null write %zd read %zd\n", write(fd, buf, 10), read(fd, buf, 10));
    return 0;
}
