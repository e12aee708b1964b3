//! End-to-end tests: small C programs built with `gcc -m32 -static`, run
//! natively (the oracle) and under the kernel with an in-memory root, must
//! print the same bytes and exit the same way. They need gcc-multilib and
//! the busybox that `dev/busybox.sh` fetches (`bash dev/test` installs
//! both) and fail, rather than skip, without them.

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;

use tabvm_kernel::vfs::{Creator, FileSystem, FileType, MemFs};
use tabvm_kernel::{Config, Host, Kernel, Now, RunStatus, Spawn, SpawnError, Stream};

#[derive(Default)]
struct Output {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    log: Vec<String>,
}

struct TestHost(Rc<RefCell<Output>>);

impl Host for TestHost {
    fn write_console(&mut self, stream: Stream, bytes: &[u8]) {
        let mut o = self.0.borrow_mut();
        match stream {
            Stream::Stdout => o.stdout.extend_from_slice(bytes),
            Stream::Stderr => o.stderr.extend_from_slice(bytes),
        }
    }
    fn fill_random(&mut self, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (i * 37 + 11) as u8;
        }
    }
    fn log(&mut self, line: &str) {
        self.0.borrow_mut().log.push(line.to_owned());
    }
}

/// Builds `src` as a static i386 program.
fn build(name: &str, src: &str) -> PathBuf {
    build_with(name, src, &[])
}

fn build_with(name: &str, src: &str, flags: &[&str]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kernel-guest");
    std::fs::create_dir_all(&dir).unwrap();
    let c = dir.join(format!("{name}.c"));
    let exe = dir.join(name);
    std::fs::write(&c, src).unwrap();
    let out = Command::new("gcc")
        .args(["-m32", "-static", "-O1", "-o"])
        .arg(&exe)
        .arg(&c)
        .args(flags)
        .output()
        .expect("gcc is needed (bash dev/test installs gcc-multilib)");
    assert!(
        out.status.success(),
        "gcc -m32 -static failed for {name}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Host path of Debian's static i386 busybox, fetched once by `dev/busybox.sh`.
fn busybox_path() -> PathBuf {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dev/busybox.sh");
    let out = Command::new("sh")
        .arg(script)
        .output()
        .expect("run dev/busybox.sh");
    assert!(
        out.status.success(),
        "dev/busybox.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).expect("utf-8 path").trim())
}

/// A root holding only `/bin/busybox`.
fn busybox_root() -> MemFs {
    let busybox = std::fs::read(busybox_path()).unwrap();
    let mut fs = MemFs::new();
    let root = fs.root();
    let bin = fs
        .create(root, b"bin", FileType::Directory, 0o755, Creator::default())
        .unwrap();
    let ino = fs
        .create(
            bin,
            b"busybox",
            FileType::Regular,
            0o755,
            Creator::default(),
        )
        .unwrap();
    fs.write(ino, 0, &busybox).unwrap();
    fs
}

fn root_with(files: &[(&str, Vec<u8>, u32)]) -> MemFs {
    let mut fs = MemFs::new();
    let root = fs.root();
    for (name, bytes, mode) in files {
        let ino = fs
            .create(
                root,
                name.as_bytes(),
                FileType::Regular,
                *mode,
                Creator::default(),
            )
            .unwrap();
        fs.write(ino, 0, bytes).unwrap();
    }
    fs
}

fn kernel(fs: MemFs) -> (Kernel, Rc<RefCell<Output>>) {
    let out = Rc::new(RefCell::new(Output::default()));
    let config = Config {
        root: Box::new(fs),
        tty: [false; 3],
        log: true,
    };
    (Kernel::new(config, Box::new(TestHost(out.clone()))), out)
}

fn spawn_args(path: &str, argv: &[&str]) -> Spawn {
    Spawn {
        path: path.into(),
        argv: argv.iter().map(|s| s.to_string()).collect(),
        envp: vec!["HOME=/".into(), "LANG=C".into()],
        cwd: "/".into(),
        uid: 0,
        gid: 0,
    }
}

/// Runs until the first process exits; virtual time jumps to each wake-up.
fn run_to_exit(k: &mut Kernel) -> i32 {
    let mut now = Now {
        monotonic_ns: 1_000_000_000,
        realtime_ns: 1_700_000_000_000_000_000,
    };
    for _ in 0..1_000_000 {
        match k.run(now) {
            RunStatus::Exited { status } => return status,
            RunStatus::Busy => now.monotonic_ns += 1_000_000,
            RunStatus::Idle { wake_at: Some(t) } => {
                let step = t.saturating_sub(now.monotonic_ns).max(1);
                now.monotonic_ns += step;
                now.realtime_ns += step;
            }
            RunStatus::Idle { wake_at: None } => panic!("guest deadlocked"),
        }
    }
    panic!("guest did not finish");
}

/// Runs `src` natively and under the kernel and compares.
fn differential(name: &str, src: &str, args: &[&str]) {
    let exe = build(name, src);
    // `setarch i686` makes the native uname(2) say i686, as under tabvm.
    let native = Command::new("setarch")
        .arg("i686")
        .arg("-R")
        .arg(&exe)
        .args(args)
        .env_clear()
        .env("HOME", "/")
        .env("LANG", "C")
        .output()
        .unwrap();
    let bytes = std::fs::read(&exe).unwrap();
    let (mut k, out) = kernel(root_with(&[(name, bytes, 0o755)]));
    let path = format!("/{name}");
    let mut argv = vec![path.as_str()];
    argv.extend(args);
    k.spawn(spawn_args(&path, &argv)).unwrap();
    let status = run_to_exit(&mut k);
    let o = out.borrow();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&native.stdout),
        "stdout of {name}"
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&native.stderr),
        "stderr of {name}"
    );
    assert_eq!(
        status,
        shell_status(native.status),
        "exit status of {name} (log: {:?})",
        o.log
    );
}

/// A native exit status as a shell reports it (128+N for signal N).
fn shell_status(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}

#[test]
fn spawn_errors_name_the_problem() {
    let elf64 = {
        let mut b = vec![0x7f, b'E', b'L', b'F', 2, 1, 1];
        b.resize(64, 0);
        b
    };
    let (mut k, _) = kernel(root_with(&[
        ("text", b"hello world".to_vec(), 0o755),
        ("elf64", elf64, 0o755),
    ]));
    let err = |k: &mut Kernel, p: &str| k.spawn(spawn_args(p, &[p])).unwrap_err();
    assert_eq!(
        err(&mut k, "/missing"),
        SpawnError::NotFound("/missing: no such file".into())
    );
    assert_eq!(
        err(&mut k, "/text"),
        SpawnError::BadExecutable("/text: not an ELF executable".into())
    );
    assert_eq!(
        err(&mut k, "/elf64"),
        SpawnError::BadExecutable(
            "/elf64: 64-bit ELF executables are not supported (tabvm runs i386 programs)".into()
        )
    );
}

#[test]
fn hello_exit_code_and_args() {
    differential(
        "hello",
        r#"#include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        int main(int argc, char **argv) {
            printf("hello %d [%s]", argc, strrchr(argv[0], '/'));
            for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
            printf("\n");
            fprintf(stderr, "err %s\n", getenv("HOME"));
            return 42;
        }"#,
        &["a", "bc"],
    );
}

#[test]
fn fork_wait_pipe() {
    differential(
        "forkpipe",
        r#"#include <stdio.h>
        #include <unistd.h>
        #include <sys/wait.h>
        #include <string.h>
        int main(void) {
            int fd[2];
            if (pipe(fd)) return 1;
            pid_t p = fork();
            if (p == 0) {
                close(fd[0]);
                const char *m = "from child\n";
                write(fd[1], m, strlen(m));
                _exit(7);
            }
            close(fd[1]);
            char buf[64];
            ssize_t n = read(fd[0], buf, sizeof buf);
            fwrite(buf, 1, n, stdout);
            int st;
            pid_t w = waitpid(p, &st, 0);
            printf("waited %d exited %d code %d\n", w == p, WIFEXITED(st), WEXITSTATUS(st));
            return 0;
        }"#,
        &[],
    );
}

#[test]
fn signals_handlers_and_faults() {
    differential(
        "signals",
        r#"#include <stdio.h>
        #include <signal.h>
        #include <setjmp.h>
        #include <unistd.h>
        #include <string.h>
        static sigjmp_buf jb;
        static volatile int got;
        static void on_segv(int s, siginfo_t *si, void *uc) {
            got = s; printf("segv code %d addr %p\n", si->si_code, si->si_addr); siglongjmp(jb, 1);
        }
        static void on_usr1(int s) { got = s; }
        static void on_alrm(int s) { got = s; }
        int main(void) {
            setvbuf(stdout, 0, _IONBF, 0);
            struct sigaction sa; memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = on_segv; sa.sa_flags = SA_SIGINFO;
            sigaction(SIGSEGV, &sa, 0);
            if (!sigsetjmp(jb, 1)) *(volatile int *)16 = 1;
            printf("after segv got %d\n", got);
            signal(SIGUSR1, on_usr1);
            raise(SIGUSR1);
            printf("usr1 got %d\n", got);
            signal(SIGALRM, on_alrm);
            alarm(1);
            pause();
            printf("alarm got %d\n", got);
            sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR1);
            sigprocmask(SIG_BLOCK, &s, 0);
            got = 0; raise(SIGUSR1);
            printf("blocked got %d\n", got);
            sigprocmask(SIG_UNBLOCK, &s, 0);
            printf("unblocked got %d\n", got);
            signal(SIGTERM, SIG_DFL);
            raise(SIGTERM);
            return 0;
        }"#,
        &[],
    );
}

#[test]
fn memory_time_and_identity() {
    differential(
        "memtime",
        r#"#include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/mman.h>
        #include <sys/utsname.h>
        #include <time.h>
        #include <unistd.h>
        int main(void) {
            char *p = malloc(1 << 20); memset(p, 1, 1 << 20);
            char *q = mmap(0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
            q[8191] = 5; printf("mmap %d\n", q[8191]);
            printf("mprotect %d munmap %d\n", mprotect(q, 4096, PROT_READ), munmap(q, 8192));
            p = realloc(p, 4 << 20); printf("realloc %d\n", p[1000]);
            struct utsname u; uname(&u); printf("%s %s\n", u.sysname, u.machine);
            struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
            struct timespec d = {0, 20000000}; nanosleep(&d, 0);
            clock_gettime(CLOCK_MONOTONIC, &b);
            long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
            printf("slept enough %d\n", ms >= 20);
            printf("pid>0 %d ppid>=0 %d pgrp %d\n", getpid() > 0, getppid() >= 0, getpgrp() == getpid() || 1);
            return 0;
        }"#,
        &[],
    );
}

/// Builds `name` from `src` and adds it to `files` under `/name`.
fn with_program(files: &mut Vec<(String, Vec<u8>, u32)>, name: &str, src: &str) -> PathBuf {
    let exe = build(name, src);
    files.push((name.to_owned(), std::fs::read(&exe).unwrap(), 0o755));
    exe
}

/// Runs `/main` under the kernel with extra files in the root; returns
/// (stdout, stderr, status).
fn run_in_root(files: Vec<(String, Vec<u8>, u32)>, argv: &[&str]) -> (String, String, i32) {
    let refs: Vec<(&str, Vec<u8>, u32)> = files
        .iter()
        .map(|(n, b, m)| (n.as_str(), b.clone(), *m))
        .collect();
    let (mut k, out) = kernel(root_with(&refs));
    k.spawn(spawn_args("/main", argv)).unwrap();
    let status = run_to_exit(&mut k);
    let o = out.borrow();
    (
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
        status,
    )
}

#[test]
fn execve_scripts_and_spawn() {
    let mut files = Vec::new();
    let main = r#"#include <stdio.h>
        #include <stdlib.h>
        #include <unistd.h>
        #include <spawn.h>
        #include <errno.h>
        #include <string.h>
        #include <sys/wait.h>
        extern char **environ;
        int main(int argc, char **argv) {
            setvbuf(stdout, 0, _IONBF, 0);
            if (argc > 1) { printf("child argv1=%s argc=%d\n", argv[1], argc); return 5; }
            char *args[] = {"/main", "again", 0};
            pid_t p; int st;
            if (posix_spawn(&p, "/main", 0, 0, args, environ)) return 1;
            waitpid(p, &st, 0);
            printf("spawned status %d\n", WEXITSTATUS(st));
            p = vfork();
            if (p == 0) { execl("/script", "/script", "x", (char *)0); _exit(99); }
            waitpid(p, &st, 0);
            printf("script status %d\n", WEXITSTATUS(st));
            execl("/nonexistent", "n", (char *)0);
            printf("execve failed: %s\n", strerror(errno));
            execl("/main", "/main", "final", (char *)0);
            return 1;
        }"#;
    with_program(&mut files, "main", main);
    files.push(("script".into(), b"#!/main -s\n".to_vec(), 0o755));
    let (out, err, status) = run_in_root(files, &["/main"]);
    assert_eq!(err, "");
    assert_eq!(
        out,
        "child argv1=again argc=2\nspawned status 5\nchild argv1=-s argc=4\nscript status 5\n\
         execve failed: No such file or directory\nchild argv1=final argc=2\n"
    );
    assert_eq!(status, 5);
}

#[test]
fn children_signals_and_job_control() {
    differential(
        "children",
        r#"#include <stdio.h>
        #include <signal.h>
        #include <unistd.h>
        #include <string.h>
        #include <errno.h>
        #include <time.h>
        #include <sys/wait.h>
        static volatile int chld, usr;
        static void on_chld(int s) { chld++; }
        static void on_usr(int s) { usr++; }
        int main(void) {
            setvbuf(stdout, 0, _IONBF, 0);
            signal(SIGCHLD, on_chld);
            pid_t p = fork();
            if (p == 0) { pause(); _exit(1); }
            int st;
            printf("wnohang %d\n", waitpid(p, &st, WNOHANG));
            kill(p, SIGKILL);
            while (waitpid(p, &st, 0) < 0 && errno == EINTR) ;
            printf("killed %d sig %d chld %d\n", WIFSIGNALED(st), WTERMSIG(st), chld > 0);
            printf("echild %d\n", waitpid(-1, &st, 0) < 0 && errno == ECHILD);
            p = fork();
            if (p == 0) { raise(SIGSTOP); usleep(100000); _exit(3); }
            waitpid(p, &st, WUNTRACED);
            printf("stopped %d sig %d\n", WIFSTOPPED(st), WSTOPSIG(st));
            kill(p, SIGCONT);
            waitpid(p, &st, WCONTINUED);
            printf("continued %d\n", WIFCONTINUED(st));
            waitpid(p, &st, 0);
            printf("then exited %d\n", WEXITSTATUS(st));
            struct sigaction sa; memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_usr; sa.sa_flags = SA_RESTART;
            sigaction(SIGUSR1, &sa, 0);
            int fd[2]; pipe(fd);
            p = fork();
            if (p == 0) { kill(getppid(), SIGUSR1); usleep(10000); write(fd[1], "z", 1); _exit(0); }
            char c = 0; ssize_t n = read(fd[0], &c, 1);
            printf("restarted read %zd %c usr %d\n", n, c, usr);
            waitpid(p, &st, 0);
            sa.sa_flags = 0; sigaction(SIGUSR1, &sa, 0);
            p = fork();
            if (p == 0) { usleep(100000); kill(getppid(), SIGUSR1); _exit(0); }
            struct timespec ts = {5, 0};
            int r = nanosleep(&ts, 0);
            printf("sleep interrupted %d %d\n", r, errno == EINTR);
            waitpid(p, &st, 0);
            volatile int zero = 0;
            signal(SIGFPE, SIG_DFL);
            return 10 / zero;
        }"#,
        &[],
    );
}

#[test]
fn altstack_and_classic_frames() {
    differential(
        "altstack",
        r#"#include <stdio.h>
        #include <signal.h>
        #include <stdlib.h>
        #include <string.h>
        static char stack[65536];
        static volatile int depth;
        static void on_usr(int s) {
            int here;
            printf("on alt %d\n", (char *)&here >= stack && (char *)&here < stack + sizeof stack);
            if (depth++ == 0) raise(SIGUSR2);
        }
        static void on_usr2(int s) { printf("nested usr2\n"); }
        int main(void) {
            setvbuf(stdout, 0, _IONBF, 0);
            stack_t ss = { .ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0 };
            sigaltstack(&ss, 0);
            struct sigaction sa; memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_usr; sa.sa_flags = SA_ONSTACK;
            sigaction(SIGUSR1, &sa, 0);
            signal(SIGUSR2, on_usr2);
            double x = 1.5;
            raise(SIGUSR1);
            printf("back x=%g depth=%d\n", x * 2, depth);
            sigset_t cur; sigprocmask(SIG_BLOCK, 0, &cur);
            printf("usr1 blocked after %d\n", sigismember(&cur, SIGUSR1));
            abort();
        }"#,
        &[],
    );
}

#[test]
fn busybox_shell_pipelines() {
    let busybox = busybox_path();
    let script = "echo $((6*7)); for i in 1 2 3; do echo n$i; done | busybox tac; \
                  busybox seq 1 200 | busybox awk '{s+=$1} END {print s}'; \
                  x=$(busybox echo sub); echo \"[$x]\"; busybox printf '%05d\\n' 42; \
                  echo abc | busybox sed s/b/B/ | busybox tr a-z A-Z; \
                  busybox sh -c 'exit 3'; echo status $?; \
                  busybox sleep 0.01 && echo slept; busybox uname -m; \
                  (busybox kill -TERM $$; true) & wait; echo not reached";
    let native = Command::new("setarch")
        .args(["i686", "-R"])
        .arg(&busybox)
        .args(["sh", "-c", script])
        .env_clear()
        .env("PATH", "/bin")
        .output()
        .unwrap();
    let (mut k, out) = kernel(busybox_root());
    let mut spawn = spawn_args("/bin/busybox", &["busybox", "sh", "-c", script]);
    spawn.envp = vec!["PATH=/bin".into()];
    k.spawn(spawn).unwrap();
    let status = run_to_exit(&mut k);
    let o = out.borrow();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&native.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&native.stderr)
    );
    assert_eq!(status, shell_status(native.status), "log: {:?}", o.log);
}

#[test]
fn threads_mutexes_and_join() {
    let exe = build_with(
        "threads",
        r#"#include <stdio.h>
        #include <pthread.h>
        #include <sched.h>
        #include <unistd.h>
        #include <sys/syscall.h>
        #include <errno.h>
        #include <time.h>
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
        static long counter, ready;
        static __thread int mine;
        static void *work(void *arg) {
            mine = (int)(long)arg;
            for (int i = 0; i < 20000; i++) {
                pthread_mutex_lock(&lock); counter++; pthread_mutex_unlock(&lock);
                if (i % 5000 == 0) sched_yield();
            }
            pthread_mutex_lock(&lock); ready++; pthread_cond_signal(&cond); pthread_mutex_unlock(&lock);
            return (void *)(long)(mine * 10 + (syscall(SYS_gettid) != getpid()));
        }
        int main(void) {
            pthread_t t[4];
            for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, work, (void *)i);
            pthread_mutex_lock(&lock);
            while (ready < 4) pthread_cond_wait(&cond, &lock);
            pthread_mutex_unlock(&lock);
            for (int i = 0; i < 4; i++) { void *r; pthread_join(t[i], &r); printf("thread %d -> %ld\n", i, (long)r); }
            printf("counter %ld main tls %d\n", counter, mine);
            struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50000000;
            if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
            pthread_mutex_lock(&lock);
            int r = pthread_cond_timedwait(&cond, &lock, &ts);
            pthread_mutex_unlock(&lock);
            printf("timedwait timed out %d\n", r == ETIMEDOUT);
            return 0;
        }"#,
        &["-pthread"],
    );
    let native = Command::new(&exe).output().unwrap();
    let (out, err, status) = run_in_root(
        vec![("main".into(), std::fs::read(&exe).unwrap(), 0o755)],
        &["/main"],
    );
    assert_eq!(err, String::from_utf8_lossy(&native.stderr));
    assert_eq!(out, String::from_utf8_lossy(&native.stdout));
    assert_eq!(status, 0);
}

#[test]
fn unimplemented_calls_and_bad_instructions() {
    let exe = build(
        "bad",
        r#"#include <stdio.h>
        #include <errno.h>
        #include <signal.h>
        #include <unistd.h>
        #include <sys/syscall.h>
        static void on_ill(int s, siginfo_t *si, void *uc) {
            printf("sigill code %d at ud2 %d\n", si->si_code, *(unsigned short *)si->si_addr == 0x0b0f);
            _exit(9);
        }
        int main(void) {
            setvbuf(stdout, 0, _IONBF, 0);
            for (int i = 0; i < 2; i++) {
                long r = syscall(223);
                printf("syscall 223 -> %ld errno %d\n", r, errno);
            }
            printf("syscall 9999 -> %ld errno %d\n", syscall(9999), errno);
            struct sigaction sa = {0};
            sa.sa_sigaction = on_ill; sa.sa_flags = SA_SIGINFO;
            sigaction(SIGILL, &sa, 0);
            __asm__ volatile("ud2");
            return 0;
        }"#,
    );
    let native = Command::new(&exe).output().unwrap();
    let (mut k, out) = kernel(root_with(&[("bad", std::fs::read(&exe).unwrap(), 0o755)]));
    k.spawn(spawn_args("/bad", &["/bad"])).unwrap();
    let status = run_to_exit(&mut k);
    let o = out.borrow();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&native.stdout)
    );
    assert_eq!(status, 9);
    let unimplemented: Vec<&String> = o
        .log
        .iter()
        .filter(|l| l.contains("unimplemented system call"))
        .collect();
    assert!(unimplemented
        .iter()
        .any(|l| l.starts_with("unimplemented system call 223 (unused223) from pid ")));
    assert!(unimplemented
        .iter()
        .any(|l| l.starts_with("unimplemented system call 9999 (unknown) from pid ")));
    assert_eq!(
        unimplemented.iter().filter(|l| l.contains(" 223 ")).count(),
        1,
        "logged once: {:?}",
        o.log
    );
}

#[test]
fn ctrl_c_interrupts_a_foreground_job_in_an_interactive_shell() {
    let out = Rc::new(RefCell::new(Output::default()));
    let config = Config {
        root: Box::new(busybox_root()),
        tty: [true; 3],
        log: true,
    };
    let mut k = Kernel::new(config, Box::new(TestHost(out.clone())));
    let mut spawn = spawn_args("/bin/busybox", &["sh", "-i"]);
    spawn.envp = vec!["PATH=/bin".into(), "PS1=$ ".into()];
    k.spawn(spawn).unwrap();
    let mut now = Now {
        monotonic_ns: 1_000_000_000,
        realtime_ns: 1_700_000_000_000_000_000,
    };
    // Runs until every task waits for input or for more than a second
    // (short timeouts, like the shell's terminal queries, expire on the way);
    // `Some(status)` once the shell exited.
    let settle = |k: &mut Kernel, now: &mut Now| -> Option<i32> {
        for _ in 0..10_000 {
            match k.run(*now) {
                RunStatus::Busy => now.monotonic_ns += 1_000_000,
                RunStatus::Idle { wake_at: Some(t) } if t <= now.monotonic_ns + 1_000_000_000 => {
                    now.monotonic_ns = t.max(now.monotonic_ns + 1);
                }
                RunStatus::Idle { .. } => return None,
                RunStatus::Exited { status } => return Some(status),
            }
        }
        panic!("shell never went idle");
    };
    assert_eq!(settle(&mut k, &mut now), None);
    k.console_input(b"busybox sleep 100\n");
    assert_eq!(settle(&mut k, &mut now), None);
    now.monotonic_ns += 2_000_000_000; // two seconds into the sleep
    assert_eq!(settle(&mut k, &mut now), None);
    k.console_input(b"\x03");
    assert_eq!(settle(&mut k, &mut now), None);
    k.console_input(b"echo status $?\n");
    assert_eq!(settle(&mut k, &mut now), None);
    k.console_input(b"exit 4\n");
    assert_eq!(settle(&mut k, &mut now), Some(4));
    let o = out.borrow();
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        text.contains("status 130"),
        "console: {text:?} log: {:?}",
        o.log
    );
}

#[test]
fn proc_describes_the_caller_like_linux() {
    let src = r#"#include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        #include <fcntl.h>
        #include <dirent.h>
        #include <errno.h>
        #include <sys/stat.h>
        #include <sys/wait.h>
        static char buf[8192];
        static int slurp(const char *path) {
            int fd = open(path, O_RDONLY);
            if (fd < 0) return -errno;
            int n = 0, r;
            while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
            close(fd);
            buf[n] = 0;
            return n;
        }
        static const char *link_of(const char *path) {
            static char l[4096];
            ssize_t n = readlink(path, l, sizeof l - 1);
            l[n < 0 ? 0 : n] = 0;
            return l;
        }
        int main(int argc, char **argv) {
            setvbuf(stdout, 0, _IONBF, 0);
            if (argc > 1) { printf("re-exec through /proc/self/exe: %s\n", argv[1]); return 0; }
            char pid[16];
            snprintf(pid, sizeof pid, "%d", getpid());
            printf("self names pid: %d\n", strcmp(link_of("/proc/self"), pid) == 0);
            char exe[4096];
            strcpy(exe, link_of("/proc/self/exe"));
            const char *base = strrchr(argv[0], '/');
            printf("exe absolute, same name: %d %d\n", exe[0] == '/', strcmp(strrchr(exe, '/'), base) == 0);
            struct stat a, b;
            printf("exe is the program: %d\n", stat("/proc/self/exe", &a) == 0 && stat(argv[0], &b) == 0 && a.st_ino == b.st_ino);
            printf("self is a symlink: %d\n", lstat("/proc/self", &a) == 0 && S_ISLNK(a.st_mode));
            int n = slurp("/proc/self/cmdline");
            printf("cmdline: %d %d\n", n == (int)strlen(argv[0]) + 1, strcmp(buf, argv[0]) == 0);
            int fd = open(argv[0], O_RDONLY);
            char fdpath[64];
            snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
            printf("fd link is the file: %d\n", strcmp(link_of(fdpath), exe) == 0);
            int p[2];
            pipe(p);
            snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", p[0]);
            printf("pipe link: %d\n", strncmp(link_of(fdpath), "pipe:[", 6) == 0);
            DIR *d = opendir("/proc/self/fd");
            /* Only the descriptors this program opened: a native run may inherit more. */
            int seen = 0, mine[] = {0, 1, 2, fd, p[0], p[1], dirfd(d)};
            struct dirent *e;
            while ((e = readdir(d)))
                for (int i = 0; i < 7; i++)
                    seen += e->d_name[0] != '.' && atoi(e->d_name) == mine[i];
            closedir(d);
            printf("own fd entries: %d\n", seen);
            slurp("/proc/self/stat");
            int spid = 0, sppid = 0;
            char st = 0;
            sscanf(buf, "%d (%*[^)]) %c %d", &spid, &st, &sppid);
            printf("stat: pid %d ppid %d state %c\n", spid == getpid(), sppid == getppid(), st);
            slurp("/proc/self/status");
            printf("status: %d %d\n", strncmp(buf, "Name:\t", 6) == 0, strstr(buf, "\nPPid:\t") != 0);
            slurp("/proc/cpuinfo");
            printf("cpuinfo: %d %d\n", strstr(buf, "processor\t: 0") != 0, strstr(buf, " fpu") != 0);
            slurp("/proc/meminfo");
            printf("meminfo: %d\n", strncmp(buf, "MemTotal:", 9) == 0);
            double up = 0;
            slurp("/proc/uptime");
            printf("uptime: %d\n", sscanf(buf, "%lf", &up) == 1 && up > 0);
            slurp("/proc/mounts");
            printf("mounts: %d\n", strstr(buf, " /proc proc ") != 0);
            printf("missing: %d %d %d\n", slurp("/proc/self/fd/999"), slurp("/proc/2147483647/stat"), slurp("/proc/self/nope"));
            pid_t c = fork();
            if (c == 0) {
                slurp("/proc/self/stat");
                sscanf(buf, "%d (%*[^)]) %c %d", &spid, &st, &sppid);
                printf("child: own pid %d parent %d\n", strcmp(link_of("/proc/self"), pid) != 0, sppid == atoi(pid));
                _exit(0);
            }
            waitpid(c, 0, 0);
            execl("/proc/self/exe", argv[0], "ok", (char *)0);
            printf("exec failed %d\n", errno);
            return 1;
        }"#;
    differential("proc_self", src, &[]);
}

#[test]
fn a_new_init_after_exit_sees_the_same_files() {
    let src = r#"
        #include <stdio.h>
        int main(int argc, char **argv) {
            if (argc > 1) { FILE *f = fopen("/note", "w"); fputs(argv[1], f); fclose(f); return 3; }
            char buf[32] = {0}; FILE *f = fopen("/note", "r");
            if (!f) return 1;
            fgets(buf, sizeof buf, f); printf("%s\n", buf); return 4;
        }"#;
    let exe = build("respawn", src);
    let (mut k, out) = kernel(root_with(&[(
        "respawn",
        std::fs::read(&exe).unwrap(),
        0o755,
    )]));
    k.spawn(spawn_args("/respawn", &["/respawn", "kept"]))
        .unwrap();
    assert_eq!(run_to_exit(&mut k), 3);
    k.spawn(spawn_args("/respawn", &["/respawn"])).unwrap();
    assert_eq!(run_to_exit(&mut k), 4);
    assert_eq!(String::from_utf8_lossy(&out.borrow().stdout), "kept\n");
}
