//! Interactive sessions in the Debian root, driven through tmux like a
//! person at a terminal: bash job control (^Z, `bg`, `fg`, ^C), vim editing
//! and saving a file, and a terminal resize reaching `stty size`.
//!
//! tmux gives `tabvm run` a real pseudo-terminal, so the host side is in raw
//! mode and the guest's line discipline, process groups and `SIGWINCH` are
//! what is being tested. The screen is read with `capture-pane`; each step
//! waits until the text it expects appears (a generous bound only stops a
//! broken run from hanging the suite; it is not a speed target).

mod common;

use common::debian::{debian_root, work_dir};
use common::tabvm_bin;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A detached tmux session running an interactive bash under tabvm; killed
/// when dropped.
struct Session {
    name: String,
}

impl Session {
    /// Starts bash in `/var/tmp/tabvm-test/<name>` of the Debian root.
    fn start(name: &str) -> Session {
        let (work, _) = work_dir(name);
        let session = Session {
            name: format!("tabvm-{name}-{}", std::process::id()),
        };
        let root = debian_root().display().to_string();
        let command = [
            tabvm_bin(),
            "run",
            "--root",
            &root,
            "--cwd",
            &work,
            "--env",
            "PATH=/usr/bin:/bin",
            "--env",
            "HOME=/root",
            "--env",
            "TERM=xterm",
            "--env",
            "HISTFILE=/dev/null",
            "--env",
            "PS1=guest$ ",
            "--",
            "/bin/bash",
            "--norc",
            "-i",
        ]
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .join(" ");
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-x", "100", "-y", "30", "-s"])
            .arg(&session.name)
            .arg(command)
            .status()
            .expect("start tmux (is it installed?)")
            .success();
        assert!(ok, "tmux new-session failed");
        session.wait_for("guest$");
        session
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types keys (tmux key names such as `Enter`, `C-z`, `Escape`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend(keys);
        self.tmux(&args);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.name])
    }

    /// Waits until `text` is on the screen, and returns the screen.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "{text:?} never appeared; the screen:\n{screen}"
            );
            sleep(Duration::from_millis(100));
        }
    }

    /// Runs a shell command line and waits for `expect` on the screen.
    fn run(&self, line: &str, expect: &str) -> String {
        self.keys(&[line, "Enter"]);
        self.wait_for(expect)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.tmux(&["kill-session", "-t", &self.name]);
    }
}

#[test]
fn job_control_stop_background_foreground_interrupt() {
    let s = Session::start("jobs");
    s.run("sleep 100", "sleep 100");
    s.keys(&["C-z"]);
    s.wait_for("Stopped                 sleep 100");
    s.run("bg", "[1]+ sleep 100 &");
    s.run("jobs", "Running                 sleep 100 &");
    s.run("fg", "guest$ fg\nsleep 100");
    s.keys(&["C-c"]);
    s.run("echo status $?", "status 130");
    s.run("echo jobs left: $(jobs | wc -l)", "jobs left: 0");
}

#[test]
fn vim_edits_and_saves_a_file() {
    let s = Session::start("vim");
    s.run("vim -u NONE -N note.txt", "\"note.txt\" [New]");
    s.keys(&["ihello from vim", "Escape"]);
    s.keys(&["o", "second line", "Escape"]);
    s.wait_for("second line");
    // Type on only once the shell is back: vim flushes pending input when
    // it restores the terminal, as on any Linux tty.
    s.run(":wq", "note.txt\nguest$");
    s.run("clear; cat note.txt; echo end-of-file", "end-of-file");
    let saved = debian_root().join("var/tmp/tabvm-test/vim/note.txt");
    assert_eq!(
        std::fs::read_to_string(&saved).expect("vim saved the file"),
        "hello from vim\nsecond line\n"
    );
}

#[test]
fn resizing_the_terminal_reaches_the_guest() {
    let s = Session::start("resize");
    s.run("stty size", "30 100");
    s.tmux(&["resize-window", "-t", &s.name, "-x", "80", "-y", "20"]);
    // SIGWINCH reaches the foreground process group: a trap shows it.
    s.run(
        "trap 'echo got-winch' WINCH; clear; echo trap-set",
        "trap-set",
    );
    s.tmux(&["resize-window", "-t", &s.name, "-x", "90", "-y", "25"]);
    s.wait_for("got-winch");
    s.run("stty size", "25 90");
}
