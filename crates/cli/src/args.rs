//! The command line: what each command accepts, its `--help` text, and a
//! hand-written parser (two commands with a handful of options do not
//! justify an argument-parsing dependency and its build time).

use std::path::PathBuf;

pub const MAIN_HELP: &str = "\
tabvm: run 32-bit x86 (i386) Linux programs, natively or in a browser tab

Usage:
  tabvm run [OPTIONS] -- PROGRAM [ARGS...]   run a guest program
  tabvm serve [--port N] [--dir DIR]         serve the web app locally
  tabvm image COMMAND ...                    build, chunk, verify, inspect disk images
  tabvm help [COMMAND]                       show help (also: --help, -h)
  tabvm --version                            print the version

Run 'tabvm COMMAND --help' for a command's options.

Exit status: a guest's own status (128+N if signal N killed it); 125 if
tabvm itself fails (bad usage, missing root, port in use); 126 if PROGRAM
is not an executable tabvm runs; 127 if PROGRAM is not found.
";

pub const RUN_HELP: &str = "\
Usage: tabvm run [OPTIONS] [--] PROGRAM [ARGS...]

Runs PROGRAM, an i386 Linux executable (static or dynamic) given as a
path inside the guest root, with ARGS as its arguments (argv[0] is PROGRAM as written).
The guest's stdin, stdout and stderr are tabvm's. When stdin is a terminal
the guest gets a tty: the host terminal is put in raw mode (restored on
exit), the guest's tty does line editing and Ctrl-C, and window size
changes are passed on. Otherwise stdin is read as a stream and its end is
the guest's end of input.

Options:
  --root DIR    the guest's root directory, a host directory the guest
                cannot leave (default: /)
  --env K=V     put K=V in the guest's environment; repeatable. The guest
                gets these variables and no others.
  --cwd DIR     the guest's working directory inside the root (default: /)
  --image IMG   boot from an ext2 image instead of a root directory: an
                image file, a chunked image directory ('tabvm image'), or
                the http:// URL of one, streamed as the guest reads it
                (chunks are cached in ~/.cache/tabvm/chunks/; TABVM_STATS=1
                or --log reports what was fetched at exit).
                The image is never changed: writes go to an overlay file
  --overlay F   the overlay of --image (default: a file under
                ~/.cache/tabvm/overlays/ named after the image or URL)
  --reset       drop the overlay first, starting from the pristine image
  --user USER   run as USER: a name or number from the root's /etc/passwd
                (its group too), or UID:GID (default: root, 0:0)
  --log         log unimplemented system calls and instructions to stderr
                (also enabled by TABVM_LOG=1); TABVM_TRACE=1 also logs
                every system call with its arguments and result
  -h, --help    show this help

Everything after PROGRAM is passed to it unchanged; '--' before PROGRAM
is needed only if PROGRAM starts with '-'.

Exit status: the guest's (128+N if signal N killed it); 125 if tabvm fails
(bad usage, missing root); 126 if PROGRAM is not an executable tabvm runs
(not ELF, 64-bit, not x86); 127 if it does not exist.
";

pub const SERVE_HELP: &str = "\
Usage: tabvm serve [--port N] [--dir DIR]

Serves the files of DIR over HTTP on 127.0.0.1 (loopback only) with the
headers the web app needs (cross-origin isolation: COOP same-origin, COEP
require-corp, CORP same-origin). GET and HEAD only; a directory serves its
index.html. Stop it with Ctrl-C.

Options:
  --port N      TCP port (default: 8080; 0 picks a free one). The URL,
                with the port, is printed on stdout once listening.
  --dir DIR     the directory to serve (default: web/dist, built by
                web/build.sh)
  -h, --help    show this help
";

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Print this help text and exit successfully.
    Help(&'static str),
    Version,
    Run(RunArgs),
    Serve(ServeArgs),
    /// `tabvm image` and its own arguments (parsed by `image::main`).
    Image(Vec<String>),
}

/// Options of `tabvm run`.
#[derive(Debug, PartialEq, Eq)]
pub struct RunArgs {
    pub root: PathBuf,
    /// `--image`: boot from this ext2 image instead of `root`.
    pub image: Option<PathBuf>,
    pub overlay: Option<PathBuf>,
    pub reset: bool,
    /// `K=V` strings, in order.
    pub env: Vec<String>,
    pub cwd: String,
    /// `--user` as given: resolved against the root's /etc/passwd.
    pub user: Option<String>,
    pub log: bool,
    pub program: String,
    pub args: Vec<String>,
}

/// Options of `tabvm serve`.
#[derive(Debug, PartialEq, Eq)]
pub struct ServeArgs {
    pub port: u16,
    pub dir: PathBuf,
}

/// Bad input on the command line; the message is for a human and says
/// which help to read.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, UsageError> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Command::Help(MAIN_HELP));
    };
    match command.as_str() {
        "-h" | "--help" => Ok(Command::Help(MAIN_HELP)),
        "-V" | "--version" => Ok(Command::Version),
        "help" => match rest.first().map(String::as_str) {
            None => Ok(Command::Help(MAIN_HELP)),
            Some("run") => Ok(Command::Help(RUN_HELP)),
            Some("serve") => Ok(Command::Help(SERVE_HELP)),
            Some("image") => Ok(Command::Help(crate::image::IMAGE_HELP)),
            Some(other) => Err(usage(
                format!("no help for '{other}': commands are run and serve"),
                "",
            )),
        },
        "run" => parse_run(rest),
        "serve" => parse_serve(rest),
        "image" => Ok(Command::Image(rest.to_vec())),
        other if other.starts_with('-') => Err(usage(format!("unknown option '{other}'"), "")),
        other => Err(usage(format!("unknown command '{other}'"), "")),
    }
}

fn usage(message: String, command: &str) -> UsageError {
    let help = if command.is_empty() {
        "tabvm --help".to_string()
    } else {
        format!("tabvm {command} --help")
    };
    UsageError(format!("{message} (see '{help}')"))
}

/// Walks `--name value`, `--name=value` and bare flags; stops at `--` or
/// at the first argument that is not an option.
struct Options<'a> {
    command: &'static str,
    args: &'a [String],
    next: usize,
}

/// One option from [`Options::next_option`].
struct Opt<'a> {
    name: &'a str,
    /// The part after `=`, if the option was written `--name=value`.
    inline: Option<&'a str>,
}

impl<'a> Options<'a> {
    fn new(command: &'static str, args: &'a [String]) -> Self {
        Options {
            command,
            args,
            next: 0,
        }
    }

    fn next_option(&mut self) -> Option<Opt<'a>> {
        let arg = self.args.get(self.next)?;
        if arg == "--" {
            self.next += 1;
            return None;
        }
        if !arg.starts_with('-') || arg == "-" {
            return None;
        }
        self.next += 1;
        Some(match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => Opt {
                name,
                inline: Some(value),
            },
            _ => Opt {
                name: arg,
                inline: None,
            },
        })
    }

    fn value(&mut self, opt: &Opt<'a>) -> Result<&'a str, UsageError> {
        if let Some(v) = opt.inline {
            return Ok(v);
        }
        let v = self
            .args
            .get(self.next)
            .ok_or_else(|| self.error(format!("{} needs a value", opt.name)))?;
        self.next += 1;
        Ok(v)
    }

    fn flag(&self, opt: &Opt<'a>) -> Result<(), UsageError> {
        match opt.inline {
            None => Ok(()),
            Some(_) => Err(self.error(format!("{} takes no value", opt.name))),
        }
    }

    fn unknown(&self, opt: &Opt<'a>) -> UsageError {
        self.error(format!("unknown option '{}'", opt.name))
    }

    fn error(&self, message: String) -> UsageError {
        usage(message, self.command)
    }

    fn rest(&self) -> &'a [String] {
        &self.args[self.next..]
    }
}

fn parse_run(args: &[String]) -> Result<Command, UsageError> {
    let mut opts = Options::new("run", args);
    let (mut root, mut env, mut cwd, mut log) =
        (PathBuf::from("/"), Vec::new(), "/".to_string(), false);
    let mut user = None;
    let (mut image, mut overlay, mut reset) = (None, None, false);
    while let Some(opt) = opts.next_option() {
        match opt.name {
            "-h" | "--help" => return Ok(Command::Help(RUN_HELP)),
            "--root" => root = PathBuf::from(opts.value(&opt)?),
            "--cwd" => cwd = opts.value(&opt)?.to_string(),
            "--user" => user = Some(opts.value(&opt)?.to_string()),
            "--image" => image = Some(PathBuf::from(opts.value(&opt)?)),
            "--overlay" => overlay = Some(PathBuf::from(opts.value(&opt)?)),
            "--reset" => {
                opts.flag(&opt)?;
                reset = true;
            }
            "--log" => {
                opts.flag(&opt)?;
                log = true;
            }
            "--env" => {
                let kv = opts.value(&opt)?;
                if !matches!(kv.split_once('='), Some((k, _)) if !k.is_empty()) {
                    return Err(opts.error(format!("--env wants K=V, got '{kv}'")));
                }
                env.push(kv.to_string());
            }
            _ => return Err(opts.unknown(&opt)),
        }
    }
    let Some((program, rest)) = opts.rest().split_first() else {
        return Err(opts.error("no PROGRAM given".into()));
    };
    if image.is_none() && (overlay.is_some() || reset) {
        return Err(opts.error("--overlay and --reset need --image".into()));
    }
    Ok(Command::Run(RunArgs {
        root,
        image,
        overlay,
        reset,
        env,
        cwd,
        user,
        log,
        program: program.clone(),
        args: rest.to_vec(),
    }))
}

fn parse_serve(args: &[String]) -> Result<Command, UsageError> {
    let mut opts = Options::new("serve", args);
    let (mut port, mut dir) = (8080, PathBuf::from("web/dist"));
    while let Some(opt) = opts.next_option() {
        match opt.name {
            "-h" | "--help" => return Ok(Command::Help(SERVE_HELP)),
            "--port" => {
                let v = opts.value(&opt)?;
                port = v
                    .parse()
                    .map_err(|_| opts.error(format!("--port wants a number 0-65535, got '{v}'")))?;
            }
            "--dir" => dir = PathBuf::from(opts.value(&opt)?),
            _ => return Err(opts.unknown(&opt)),
        }
    }
    if let Some(extra) = opts.rest().first() {
        return Err(opts.error(format!("unexpected argument '{extra}'")));
    }
    Ok(Command::Serve(ServeArgs { port, dir }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Result<Command, UsageError> {
        parse(
            &line
                .split_whitespace()
                .map(String::from)
                .collect::<Vec<_>>(),
        )
    }

    fn run(line: &str) -> RunArgs {
        match p(line) {
            Ok(Command::Run(r)) => r,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn run_options_in_both_spellings() {
        let r = run(
            "run --root /r --env A=1 --env=B=x=y --cwd=/tmp --user=user --log -- /bin/sh -c --env",
        );
        assert_eq!(r.root, PathBuf::from("/r"));
        assert_eq!(r.user.as_deref(), Some("user"));
        assert_eq!(r.env, ["A=1", "B=x=y"]);
        assert_eq!(r.cwd, "/tmp");
        assert!(r.log);
        assert_eq!(r.program, "/bin/sh");
        assert_eq!(r.args, ["-c", "--env"]);
    }

    #[test]
    fn run_from_an_image() {
        let r = run("run --image /i.ext2 --overlay=/o --reset -- /bin/sh");
        assert_eq!(r.image, Some(PathBuf::from("/i.ext2")));
        assert_eq!((r.overlay, r.reset), (Some(PathBuf::from("/o")), true));
        let r = run("run /bin/sh");
        assert_eq!((r.image, r.overlay, r.reset), (None, None, false));
        assert_eq!(
            p("image ls x /").unwrap(),
            Command::Image(vec!["ls".into(), "x".into(), "/".into()])
        );
    }

    #[test]
    fn run_defaults_and_program_without_double_dash() {
        let r = run("run /bin/true -x");
        assert_eq!(
            (r.root, r.cwd.as_str(), r.log),
            (PathBuf::from("/"), "/", false)
        );
        assert!(r.env.is_empty());
        assert_eq!(
            (r.program.as_str(), r.args),
            ("/bin/true", vec!["-x".to_string()])
        );
    }

    #[test]
    fn usage_errors_name_the_problem() {
        let err = |line| p(line).unwrap_err().0;
        assert!(err("run --bogus x").starts_with("unknown option '--bogus'"));
        assert!(err("run --root").starts_with("--root needs a value"));
        assert!(err("run --env NOEQ x").starts_with("--env wants K=V"));
        assert!(err("run --log=1 x").starts_with("--log takes no value"));
        assert!(err("run --root /").starts_with("no PROGRAM given"));
        assert!(err("serve --port 70000").starts_with("--port wants a number"));
        assert!(err("serve extra").starts_with("unexpected argument"));
        assert!(err("frobnicate").starts_with("unknown command"));
        assert!(err("--frob").contains("'tabvm --help'"));
        assert!(err("run --frob").contains("'tabvm run --help'"));
    }

    #[test]
    fn help_and_serve() {
        assert_eq!(p("").unwrap(), Command::Help(MAIN_HELP));
        assert_eq!(p("help serve").unwrap(), Command::Help(SERVE_HELP));
        assert_eq!(p("run -h").unwrap(), Command::Help(RUN_HELP));
        assert_eq!(
            p("serve --port 0 --dir d").unwrap(),
            Command::Serve(ServeArgs {
                port: 0,
                dir: "d".into()
            })
        );
    }
}
