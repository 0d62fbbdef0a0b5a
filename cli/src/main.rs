//! `lbaas`: parses the command line and runs it on a single-threaded runtime (a CLI makes one
//! request at a time). No tracing subscriber: the output is for a person or a script, and
//! errors are printed once, here, as `error: …`.

use std::process::ExitCode;

use clap::Parser;
use lbaas_cli::args::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(lbaas_cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
