//! The `tabvm` command: runs i386 Linux programs natively (`tabvm run`),
//! serves the web app (`tabvm serve`) and handles disk images (`tabvm
//! image`). Argument parsing is in `args`, each command in its own module;
//! this file maps results to exit statuses.

mod args;
mod http;
mod image;
mod run;
mod serve;

use std::process::ExitCode;

use args::Command;

/// tabvm itself failed (usage, missing root, port in use), as `chroot` and
/// `env` report their own failures.
pub const EXIT_FAILURE: i32 = 125;
/// PROGRAM exists but is not an executable tabvm runs (as a shell says).
pub const EXIT_NOT_EXECUTABLE: i32 = 126;
/// PROGRAM does not exist (as a shell says).
pub const EXIT_NOT_FOUND: i32 = 127;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let status = match args::parse(&argv) {
        Ok(Command::Help(text)) => {
            print!("{text}");
            0
        }
        Ok(Command::Version) => {
            println!("tabvm {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Ok(Command::Run(run_args)) => {
            let log = run_args.log
                || std::env::var_os("TABVM_LOG").is_some_and(|v| !v.is_empty() && v != "0");
            match run::run(run_args, log) {
                Ok(status) => status,
                Err(run::RunError(message, status)) => fail(&message, status),
            }
        }
        Ok(Command::Serve(serve_args)) => match serve::serve(&serve_args) {
            Ok(()) => 0,
            Err(message) => fail(&message, EXIT_FAILURE),
        },
        Ok(Command::Image(image_args)) => match image::main(&image_args) {
            Ok(status) => status,
            Err(message) => fail(&message, EXIT_FAILURE),
        },
        Err(args::UsageError(message)) => fail(&message, EXIT_FAILURE),
    };
    // Truncating keeps the low 8 bits, as Linux does with exit(256).
    ExitCode::from(status as u8)
}

fn fail(message: &str, status: i32) -> i32 {
    eprintln!("tabvm: {message}");
    status
}
