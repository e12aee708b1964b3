/* The guest side of the crash test (crates/cli/tests/image_crash.rs): a
 * write workload that is killed at random moments.
 *
 * Usage: crash_workload DIR RUN SEED ROUNDS
 *
 * Each round either writes a new file DIR/runRUN/fN in a few appends,
 * makes it durable (fsync, fdatasync, syncfs or sync, in turn) and prints
 * "synced PATH HASH" — the file is never touched again, so after any kill
 * it must read back with that HASH (64-bit FNV-1a, hex) — or shuffles the
 * shared directory DIR/scratch: create, append, rename, hard link, symlink,
 * truncate, delete, mkdir, rmdir, and keeping a file open after deleting
 * it (an orphan, which a sync must not leave nameless on the disk). Scratch operations may fail (a name left
 * by an earlier, killed run, or one not there); that is part of the game.
 * Run RUN first deletes DIR/run(RUN-3), so the volume does not fill up.
 * Prints "done" after the last round.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t state;

static uint32_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state >> 16);
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void say(const char *line) {
    if (write(1, line, strlen(line)) < 0)
        die("write stdout");
}

/* Removes a flat directory and everything in it. */
static void remove_run(const char *dir) {
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    rmdir(dir);
}

static unsigned char buf[65536];

static void fill(size_t n) {
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)next();
}

/* A new file made durable; prints its line. */
static void synced_file(const char *run_dir, int round) {
    char path[512], line[600];
    snprintf(path, sizeof path, "%s/f%d", run_dir, round);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0)
        die(path);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int pieces = 1 + next() % 4; pieces > 0; pieces--) {
        size_t n = next() % 20000;
        fill(n);
        if (write(fd, buf, n) != (ssize_t)n)
            die("write");
        h = fnv(h, buf, n);
    }
    int r;
    switch (round % 4) {
    case 0: r = fsync(fd); break;
    case 1: r = fdatasync(fd); break;
    case 2: r = syncfs(fd); break;
    default: sync(); r = 0; break;
    }
    if (r != 0)
        die("sync");
    close(fd);
    snprintf(line, sizeof line, "synced %s %016llx\n", path, (unsigned long long)h);
    say(line);
}

/* A deleted file kept open, or -1. */
static int orphan = -1;

/* One change to the scratch directory; failures are expected. */
static void scratch_op(const char *scratch) {
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/n%u", scratch, next() % 24);
    snprintf(b, sizeof b, "%s/n%u", scratch, next() % 24);
    int fd;
    switch (next() % 10) {
    case 0: /* create or append */
    case 1:
        fd = open(a, O_CREAT | O_WRONLY | O_APPEND, 0600);
        if (fd >= 0) {
            size_t n = next() % sizeof buf;
            fill(n);
            if (write(fd, buf, n) < 0)
                die("append");
            close(fd);
        }
        break;
    case 2: rename(a, b); break;
    case 3: link(a, b); break;
    case 4: symlink(a, b); break;
    case 5: truncate(a, next() % 100000); break;
    case 6: unlink(a); break;
    case 7: mkdir(a, 0755); break;
    case 8: rmdir(a); break;
    default: /* replace the orphan */
        if (orphan >= 0)
            close(orphan);
        orphan = open(a, O_CREAT | O_RDWR, 0600);
        if (orphan >= 0) {
            unlink(a);
            fill(5000);
            if (write(orphan, buf, 5000) < 0)
                die("write orphan");
        }
        break;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s DIR RUN SEED ROUNDS\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int run = atoi(argv[2]);
    state = strtoull(argv[3], 0, 10) * 2654435761u + 1;
    int rounds = atoi(argv[4]);
    char run_dir[256], old[256], scratch[256];
    snprintf(run_dir, sizeof run_dir, "%s/run%d", dir, run);
    snprintf(old, sizeof old, "%s/run%d", dir, run - 3);
    snprintf(scratch, sizeof scratch, "%s/scratch", dir);
    mkdir(dir, 0755);
    mkdir(scratch, 0755);
    remove_run(old);
    if (mkdir(run_dir, 0755) != 0)
        die(run_dir);
    say("start\n");
    for (int round = 0; round < rounds; round++) {
        if (next() % 3 == 0)
            synced_file(run_dir, round);
        else
            scratch_op(scratch);
    }
    say("done\n");
    return 0;
}
