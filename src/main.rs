//! The `vnlink` command-line tool: argument parsing, progress, summaries and exit codes only;
//! all matching logic is in the library.

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

fn main() -> ExitCode {
    cli::main()
}
